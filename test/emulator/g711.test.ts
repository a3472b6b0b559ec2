import { describe, expect, it } from 'vitest';
import { INSTANT } from '../../src/emulator/index.js';
import { alawEncode, ulawEncode } from '../../src/audio/g711.js';
import type { TestClient } from '../helpers/ws-client.js';
import { bestCorrelation, bufferToSamples, concatSamples, silenceSamples, toneSamples } from '../helpers/signals.js';
import { appendAudio, ofType, open, replyAudio, startEmulator, utterance } from './harness.js';

/** 8 kHz PCM: `leadMs` silence, a −20 dBFS tone of `toneMs`, `tailMs` silence. */
function pcm8k(leadMs: number, toneMs: number, tailMs: number): Int16Array {
  return concatSamples(silenceSamples(8000, leadMs), toneSamples({ rate: 8000, ms: toneMs, hz: 440, dbfs: -20 }), silenceSamples(8000, tailMs));
}

async function configure(client: TestClient, input: object, output: object): Promise<void> {
  client.sendJson({ type: 'session.update', session: { type: 'realtime', audio: { input: { format: input }, output: { format: output } } } });
  await client.waitForType('session.updated');
}

describe('G.711 sessions', () => {
  it('μ-law in and out: VAD times in ms of 8 kHz audio, and the echo is the committed bytes', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT, audioPace: Infinity });
    const client = await open(emulator);
    await configure(client, { type: 'audio/pcmu' }, { type: 'audio/pcmu' });
    const audio = Buffer.from(ulawEncode(pcm8k(600, 1000, 700)));
    appendAudio(client, audio, 20, 8);
    await client.waitForType('response.done', 5000);
    const startMs = Number(ofType(client, 'input_audio_buffer.speech_started')[0]!.audio_start_ms);
    const endMs = Number(ofType(client, 'input_audio_buffer.speech_stopped')[0]!.audio_end_ms);
    expect(Math.abs(startMs - 300)).toBeLessThanOrEqual(10);
    expect(Math.abs(endMs - 2100)).toBeLessThanOrEqual(10);
    expect(replyAudio(client).equals(audio.subarray(startMs * 8, endMs * 8))).toBe(true);
    expect(ofType(client, 'response.created')[0]).toMatchObject({ response: { audio: { output: { format: { type: 'audio/pcmu' } } } } });
    // 40 ms of G.711 per delta.
    expect(Buffer.from(String(ofType(client, 'response.output_audio.delta')[0]!.delta), 'base64').length).toBe(320);
  });

  it('μ-law in, PCM 24 kHz out: the echo is converted and resampled', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT, audioPace: Infinity });
    const client = await open(emulator);
    await configure(client, { type: 'audio/pcmu' }, { type: 'audio/pcm', rate: 24000 });
    const audio = Buffer.from(ulawEncode(pcm8k(600, 1000, 700)));
    appendAudio(client, audio, 20, 8);
    await client.waitForType('response.done', 5000);
    const startMs = Number(ofType(client, 'input_audio_buffer.speech_started')[0]!.audio_start_ms);
    const endMs = Number(ofType(client, 'input_audio_buffer.speech_stopped')[0]!.audio_end_ms);
    const reply = replyAudio(client);
    expect(Math.abs(reply.length - (endMs - startMs) * 48)).toBeLessThanOrEqual(48 * 5);
    // The tone survives the conversion: compare with the same utterance generated at 24 kHz.
    const expected = bufferToSamples(utterance(600 - startMs, 1000, endMs - 1600));
    const { correlation } = bestCorrelation(expected.subarray(0, 24000), bufferToSamples(reply).subarray(0, 24000), 120);
    expect(correlation).toBeGreaterThan(0.9);
  });

  it('PCM in, A-law out', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT, audioPace: Infinity });
    const client = await open(emulator);
    await configure(client, { type: 'audio/pcm', rate: 24000 }, { type: 'audio/pcma' });
    appendAudio(client, utterance(400, 1000, 700));
    await client.waitForType('response.done', 5000);
    const startMs = Number(ofType(client, 'input_audio_buffer.speech_started')[0]!.audio_start_ms);
    const endMs = Number(ofType(client, 'input_audio_buffer.speech_stopped')[0]!.audio_end_ms);
    const reply = replyAudio(client);
    expect(Math.abs(reply.length - (endMs - startMs) * 8)).toBeLessThanOrEqual(8 * 5);
    // Silence encodes to the A-law code for zero; the tone does not.
    const silentCode = alawEncode(new Int16Array(1))[0];
    expect(reply[0]).toBe(silentCode);
    expect(reply.subarray(500 * 8, 600 * 8).some((byte) => byte !== silentCode)).toBe(true);
  });
});
