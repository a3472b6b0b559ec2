/**
 * Phone calls through `/twilio`, over real sockets, with a caller that speaks Twilio Media Streams as Twilio documents
 * it (src/client/twilio-caller.ts, shapes from https://www.twilio.com/docs/voice/media-streams/websocket-messages):
 * a voice turn with bit-exact μ-law both ways, barge-in (`clear`, truncation from the acknowledged marks), DTMF,
 * `stop`, and the goodbye after MAX_SESSION_SECONDS.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ulawEncode } from '../../src/audio/g711.js';
import { TwilioCaller } from '../../src/client/twilio-caller.js';
import { INSTANT } from '../../src/emulator/index.js';
import { scrapeMetrics, sampleValue } from '../helpers/metrics-text.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';
import { utterance } from '../helpers/voice.js';

const AUTH_TOKEN = 'twilio-test-auth-token';

let proxy: TestProxy | undefined;
let caller: TwilioCaller | undefined;

afterEach(async () => {
  caller?.close();
  caller = undefined;
  await proxy?.close();
  proxy = undefined;
});

/** A proxy taking signed Twilio streams, and a caller connected to it (signed as Twilio signs `wss://<host>/twilio`). */
async function call(options: { env?: Record<string, string>; audioPace?: number; playbackSpeed?: number } = {}): Promise<TwilioCaller> {
  proxy = await startProxy({ env: { TWILIO_AUTH_TOKEN: AUTH_TOKEN, ...options.env }, emulator: { behaviour: INSTANT, audioPace: options.audioPace ?? 20 } });
  const url = `${proxy.url}twilio`;
  caller = await TwilioCaller.connect(url, { authToken: AUTH_TOKEN, signedUrl: url.replace(/^ws:/, 'wss:'), playbackSpeed: options.playbackSpeed ?? 1 });
  caller.start();
  return caller;
}

function upstreamEvents(type: string): Array<Record<string, unknown>> {
  return (proxy?.emulator.sessions[0]?.events ?? []).filter((e) => e.type === type);
}

