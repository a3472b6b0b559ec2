/**
 * Conversations that outlive the upstream session: planned renewals before a short upstream cap and recoveries from
 * drops, all on one client WebSocket, with voice turns in between (docs/renewal.md).
 */
import { describe, expect, it } from 'vitest';
import { createEmulator, INSTANT, type Emulator, type EmulatorSessionRecord } from '../../src/emulator/index.js';
import { startProxy, TEST_API_KEY } from '../helpers/proxy.js';
import { parseMetricsText, sampleValue, scrapeMetrics } from '../helpers/metrics-text.js';
import { perTest } from '../helpers/per-test.js';
import { readyPort, startServerProcess, TSX_ENTRY, type ServerProcess } from '../helpers/server-process.js';
import { samplesToBuffer, silenceSamples } from '../helpers/signals.js';
import { responseAudio, utterance } from '../helpers/voice.js';
import { TestClient, type JsonMessage } from '../helpers/ws-client.js';

const RATE = 24000;
/** Passthrough (PCM16 24 kHz both ways): the bytes the client sends are the bytes the upstream must get. */
const QUERY = `?inputRate=${RATE}&outputRate=${RATE}`;
const FRAME = samplesToBuffer(silenceSamples(RATE, 20));

let cluster: ServerProcess | undefined;
let emulator: Emulator | undefined;

const t = perTest(async () => {
  cluster?.kill();
  cluster = undefined;
  await emulator?.close();
  emulator = undefined;
});

/** A client that counts what it sends. */
class Caller {
  readonly sent: Buffer[] = [];
  constructor(readonly client: TestClient) {}

  send(frame: Buffer): void {
    this.sent.push(frame);
    this.client.sendBinary(frame);
  }

