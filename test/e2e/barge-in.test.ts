import { describe, expect, it } from 'vitest';
import { startProxy } from '../helpers/proxy.js';
import { TestClient } from '../helpers/ws-client.js';
import { streamSamples, utterance } from '../helpers/voice.js';
import { perTest } from '../helpers/per-test.js';

const t = perTest();

const RATE = 16000;

/** Starts a voice turn and resolves once the first audio of the reply has arrived. */
async function replyPlaying(audioPace: number): Promise<{ c: TestClient; responseId: string }> {
  t.proxy = await startProxy({ emulator: { audioPace } });
  const c = await TestClient.connect(`${t.proxy.url}?inputRate=${RATE}`);
  t.client = c;
  await c.waitForType('AIConnected');
  await streamSamples(c, utterance(RATE, 1500, 700).all, RATE);
  const start = await c.waitForType('AIResponseStart', 10_000);
  await c.waitUntil(() => c.binaryFrames.length > 0);
  return { c, responseId: String(start.responseId) };
}

function upstreamEvents(type: string): Array<Record<string, unknown>> {
  return (t.proxy?.emulator.sessions[0]?.events ?? []).filter((e) => e.type === type);
}

/** Binary frames after the AIInterrupted event and before any later AIResponseStart. */
function audioAfterInterruption(c: TestClient): number {
  const at = c.messages.findIndex((m) => m.json?.name === 'AIInterrupted');
  const next = c.messages.findIndex((m, i) => i > at && m.json?.name === 'AIResponseStart');
  return c.messages.slice(at, next < 0 ? undefined : next).filter((m) => m.binary).length;
}

/** ms of reply audio (24 kHz upstream) the proxy delivered before the interruption, from the bytes the client got. */
function deliveredMs(c: TestClient): number {
  const at = c.messages.findIndex((m) => m.json?.name === 'AIInterrupted');
  const bytes = c.messages.slice(0, at).filter((m) => m.binary).reduce((n, m) => n + m.data.length, 0);
  return bytes / 2 / (RATE / 1000);
}

describe('barge-in', () => {
  it('speech over a reply still streaming: AIInterrupted, no more audio, cancelled upstream, truncate within what was delivered', async () => {
    const { c, responseId } = await replyPlaying(1);
    await streamSamples(c, utterance(RATE, 800, 700, 2).all, RATE, 20, 20);
    const interrupted = await c.waitForType('AIInterrupted', 10_000);
    expect(interrupted.responseId).toBe(responseId);
    const end = await c.waitFor((m) => m.name === 'AIResponseEnd' && m.responseId === responseId, 10_000);
    expect(end.status).toBe('cancelled');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(audioAfterInterruption(c)).toBe(0);

    const truncate = await c.waitUntil(() => upstreamEvents('conversation.item.truncate')[0]);
    expect(Number(truncate.audio_end_ms)).toBe(interrupted.playedMs);
    expect(Number(truncate.audio_end_ms)).toBeGreaterThan(0);
    // Clamped to delivered audio (client-side bytes at 16 kHz; the resampler may still hold ≤ 3 ms).
    expect(Number(truncate.audio_end_ms)).toBeLessThanOrEqual(deliveredMs(c) + 3);
    expect(c.json.filter((m) => m.type === 'error')).toEqual([]);
  });

  it('speech after the upstream finished but while the client is still playing still interrupts', async () => {
    // 50× real time: the whole reply is delivered long before the user could have heard it.
    const { c, responseId } = await replyPlaying(50);
    await c.waitFor((m) => m.name === 'AIResponseEnd' && m.responseId === responseId, 10_000);
    await streamSamples(c, utterance(RATE, 800, 700, 3).all, RATE, 20, 0);
    const interrupted = await c.waitForType('AIInterrupted', 10_000);
    expect(interrupted.responseId).toBe(responseId);
    const truncate = await c.waitUntil(() => upstreamEvents('conversation.item.truncate')[0]);
    // Heard by wall clock since the first byte: far less than the 1.5 s delivered.
    expect(Number(truncate.audio_end_ms)).toBeLessThan(deliveredMs(c));
    expect(c.json.filter((m) => m.type === 'error')).toEqual([]);
  });

  it('cancel with playedMs: response.cancel, then truncate exactly there', async () => {
    const { c, responseId } = await replyPlaying(1);
    c.sendJson({ type: 'cancel', playedMs: 40 });
    const interrupted = await c.waitForType('AIInterrupted');
    expect(interrupted).toMatchObject({ responseId, playedMs: 40 });
    await c.waitFor((m) => m.name === 'AIResponseEnd' && m.status === 'cancelled', 10_000);
    await c.waitUntil(() => upstreamEvents('conversation.item.truncate')[0]);
    expect(upstreamEvents('response.cancel')).toHaveLength(1);
    expect(upstreamEvents('conversation.item.truncate')[0]).toMatchObject({ audio_end_ms: 40, content_index: 0 });
    expect(audioAfterInterruption(c)).toBe(0);
  });

  it('cancel with a playedMs beyond the delivered audio is clamped (the upstream would refuse it)', async () => {
    const { c } = await replyPlaying(1);
    c.sendJson({ type: 'cancel', playedMs: 600_000 });
    const interrupted = await c.waitForType('AIInterrupted');
    const truncate = await c.waitUntil(() => upstreamEvents('conversation.item.truncate')[0]);
    expect(truncate.audio_end_ms).toBe(interrupted.playedMs);
    expect(Number(truncate.audio_end_ms)).toBeLessThanOrEqual(deliveredMs(c) + 3);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(c.json.filter((m) => m.type === 'error')).toEqual([]);
  });

  it('cancel when nothing was heard deletes the assistant item instead', async () => {
    const { c } = await replyPlaying(1);
    c.sendJson({ type: 'cancel', playedMs: 0 });
    await c.waitForType('AIInterrupted');
    const deleted = await c.waitUntil(() => upstreamEvents('conversation.item.delete')[0]);
    expect(typeof deleted.item_id).toBe('string');
    expect(upstreamEvents('conversation.item.truncate')).toHaveLength(0);
  });

  it('a playback report makes the truncation exact', async () => {
    const { c, responseId } = await replyPlaying(1);
    c.sendJson({ type: 'playback', responseId, playedMs: 30 });
    c.sendJson({ type: 'cancel' });
    const interrupted = await c.waitForType('AIInterrupted');
    expect(interrupted.playedMs).toBe(30);
    await c.waitUntil(() => upstreamEvents('conversation.item.truncate')[0]);
    expect(upstreamEvents('conversation.item.truncate')[0]).toMatchObject({ audio_end_ms: 30 });
  });

  it('cancel with nothing playing does nothing', async () => {
    t.proxy = await startProxy();
    t.client = await TestClient.connect(t.proxy.url);
    await t.client.waitForType('AIConnected');
    t.client.sendJson({ type: 'cancel' });
    t.client.sendJson({ type: 'ping', id: 1 });
    await t.client.waitForType('pong');
    expect(t.client.json.some((m) => m.name === 'AIInterrupted' || m.type === 'error')).toBe(false);
    expect(upstreamEvents('response.cancel')).toHaveLength(0);
  });
});
