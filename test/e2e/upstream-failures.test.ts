/**
 * The failures the real service reports in ways the handshake never shows: responses that fail or stop short
 * (`response.done` with `status_details`), a key refused after the upgrade (close 3000), refusals whose errors carry
 * no event_id, transcription failures. Each as the client sees it, with the emulator in the matching mode.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ResponseFault } from '../../src/emulator/index.js';
import { parseMetricsText } from '../helpers/metrics-text.js';
import { startProxy } from '../helpers/proxy.js';
import { streamSamples, utterance } from '../helpers/voice.js';
import { perTest } from '../helpers/per-test.js';
import { TestClient } from '../helpers/ws-client.js';

const t = perTest();
let logs: string[] = [];

afterEach(() => {
  logs = [];
});

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const samples = parseMetricsText(await (await fetch(`${t.proxy?.httpUrl}/metrics`)).text());
  const found = samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return found?.value ?? 0;
}

/** A proxy whose first response meets `fault`, logging at warn into `logs`; the client connected and ready. */
async function connectWithFault(fault: ResponseFault): Promise<TestClient> {
  t.proxy = await startProxy({
    env: { LOG_LEVEL: 'warn' },
    emulator: { behaviour: { modelLatencyMs: 50, responseFaults: [fault] } },
    logStream: { write: (line) => void logs.push(line) },
  });
  const c = await TestClient.connect(t.proxy.url);
  t.client = c;
  await c.waitForType('AIConnected');
  return c;
}

describe('a response the upstream fails or cuts short', () => {
  it('rate limited: AIResponseEnd failed with its reason, upstream_rate_limited (not fatal), the details in the log; the next turn works', async () => {
    const c = await connectWithFault({ status: 'failed', error: 'rate_limit' });
    c.sendJson({ type: 'text', text: 'hello' });
    const end = await c.waitForType('AIResponseEnd');
    expect(end).toMatchObject({ status: 'failed', reason: 'rate_limited', finalText: '' });
    const error = await c.waitFor((m) => m.type === 'error');
    expect(error).toEqual({
      type: 'error',
      code: 'upstream_rate_limited',
      message: 'The AI service is rate limiting this server; the response failed. Try again in a moment.',
      fatal: false,
      upstreamCode: 'inference_rate_limit_exceeded',
    });
    // The upstream's own words name the organisation: the log has them, the client does not.
    expect(c.messages.map((m) => m.data.toString('utf8')).join('')).not.toContain('org-emulator');
    const line = logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'response did not complete');
    expect(line).toMatchObject({
      status: 'failed',
      reason: 'rate_limited',
      upstream: { type: 'invalid_request_error', code: 'inference_rate_limit_exceeded', message: expect.stringContaining('org-emulator') as unknown },
    });

    c.sendJson({ type: 'text', text: 'again' });
    await c.waitFor((m) => m.name === 'AIResponseEnd' && m.status === 'completed');
    expect(await metric('audio_proxy_responses_total', { status: 'failed' })).toBe(1);
    expect(await metric('audio_proxy_errors_total', { code: 'upstream_rate_limited' })).toBe(1);
  });

  it.each([
    ['quota', 'quota_exceeded', 'upstream_quota', 'insufficient_quota'],
    ['server_error', 'server_error', 'upstream_failed', 'server_error'],
  ] as const)('failed (%s): reason %s, error %s', async (kind, reason, code, upstreamCode) => {
    const c = await connectWithFault({ status: 'failed', error: kind });
    c.sendJson({ type: 'text', text: 'hello' });
    expect(await c.waitForType('AIResponseEnd')).toMatchObject({ status: 'failed', reason });
    expect(await c.waitFor((m) => m.type === 'error')).toMatchObject({ code, upstreamCode, fatal: false });
  });

  it('incomplete (max_output_tokens): the audio so far, AIResponseEnd incomplete with its reason, upstream_incomplete', async () => {
    const c = await connectWithFault({ status: 'incomplete', reason: 'max_output_tokens', afterDeltas: 2 });
    c.sendJson({ type: 'text', text: 'one two three four five six seven eight' });
    const end = await c.waitForType('AIResponseEnd');
    expect(end).toMatchObject({ status: 'incomplete', reason: 'max_output_tokens' });
    expect(c.binaryFrames.length).toBeGreaterThan(0);
    expect(await c.waitFor((m) => m.type === 'error')).toMatchObject({ code: 'upstream_incomplete', upstreamCode: 'max_output_tokens', fatal: false });
    expect(await metric('audio_proxy_responses_total', { status: 'incomplete' })).toBe(1);
  });
});