  /** One voice turn, answered in full. */
  async turn(seed: number): Promise<JsonMessage> {
    const from = this.client.json.length;
    const frameBytes = (RATE / 1000) * 20 * 2;
    const audio = samplesToBuffer(utterance(RATE, 600, 700, seed).all);
    for (let at = 0; at < audio.length; at += frameBytes) {
      this.send(audio.subarray(at, at + frameBytes));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const end = await this.client.waitFor((m) => m.name === 'AIResponseEnd', 10_000, from);
    // Played out in full (as a client reports it): the next turn is not a barge-in on this one.
    this.client.sendJson({ type: 'playback', responseId: end.responseId, playedMs: 60_000 });
    // Its transcript too: the turn is whole in the conversation.
    await this.client.waitFor((m) => m.name === 'UserTranscript', 5000, from);
    return end;
  }

  /** Streams silence (20 ms frames, faster than real time) until `done` says so. */
  async silenceUntil(done: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error('timed out streaming silence');
      this.send(FRAME);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  get bytes(): Buffer {
    return Buffer.concat(this.sent);
  }
}

function renewals(c: TestClient, reason?: string): JsonMessage[] {
  return c.json.filter((m) => m.name === 'SessionRenewed' && (reason === undefined || m.reason === reason));
}

/** The audio a session was appended, in order (the emulator records every client event). */
function appended(session: EmulatorSessionRecord): Buffer {
  return Buffer.concat(session.events.filter((e) => e.type === 'input_audio_buffer.append').map((e) => Buffer.from(String(e.audio), 'base64')));
}

function appendedTotal(upstream: Emulator): number {
  return upstream.sessions.reduce((sum, s) => sum + s.appendedBytes, 0);
}

/** The conversation a session holds, as [role, words] (items without words, e.g. untranscribed audio, left out). */
function words(session: EmulatorSessionRecord): Array<[string, string]> {
  return session.items().flatMap((item) => (item.text === null ? [] : [[item.role, item.text] as [string, string]]));
}

describe('one client session through renewals and drops', () => {
  it('three planned renewals and two drops: no error, no close, every byte in exactly one upstream session, history replayed in order', async () => {
    t.proxy = await startProxy({
      emulator: { maxSessionMs: 3000, behaviour: INSTANT },
      env: { UPSTREAM_MAX_SESSION_SECONDS: '3', UPSTREAM_RENEW_MARGIN_SECONDS: '2' },
    });
    const p = t.proxy;
    const client = (t.client = await TestClient.connect(p.url + QUERY));
    const caller = new Caller(client);
    await client.waitForType('AIConnected');
    const ends: JsonMessage[] = [];
    /** Silence streamed until the `count`-th renewal of `reason` (a planned one may come sooner on a slow machine). */
    const awaitRenewal = async (count: number, reason = 'max_duration'): Promise<void> =>
      caller.silenceUntil(() => renewals(caller.client, reason).length >= count);
    /** A drop on demand once everything sent so far has arrived, then audio while the proxy reconnects. */
    const drop = async (code: 1006 | 1011, count: number): Promise<void> => {
      await caller.client.waitUntil(() => appendedTotal(p.emulator) === caller.bytes.length);
      const sessions = p.emulator.sessions.length;
      p.emulator.sessions.at(-1)?.drop(code);
      // Audio sent once the proxy knows (it is connecting again) is held for the new session.
      await caller.client.waitUntil(() => p.emulator.sessions.length > sessions, 5000);
      await awaitRenewal(count, 'upstream_lost');
    };

    ends.push(await caller.turn(1));
    await awaitRenewal(1);
    ends.push(await caller.turn(2));
    await drop(1006, 1);
    ends.push(await caller.turn(3));
    await awaitRenewal(2);
    ends.push(await caller.turn(4));
    await drop(1011, 2);
    ends.push(await caller.turn(5));
    await awaitRenewal(3);
    ends.push(await caller.turn(6));
    await caller.client.waitUntil(() => appendedTotal(p.emulator) === caller.bytes.length);

    const seen = renewals(client);
    expect(renewals(client, 'upstream_lost')).toHaveLength(2);
    expect(renewals(client, 'max_duration').length).toBeGreaterThanOrEqual(3);
    expect(ends.map((m) => m.status)).toEqual(Array(6).fill('completed'));
    expect(client.json.filter((m) => m.type === 'error')).toEqual([]);
    expect(client.socket.readyState).toBe(client.socket.OPEN);

    // Every byte in exactly one upstream session, in order: the sessions' audio, one after another, is the client's.
    const sessions = p.emulator.sessions;
    expect(sessions).toHaveLength(seen.length + 1);
    expect(Buffer.concat(sessions.map(appended)).equals(caller.bytes)).toBe(true);

    // Each new session was given the conversation so far, in order, before anything else: the words of the one before.
    for (let i = 1; i < sessions.length; i += 1) {
      const before = words(sessions[i - 1]!);
      const replayed = Number(seen[i - 1]?.replayedItems);
      expect(replayed).toBe(before.length);
      expect(words(sessions[i]!).slice(0, replayed)).toEqual(before);
    }
    // Each new session is configured like the first, answering in audio, before it is given the conversation and the
    // held audio (docs/renewal.md: a session given text history may otherwise answer in text).
    for (const session of sessions.slice(1)) {
      const types = session.events.map((e) => String(e.type));
      const firstUpdate = session.events[0] as { type: string; session: { output_modalities?: string[] } };
      expect(firstUpdate.type).toBe('session.update');
      expect(firstUpdate.session.output_modalities).toEqual(['audio']);
      const lastItem = types.lastIndexOf('conversation.item.create');
      expect(types.indexOf('input_audio_buffer.append')).toBeGreaterThan(lastItem);
    }
    // And it does: the turns after the renewals were answered with audio.
    for (const end of ends) expect(responseAudio(client, String(end.responseId)).length).toBeGreaterThan(0);
    // The last one holds every turn: six user transcripts and six answers, alternating.
    const last = words(sessions.at(-1)!);
    expect(last.map(([role]) => role)).toEqual(Array(6).fill(['user', 'assistant']).flat());
    expect(last.filter(([role]) => role === 'assistant').map(([, text]) => text)).toEqual(ends.map((m) => m.finalText));

    const metrics = parseMetricsText(await (await fetch(`${p.httpUrl}/metrics`)).text());
    expect(sampleValue(metrics, 'audio_proxy_upstream_renewals_total', { reason: 'max_duration', result: 'renewed' })).toBe(seen.length - 2);
    expect(sampleValue(metrics, 'audio_proxy_upstream_renewals_total', { reason: 'upstream_lost', result: 'renewed' })).toBe(2);
    expect(sampleValue(metrics, 'audio_proxy_upstream_switch_gap_seconds_count', { reason: 'upstream_lost' })).toBe(2);
  });
});

describe('in cluster mode (WORKERS=2)', () => {
  it("a worker renews its session's upstream and recovers it from a drop; the log names both upstream sessions; one scrape counts both", async () => {
    emulator = await createEmulator({ apiKey: TEST_API_KEY, maxSessionMs: 3000, behaviour: INSTANT });
    const upstream = emulator;
    const s = (cluster = startServerProcess(TSX_ENTRY, {
      WORKERS: '2',
      UPSTREAM: 'openai',
      OPENAI_API_KEY: TEST_API_KEY,
      OPENAI_REALTIME_URL: upstream.url,
      UPSTREAM_MAX_SESSION_SECONDS: '3',
      UPSTREAM_RENEW_MARGIN_SECONDS: '2',
    }));
    const port = await readyPort(s, 30_000);
    const client = (t.client = await TestClient.connect(`ws://127.0.0.1:${port}/${QUERY}`));
    const caller = new Caller(client);
    await client.waitForType('AIConnected');
    await caller.turn(1);
    await caller.silenceUntil(() => renewals(caller.client, 'max_duration').length >= 1);
    const renewed = await s.waitForLog((l) => l.msg === 'upstream session renewed');
    expect(renewed).toMatchObject({ reason: 'max_duration', oldUpstreamSessionId: upstream.sessions[0]?.id, newUpstreamSessionId: upstream.sessions[1]?.id });
    await caller.client.waitUntil(() => appendedTotal(upstream) === caller.bytes.length);
    const opened = upstream.sessions.length;
    upstream.sessions.at(-1)?.drop(1006);
    await caller.client.waitUntil(() => upstream.sessions.length > opened);
    await caller.silenceUntil(() => renewals(caller.client, 'upstream_lost').length >= 1);
    expect(await caller.turn(2)).toMatchObject({ status: 'completed' });
    expect(client.json.filter((m) => m.type === 'error')).toEqual([]);
    const { samples } = await scrapeMetrics(`http://127.0.0.1:${port}`);
    expect(sampleValue(samples, 'audio_proxy_upstream_renewals_total', { reason: 'max_duration', result: 'renewed' })).toBe(renewals(client, 'max_duration').length);
    expect(sampleValue(samples, 'audio_proxy_upstream_renewals_total', { reason: 'upstream_lost', result: 'renewed' })).toBe(1);
  });
});
