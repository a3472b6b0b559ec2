import { describe, expect, it } from 'vitest';
import { startProxy } from '../helpers/proxy.js';
import { TestClient } from '../helpers/ws-client.js';
import { bestCorrelation } from '../helpers/signals.js';
import { eventSequence, responseAudio, streamSamples, utterance } from '../helpers/voice.js';
import { perTest } from '../helpers/per-test.js';

const t = perTest();

describe('a voice turn through the proxy', () => {
  it.each([16000, 48000, 24000])('at %i Hz: events in order, and the echo matches the speech sent', async (rate) => {
    t.proxy = await startProxy();
    t.client = await TestClient.connect(`${t.proxy.url}?inputRate=${rate}`);
    const connected = await t.client.waitForType('AIConnected');
    expect(connected).toMatchObject({ input: { format: 'pcm16', rate }, output: { format: 'pcm16', rate } });
    expect(connected.audioPath).toBe(rate === 24000 ? 'passthrough' : 'transcode');

    const { all } = utterance(rate);
    await streamSamples(t.client, all, rate);
    const started = await t.client.waitForType('AISpeechDetected');
    const ended = await t.client.waitForType('AISpeechEnded');
    const end = await t.client.waitForType('AIResponseEnd', 10_000);

    // Transcripts of the user's speech may interleave anywhere; text and audio of the reply interleave freely.
    const sequence = eventSequence(t.client).filter((name) => name !== 'transcriptDelta' && name !== 'UserTranscript');
    const replyKinds = new Set(['audio', 'textDelta']);
    const collapsed = sequence.filter((name, i) => !(replyKinds.has(name) && replyKinds.has(sequence[i - 1] ?? '')));
    expect(collapsed.slice(0, 4)).toEqual(['AIConnected', 'AISpeechDetected', 'AISpeechEnded', 'AIResponseStart']);
    expect(replyKinds.has(collapsed[4] ?? '')).toBe(true);
    expect(collapsed[5]).toBe('AIResponseEnd');
    expect(sequence).toContain('audio');
    expect(sequence).toContain('textDelta');
    expect(end).toMatchObject({ status: 'completed' });
    expect(typeof end.finalText).toBe('string');
    expect(String(end.finalText).length).toBeGreaterThan(0);
    const textDeltas = t.client.json.filter((m) => m.type === 'textDelta').map((m) => String(m.text));
    expect(textDeltas.join('')).toBe(end.finalText);

    // The emulator echoes the committed utterance: [audioStartMs, audioEndMs) of what we sent.
    const startMs = Number(started.audioStartMs);
    const endMs = Number(ended.audioEndMs);
    const echoed = responseAudio(t.client, String(end.responseId));
    const expectedSamples = Math.round(((endMs - startMs) * rate) / 1000);
    expect(Math.abs(echoed.length - expectedSamples) / expectedSamples).toBeLessThan(0.05);

    const offset = Math.round((startMs * rate) / 1000);
    const sentSegment = all.subarray(offset, offset + echoed.length);
    const { correlation } = bestCorrelation(sentSegment, echoed, Math.round(rate * 0.006));
    expect(correlation).toBeGreaterThanOrEqual(0.9);
  });

  it('holds audio sent before AIConnected and forwards all of it in order', async () => {
    // A slow upstream: every event is delayed, so the client's audio arrives long before the session is ready.
    t.proxy = await startProxy({ emulator: { eventLatencyMs: 150 } });
    t.client = await TestClient.connect(`${t.proxy.url}?inputRate=24000`);
    const { all } = utterance(24000, 600, 900);
    await streamSamples(t.client, all, 24000, 20, 0);
    expect(t.client.json.find((m) => m.name === 'AIConnected')).toBeUndefined();
    await t.client.waitForType('AIConnected', 5000);
    const emulatorSession = t.proxy.emulator.sessions[0];
    await t.client.waitUntil(() => emulatorSession !== undefined && emulatorSession.appendedBytes === all.length * 2, 5000);
    await t.client.waitForType('AIResponseEnd', 10_000);
  });

  it('resamples pre-open audio at 16 kHz: the upstream gets 1.5× the bytes, less the filter delay', async () => {
    t.proxy = await startProxy({ emulator: { eventLatencyMs: 100 } });
    t.client = await TestClient.connect(`${t.proxy.url}?inputRate=16000`);
    const { all } = utterance(16000, 400, 300);
    await streamSamples(t.client, all, 16000, 20, 0);
    await t.client.waitForType('AIConnected', 5000);
    const expectedBytes = all.length * 2 * 1.5;
    const session = t.proxy.emulator.sessions[0];
    // The resampler holds back at most its filter delay (≤ 3 ms = 144 bytes at 24 kHz) until more audio comes.
    await t.client.waitUntil(() => session !== undefined && session.appendedBytes >= expectedBytes - 144, 5000);
    expect(session?.appendedBytes).toBeLessThanOrEqual(expectedBytes);
  });

  it('reports overflow of the pre-open buffer once, drops the excess, and keeps the session', async () => {
    t.proxy = await startProxy({ env: { PREOPEN_BUFFER_MS: '100' }, emulator: { eventLatencyMs: 200 } });
    t.client = await TestClient.connect(`${t.proxy.url}?inputRate=24000`);
    const { all } = utterance(24000, 300, 0);
    await streamSamples(t.client, all, 24000, 20, 0);
    const overflow = await t.client.waitFor((m) => m.type === 'error' && m.code === 'audio_buffer_overflow');
    expect(overflow.fatal).toBe(false);
    await t.client.waitForType('AIConnected', 5000);
    const session = t.proxy.emulator.sessions[0];
    await t.client.waitUntil(() => session !== undefined && session.appendedBytes === 100 * 48, 5000);
    expect(t.client.json.filter((m) => m.code === 'audio_buffer_overflow')).toHaveLength(1);
    t.client.sendJson({ type: 'ping', id: 7 });
    await t.client.waitFor((m) => m.type === 'pong' && m.id === 7);
  });
});