describe('a key refused after the upgrade', () => {
  it('invalid_api_key then close 3000 → upstream_auth_failed (fatal, 1011), counted as such, no key fragment passed on', async () => {
    const wrongKey = 'sk-wrong-key-abcdefghijklmnop';
    t.proxy = await startProxy({ env: { OPENAI_API_KEY: wrongKey, LOG_LEVEL: 'debug' }, emulator: { refuseKeyAfterUpgrade: true }, logStream: { write: (line) => void logs.push(line) } });
    const c = await TestClient.connect(t.proxy.url);
    t.client = c;
    const error = await c.waitFor((m) => m.type === 'error');
    expect(error).toMatchObject({ code: 'upstream_auth_failed', fatal: true, upstreamCode: 'invalid_api_key' });
    expect((await c.waitForClose()).code).toBe(1011);
    expect(c.json.filter((m) => m.type === 'error')).toHaveLength(1);
    await c.waitUntil(() => t.proxy?.server.activeSessions === 0);
    expect(await metric('audio_proxy_errors_total', { code: 'upstream_auth_failed' })).toBe(1);
    expect(await metric('audio_proxy_sessions_total', { outcome: 'upstream_error' })).toBe(1);
    // The service echoes the key's ends ("sk-wro****mnop"): neither the client nor the log gets them.
    const seen = c.messages.map((m) => m.data.toString('utf8')).join('') + logs.join('');
    expect(seen).not.toContain('mnop');
    expect(seen).not.toContain(wrongKey);
  });
});

describe('a session.update refused with an error that carries no event_id', () => {
  it('ends the session at once with upstream_error, not after the connect timeout', async () => {
    t.proxy = await startProxy({
      // Not a transcription model OpenAI knows: the initial session.update is refused.
      env: { TRANSCRIPTION_MODEL: 'my-transcribe' },
      emulator: { behaviour: { errorsWithoutEventId: true } },
      allowRefusals: ['invalid_value'],
    });
    const c = await TestClient.connect(t.proxy.url);
    t.client = c;
    const error = await c.waitFor((m) => m.type === 'error', 3000);
    expect(error).toMatchObject({ code: 'upstream_error', fatal: true, upstreamCode: 'invalid_value' });
    expect(String(error.message)).toContain('The upstream refused the session');
    expect((await c.waitForClose(3000)).code).toBe(1011);
    expect(c.json.some((m) => m.name === 'AIConnected')).toBe(false);
  });
});

describe('a transcription the upstream could not make', () => {
  it('is reported (upstream_error, not fatal) and the turn is answered anyway', async () => {
    t.proxy = await startProxy({ emulator: { behaviour: { failTranscription: true } } });
    const c = await TestClient.connect(`${t.proxy.url}?inputRate=16000`);
    t.client = c;
    await c.waitForType('AIConnected');
    await streamSamples(c, utterance(16000).all, 16000);
    const error = await c.waitFor((m) => m.type === 'error', 10_000);
    expect(error).toMatchObject({ code: 'upstream_error', fatal: false, upstreamCode: 'transcription_failed' });
    expect(String(error.message)).toMatch(/^Transcription failed: Input transcription failed for item '.+'\. 429 Too Many Requests$/);
    expect(await c.waitForType('AIResponseEnd', 10_000)).toMatchObject({ status: 'completed' });
    expect(c.json.some((m) => m.name === 'UserTranscript')).toBe(false);
  });
});
