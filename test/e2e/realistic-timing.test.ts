/**
 * Barge-in and turns with the timing the real service has and the emulator used to hide: a cancel that lands later
 * (the item is still being generated meanwhile), an assistant transcript that trails its audio, a user
 * transcription that arrives after the response, a model that thinks before it answers.
 */
import { describe, expect, it } from 'vitest';
import type { SessionBehaviour } from '../../src/emulator/index.js';
import { startProxy } from '../helpers/proxy.js';
import { streamSamples, utterance } from '../helpers/voice.js';
import { perTest } from '../helpers/per-test.js';
import { TestClient } from '../helpers/ws-client.js';

const t = perTest();

const RATE = 16000;

async function connected(behaviour: Partial<SessionBehaviour>, audioPace = 1): Promise<TestClient> {
  t.proxy = await startProxy({ emulator: { audioPace, behaviour } });
  const c = await TestClient.connect(`${t.proxy.url}?inputRate=${RATE}`);
  t.client = c;
  await c.waitForType('AIConnected');
  return c;
}

function upstreamEvents(type: string): Array<Record<string, unknown>> {
  return (t.proxy?.emulator.sessions[0]?.events ?? []).filter((e) => e.type === type);
}

/** Index of the first message matching, or -1. */
function indexOf(c: TestClient, match: (m: Record<string, unknown>) => boolean): number {
  return c.messages.findIndex((m) => m.json !== undefined && match(m.json));
}

describe('an asynchronous cancel', () => {
  it('speech over a reply: the item is repaired once the cancel has landed, never while the upstream still generates it', async () => {
    const c = await connected({ cancelLatencyMs: 300, transcriptLagMs: 0 });
    await streamSamples(c, utterance(RATE, 1500, 700).all, RATE);
    const start = await c.waitForType('AIResponseStart', 10_000);
    await c.waitUntil(() => c.binaryFrames.length > 3);
    // Faster than real time, so the user is heard while the reply (at real-time pace) still streams.
    await streamSamples(c, utterance(RATE, 600, 600, 2).all, RATE, 20, 4);
    const interrupted = await c.waitForType('AIInterrupted', 10_000);
    await c.waitFor((m) => m.name === 'AIResponseEnd' && m.responseId === start.responseId, 10_000);
    const truncate = await c.waitUntil(() => upstreamEvents('conversation.item.truncate')[0]);
    expect(truncate.audio_end_ms).toBe(interrupted.playedMs);
    expect(t.proxy?.emulator.sessions[0]?.refusals).toEqual([]);
  });

  it('a client cancel before any audio was heard deletes the item after the cancel lands', async () => {
    const c = await connected({ modelLatencyMs: 0, cancelLatencyMs: 250 });
    c.sendJson({ type: 'text', text: 'one two three four five six seven eight nine ten' });
    await c.waitUntil(() => c.binaryFrames.length > 0);
    c.sendJson({ type: 'cancel', playedMs: 0 });
    await c.waitForType('AIInterrupted');
    await c.waitFor((m) => m.name === 'AIResponseEnd');
    await c.waitUntil(() => upstreamEvents('conversation.item.delete')[0]);
    expect(upstreamEvents('response.cancel')).toHaveLength(1);
    expect(t.proxy?.emulator.sessions[0]?.refusals).toEqual([]);
  });
});

describe('an assistant transcript that trails the audio', () => {
  it('on barge-in, finalText is exactly the text shown before AIInterrupted, and no text of that response follows', async () => {
    const c = await connected({ transcriptLagMs: 600 });
    await streamSamples(c, utterance(RATE, 1800, 700).all, RATE);
    const start = await c.waitForType('AIResponseStart', 10_000);
    await c.waitUntil(() => c.binaryFrames.length > 8);
    c.sendJson({ type: 'cancel' });
    const interrupted = await c.waitForType('AIInterrupted');
    const end = await c.waitFor((m) => m.name === 'AIResponseEnd' && m.responseId === start.responseId, 10_000);
    const cut = indexOf(c, (m) => m.name === 'AIInterrupted');
    const shown = c.messages.slice(0, cut).flatMap((m) => (m.json?.type === 'textDelta' ? [String(m.json.text)] : []));
    expect(end).toMatchObject({ status: 'cancelled', finalText: shown.join('') });
    expect(c.messages.slice(cut).some((m) => m.json?.type === 'textDelta' && m.json.responseId === start.responseId)).toBe(false);
    // The lag shows: more audio was heard than the text covers ("I heard 1.8 seconds of audio." over ~1.8 s).
    expect(Number(interrupted.playedMs)).toBeGreaterThan(0);
    expect('I heard 1.8 seconds of audio.'.startsWith(String(end.finalText))).toBe(true);
  });
});

describe('a user transcription after the response', () => {
  it('still reaches the client, after AIResponseEnd', async () => {
    const c = await connected({ transcriptionTiming: 'after_response' }, 20);
    await streamSamples(c, utterance(RATE).all, RATE);
    const transcript = await c.waitForType('UserTranscript', 10_000);
    expect(String(transcript.text)).toMatch(/^\(\d\.\d\d seconds of speech\)$/);
    expect(indexOf(c, (m) => m.name === 'UserTranscript')).toBeGreaterThan(indexOf(c, (m) => m.name === 'AIResponseEnd'));
  });
});

describe('a model that thinks before it answers', () => {
  it('a text sent between the end of a spoken turn and its response.created waits for that response instead of being refused', async () => {
    const c = await connected({ modelLatencyMs: 400 }, 20);
    await streamSamples(c, utterance(RATE).all, RATE);
    await c.waitForType('AISpeechEnded', 10_000);
    c.sendJson({ type: 'text', text: 'and another thing' });
    await c.waitUntil(() => c.json.filter((m) => m.name === 'AIResponseEnd').length === 2, 10_000);
    expect(c.json.filter((m) => m.type === 'error')).toEqual([]);
    expect(upstreamEvents('response.create')).toHaveLength(1);
  });
});