function appendedUpstream(): Buffer {
  return Buffer.concat(upstreamEvents('input_audio_buffer.append').map((e) => Buffer.from(String(e.audio), 'base64')));
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** The response id and byte position a mark of the proxy's names (`<responseId>:<bytes>`). */
function markPosition(name: string): { responseId: string; bytes: number } {
  const at = name.lastIndexOf(':');
  return { responseId: name.slice(0, at), bytes: Number(name.slice(at + 1)) };
}

async function metric(name: string, labels: Record<string, string>): Promise<number | undefined> {
  return sampleValue((await scrapeMetrics(proxy?.httpUrl ?? '')).samples, name, labels);
}

/** Polls an asynchronous condition (a metric read over HTTP) until it holds. */
async function eventually(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await condition()); ) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('Twilio Media Streams: a call', () => {
  it('a voice turn: μ-law passes through bit-exact both ways, every reply frame followed by a mark', async () => {
    const c = await call({ playbackSpeed: 50 });
    const sent = Buffer.from(ulawEncode(utterance(8000).all));
    await c.stream(sent, 2);
    await c.waitUntil(() => upstreamEvents('session.update')[0]);
    expect(upstreamEvents('session.update')[0]).toMatchObject({
      session: { audio: { input: { format: { type: 'audio/pcmu' } }, output: { format: { type: 'audio/pcmu' } } } },
    });
    // Upstream: exactly the caller's bytes, no transcoding (hashes of what the emulator got and what the caller sent).
    await c.waitUntil(() => appendedUpstream().length === sent.length);
    expect(sha256(appendedUpstream())).toBe(sha256(sent));

    // Back: the emulator echoes the caller's speech (μ-law, as the session asked); the caller gets exactly those bytes.
    await eventually(async () => (await metric('audio_proxy_responses_total', { status: 'completed' })) === 1);
    const replied = c.receivedAudio();
    expect(replied.length).toBeGreaterThan(8000);
    const at = sent.indexOf(replied);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(sha256(sent.subarray(at, at + replied.length))).toBe(sha256(replied));

    const media = c.received.filter((m) => m.event === 'media');
    expect(media.every((m) => m.streamSid === c.streamSid)).toBe(true);
    const marks = c.received.filter((m) => m.event === 'mark');
    // One mark before the first frame (position 0) and one after each frame.
    expect(marks).toHaveLength(media.length + 1);
    expect(markPosition(marks.at(-1)?.mark?.name ?? '').bytes).toBe(replied.length);
    expect(await metric('audio_proxy_sessions_opened_total', { protocol: 'twilio' })).toBe(1);
  });

  it('barge-in: clear at once, nothing more of that reply, truncated where the acknowledged marks say the caller was', async () => {
    // The reply streams in real time and plays in real time, as on a phone.
    const c = await call({ audioPace: 1 });
    await c.stream(Buffer.from(ulawEncode(utterance(8000, 1500, 700).all)), 2);
    const first = await c.waitUntil(() => c.received.find((m) => m.event === 'mark'));
    const { responseId } = markPosition(first.mark?.name ?? '');
    await c.waitUntil(() => c.playedBytes >= 8 * 300);

    // The caller talks over the reply, in real time.
    void c.stream(Buffer.from(ulawEncode(utterance(8000, 800, 700, 2).all)), 20);
    const clearAt = await c.waitUntil(() => {
      const index = c.received.findIndex((m) => m.event === 'clear');
      return index >= 0 ? index : undefined;
    });
    expect(c.received[clearAt]?.streamSid).toBe(c.streamSid);
    // Nothing of the interrupted reply after the clear: no mark of it (every media frame is followed by one).
    const after = c.received.slice(clearAt + 1);
    expect(after.filter((m) => m.event === 'mark' && markPosition(m.mark?.name ?? '').responseId === responseId)).toEqual([]);

    const truncate = await c.waitUntil(() => upstreamEvents('conversation.item.truncate')[0]);
    // Exactly a position the caller acknowledged as played (not a clock estimate, not what was sent).
    const played = c.echoedMarks.filter((m) => !m.cleared && markPosition(m.name).responseId === responseId);
    const playedMs = played.map((m) => Math.floor(markPosition(m.name).bytes / 8));
    expect(playedMs).toContain(truncate.audio_end_ms);
    expect(Number(truncate.audio_end_ms)).toBeGreaterThanOrEqual(300 - 200);
    // The marks Twilio returns for the cleared audio are not taken as played.
    expect(Number(truncate.audio_end_ms)).toBeLessThanOrEqual(Math.max(...playedMs));
    // The next media is the answer to what the caller said over the reply: a new response's.
    const next = await c.waitUntil(() => c.received.slice(clearAt).find((m) => m.event === 'mark'));
    expect(markPosition(next.mark?.name ?? '').responseId).not.toBe(responseId);
  });

  it('the upstream session drops mid-call: the stream stays up and the next turn is answered on a new one', async () => {
    const c = await call({ playbackSpeed: 50 });
    await c.stream(Buffer.from(ulawEncode(utterance(8000).all)), 2);
    await eventually(async () => (await metric('audio_proxy_responses_total', { status: 'completed' })) === 1);
    proxy?.emulator.sessions[0]?.drop(1006);
    await c.waitUntil(() => proxy?.emulator.sessions[1]?.events.some((e) => e.type === 'session.update'));
    const before = c.received.length;
    await c.stream(Buffer.from(ulawEncode(utterance(8000, 1200, 900, 3).all)), 2);
    await eventually(async () => (await metric('audio_proxy_responses_total', { status: 'completed' })) === 2);
    expect(c.receivedAudio(before).length).toBeGreaterThan(8000);
    expect(c.socket.readyState).toBe(c.socket.OPEN);
    // Twilio heard nothing of the renewal: only the messages it knows.
    expect(new Set(c.received.map((m) => m.event))).toEqual(new Set(['media', 'mark']));
  });

  it('SAVE_AUDIO=both: the call is recorded as the μ-law that passed, both ways', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'twilio-rec-'));
    try {
      const c = await call({ env: { SAVE_AUDIO: 'both', AUDIO_OUTPUT_DIR: dir }, playbackSpeed: 50 });
      const sent = Buffer.from(ulawEncode(utterance(8000).all));
      await c.stream(sent, 2);
      await eventually(async () => (await metric('audio_proxy_responses_total', { status: 'completed' })) === 1);
      await c.hangUp();
      await proxy?.close();
      proxy = undefined;
      const files = await readdir(dir);
      const input = files.find((name) => name.includes('_input_') && name.endsWith('_8000hz_mulaw_mono.raw'));
      const reply = files.find((name) => name.includes('_resp_') && name.endsWith('_8000hz_mulaw_mono.raw'));
      expect(sha256(await readFile(join(dir, input ?? 'missing')))).toBe(sha256(sent));
      expect(sha256(await readFile(join(dir, reply ?? 'missing')))).toBe(sha256(c.receivedAudio()));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('DTMF: a key press reaches the model as a typed turn, and is answered', async () => {
    const c = await call();
    await c.waitUntil(() => upstreamEvents('session.update')[0]);
    c.sendDtmf('7');
    const item = await c.waitUntil(() => upstreamEvents('conversation.item.create')[0]);
    expect(item).toMatchObject({ item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'The caller pressed 7 on the phone keypad.' }] } });
    await c.waitUntil(() => upstreamEvents('response.create')[0]);
    await c.waitUntil(() => c.received.some((m) => m.event === 'media'));
  });

  it('TWILIO_DTMF=ignore: key presses change nothing', async () => {
    const c = await call({ env: { TWILIO_DTMF: 'ignore' } });
    await c.waitUntil(() => upstreamEvents('session.update')[0]);
    c.sendDtmf('1');
    c.sendMedia(Buffer.alloc(160, 0xff));
    await c.waitUntil(() => upstreamEvents('input_audio_buffer.append')[0]);
    expect(upstreamEvents('conversation.item.create')).toEqual([]);
  });

  it('stop: the session ends cleanly (1000, outcome normal), nothing left open', async () => {
    const c = await call();
    await c.waitUntil(() => upstreamEvents('session.update')[0]);
    await c.hangUp();
    await c.waitUntil(() => proxy?.server.activeSessions === 0);
    expect(await metric('audio_proxy_sessions_total', { outcome: 'normal' })).toBe(1);
    expect(proxy?.emulator.sessions[0]?.closed).toBe(true);
  });

  it('MAX_SESSION_SECONDS: the stream is closed (1001) so Twilio goes on to the goodbye', async () => {
    const c = await call({ env: { MAX_SESSION_SECONDS: '1' } });
    const closed = await c.closed;
    expect(closed).toEqual({ code: 1001, reason: 'session_expired' });
    expect(await metric('audio_proxy_sessions_total', { outcome: 'expired' })).toBe(1);
  });
});
