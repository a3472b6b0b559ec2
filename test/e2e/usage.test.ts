import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sampleValue, scrapeMetrics } from '../helpers/metrics-text.js';
import { perTest } from '../helpers/per-test.js';
import { startProxy } from '../helpers/proxy.js';
import { streamSamples, utterance } from '../helpers/voice.js';
import { TestClient, type JsonMessage } from '../helpers/ws-client.js';

let dir: string | undefined;
const t = perTest(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

type Tokens = Record<'input' | 'cachedInput' | 'output', Record<'text' | 'audio' | 'image', number>>;

/** Prices for the test (USD per million tokens), deliberately unlike the defaults so the file is seen to apply. */
const PRICES = {
  'gpt-realtime': { input: { text: 5, audio: 40, image: 6 }, cachedInput: { text: 0.5, audio: 0.5, image: 0.5 }, output: { text: 20, audio: 80 } },
  'gpt-4o-mini-transcribe': { input: { text: 1.5, audio: 2 }, output: { text: 7 } },
} as const;

function zero(): Tokens {
  return { input: { text: 0, audio: 0, image: 0 }, cachedInput: { text: 0, audio: 0, image: 0 }, output: { text: 0, audio: 0, image: 0 } };
}

/** The test's own reading of a GA `usage` object (field by field, as the API reference names them). */
function tokensOf(usage: unknown): Tokens {
  const u = usage as {
    input_token_details?: { text_tokens?: number; audio_tokens?: number; image_tokens?: number; cached_tokens_details?: { text_tokens?: number; audio_tokens?: number; image_tokens?: number } };
    output_token_details?: { text_tokens?: number; audio_tokens?: number };
    output_tokens?: number;
  };
  const input = u.input_token_details ?? {};
  const cached = input.cached_tokens_details ?? {};
  const t = zero();
  for (const m of ['text', 'audio', 'image'] as const) {
    t.cachedInput[m] = cached[`${m}_tokens`] ?? 0;
    t.input[m] = (input[`${m}_tokens`] ?? 0) - t.cachedInput[m];
  }
  // A transcription reports its output (text) without details.
  t.output.text = u.output_token_details?.text_tokens ?? u.output_tokens ?? 0;
  t.output.audio = u.output_token_details?.audio_tokens ?? 0;
  return t;
}

function add(a: Tokens, b: Tokens): Tokens {
  const t = zero();
  for (const d of ['input', 'cachedInput', 'output'] as const) for (const m of ['text', 'audio', 'image'] as const) t[d][m] = a[d][m] + b[d][m];
  return t;
}

function cost(t: Tokens, prices: { input: Partial<Record<string, number>>; cachedInput?: Partial<Record<string, number>>; output: Partial<Record<string, number>> }): number {
  let usd = 0;
  for (const d of ['input', 'cachedInput', 'output'] as const) {
    for (const m of ['text', 'audio', 'image'] as const) usd += (t[d][m] * (prices[d]?.[m] ?? 0)) / 1e6;
  }
  return usd;
}

/** One spoken turn and one typed turn; resolves with both AIResponseEnd events. */
async function twoTurns(c: TestClient, transcribed = true): Promise<JsonMessage[]> {
  await c.waitForType('AIConnected');
  const { all } = utterance(24000);
  await streamSamples(c, all, 24000);
  await c.waitForType('AIResponseEnd', 10_000);
  // The transcription's usage comes with its completion, which may follow the response.
  if (transcribed) await c.waitUntil(() => c.json.some((m) => m.name === 'UserTranscript'), 5000);
  c.sendJson({ type: 'text', text: 'And what about the weather on Mars today?' });
  await c.waitUntil(() => c.json.filter((m) => m.name === 'AIResponseEnd').length === 2 || undefined, 10_000);
  return c.json.filter((m) => m.name === 'AIResponseEnd');
}

async function scrapeTokens(httpUrl: string): Promise<{ tokens: Tokens; costUsd: number; unpriced: number }> {
  const { samples } = await scrapeMetrics(httpUrl);
  const tokens = zero();
  for (const d of ['input', 'cachedInput', 'output'] as const) {
    for (const m of ['text', 'audio', 'image'] as const) tokens[d][m] = sampleValue(samples, 'audio_proxy_tokens_total', { direction: d, modality: m }) ?? -1;
  }
  return {
    tokens,
    costUsd: sampleValue(samples, 'audio_proxy_cost_usd_total') ?? -1,
    unpriced: sampleValue(samples, 'audio_proxy_usage_unpriced_total') ?? -1,
  };
}

describe('usage accounting', () => {
  it('metrics, AIResponseEnd, sidecars and the session log line equal what the upstream reported, priced by the table', async () => {
    dir = await mkdtemp(join(tmpdir(), 'usage-'));
    const pricesFile = join(dir, 'prices.json');
    await writeFile(pricesFile, JSON.stringify(PRICES));
    const logs: string[] = [];
    t.proxy = await startProxy({
      env: { USAGE_PRICES_FILE: pricesFile, SAVE_AUDIO: 'response', AUDIO_OUTPUT_DIR: join(dir, 'rec'), LOG_LEVEL: 'info' },
      logStream: { write: (line) => void logs.push(line) },
    });
    t.client = await TestClient.connect(`${t.proxy.url}?inputRate=24000`);
    const ends = await twoTurns(t.client);
    t.client.close();
    const closed = await waitForLog(logs, 'session closed');

    const sent = t.proxy.emulator.sessions.flatMap((s) => s.usageSent);
    const responses = sent.filter((s) => s.event === 'response.done').map((s) => tokensOf(s.usage));
    const transcriptions = sent.filter((s) => s.event === 'transcription').map((s) => tokensOf(s.usage));
    expect(responses).toHaveLength(2);
    expect(transcriptions.length).toBeGreaterThanOrEqual(1);
    const responseTotal = responses.reduce(add, zero());
    const transcriptionTotal = transcriptions.reduce(add, zero());
    const everything = add(responseTotal, transcriptionTotal);
    // Not a vacuous sum: the emulator reported input and output of both kinds.
    expect(responseTotal.input.audio).toBeGreaterThan(0);
    expect(responseTotal.input.text).toBeGreaterThan(0);
    expect(responseTotal.output.audio).toBeGreaterThan(0);
    expect(transcriptionTotal.input.audio).toBeGreaterThan(0);
    const expectedCost = cost(responseTotal, PRICES['gpt-realtime']) + cost(transcriptionTotal, PRICES['gpt-4o-mini-transcribe']);

    // AIResponseEnd: each response's own usage and cost.
    ends.forEach((end, i) => {
      const usage = end.usage as Tokens & { costUsd: number };
      const expected = responses[i] ?? zero();
      expect({ input: usage.input, cachedInput: usage.cachedInput, output: usage.output }).toEqual(expected);
      expect(usage.costUsd).toBeCloseTo(cost(expected, PRICES['gpt-realtime']), 12);
    });

    // /metrics: every token of both kinds, and their cost.
    const metrics = await scrapeTokens(t.proxy.httpUrl);
    expect(metrics.tokens).toEqual(everything);
    expect(metrics.costUsd).toBeCloseTo(expectedCost, 12);
    expect(metrics.unpriced).toBe(0);

    // The end-of-session log line.
    const line = closed as { usage: { tokens: Tokens; costUsd: number; responses: number; transcriptions: number } };
    expect(line.usage.tokens).toEqual(everything);
    expect(line.usage.costUsd).toBeCloseTo(expectedCost, 12);
    expect(line.usage).toMatchObject({ responses: 2, transcriptions: transcriptions.length });

    // The sidecars: the same usage as the client was told, per response.
    await t.proxy.close();
    t.proxy = undefined;
    const recDir = join(dir, 'rec');
    const sidecars = await Promise.all((await readdir(recDir)).filter((f) => f.endsWith('.json')).map(async (f) => JSON.parse(await readFile(join(recDir, f), 'utf8')) as JsonMessage));
    for (const end of ends) {
      expect(sidecars.find((s) => s.responseId === end.responseId)?.usage).toEqual(end.usage);
    }
  });

  it('with USAGE_IN_RESPONSE_END=false the client is not told, and the metrics still count', async () => {
    t.proxy = await startProxy({ env: { USAGE_IN_RESPONSE_END: 'false' } });
    t.client = await TestClient.connect(`${t.proxy.url}?inputRate=24000`);
    const ends = await twoTurns(t.client);
    for (const end of ends) expect(end).not.toHaveProperty('usage');
    const sent = t.proxy.emulator.sessions.flatMap((s) => s.usageSent).map((s) => tokensOf(s.usage)).reduce(add, zero());
    expect((await scrapeTokens(t.proxy.httpUrl)).tokens).toEqual(sent);
  });

  it('a model without prices: tokens counted, cost unknown (null), one warning for the model', async () => {
    const logs: string[] = [];
    t.proxy = await startProxy({ env: { OPENAI_MODEL: 'my-own-realtime-model', TRANSCRIPTION_MODEL: 'none', LOG_LEVEL: 'warn' }, logStream: { write: (line) => void logs.push(line) } });
    t.client = await TestClient.connect(`${t.proxy.url}?inputRate=24000`);
    const ends = await twoTurns(t.client, false);
    for (const end of ends) expect((end.usage as { costUsd: unknown }).costUsd).toBeNull();
    const metrics = await scrapeTokens(t.proxy.httpUrl);
    expect(metrics.costUsd).toBe(0);
    expect(metrics.unpriced).toBeGreaterThanOrEqual(1);
    expect(metrics.tokens.input.audio).toBeGreaterThan(0);
    const warnings = logs.filter((l) => l.includes('no price for this usage'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('my-own-realtime-model');
  });
});

async function waitForLog(logs: string[], msg: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const line = logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === msg);
    if (line !== undefined) return line;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no "${msg}" log line within ${timeoutMs} ms`);
}
