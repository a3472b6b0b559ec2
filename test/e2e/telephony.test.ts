import { describe, expect, it } from 'vitest';
import { alawDecode, alawEncode, ulawDecode, ulawEncode } from '../../src/audio/g711.js';
import { startProxy } from '../helpers/proxy.js';
import { TestClient } from '../helpers/ws-client.js';
import { bestCorrelation, bufferToSamples, chunkBuffer } from '../helpers/signals.js';
import { utterance } from '../helpers/voice.js';
import { perTest } from '../helpers/per-test.js';
import { INSTANT } from '../../src/emulator/index.js';

const t = perTest();

const CODECS = {
  g711_ulaw: { encode: ulawEncode, decode: ulawDecode, upstream: 'audio/pcmu' },
  g711_alaw: { encode: alawEncode, decode: alawDecode, upstream: 'audio/pcma' },
} as const;

/** Sends bytes in 20 ms G.711 frames (160 bytes at 8 kHz). */
async function streamBytes(c: TestClient, bytes: Uint8Array): Promise<void> {
  for (const frame of chunkBuffer(Buffer.from(bytes), 160)) {
    c.sendBinary(frame);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function upstreamAppendedBytes(): Buffer {
  const appends = (t.proxy?.emulator.sessions[0]?.events ?? []).filter((e) => e.type === 'input_audio_buffer.append');
  return Buffer.concat(appends.map((e) => Buffer.from(String(e.audio), 'base64')));
}

/** The echo (response audio) received, and the part of the sent signal it should match. */
async function voiceTurn(c: TestClient, sentPcm: Int16Array, sentRate: number) {
  const started = await c.waitForType('AISpeechDetected', 10_000);
  const end = await c.waitForType('AIResponseEnd', 10_000);
  expect(end.status).toBe('completed');
  const startAt = c.messages.findIndex((m) => m.json?.name === 'AIResponseStart');
  const audio = Buffer.concat(c.messages.slice(startAt).filter((m) => m.binary).map((m) => m.data));
  const offset = Math.round((Number(started.audioStartMs) * sentRate) / 1000);
  return { audio, reference: sentPcm.subarray(offset) };
}

describe('telephony: G.711 clients', () => {
  it.each(['g711_ulaw', 'g711_alaw'] as const)('%s pass-through: upstream gets the exact bytes, the echo matches', async (format) => {
    const codec = CODECS[format];
    t.proxy = await startProxy({ emulator: { behaviour: INSTANT } });
    t.client = await TestClient.connect(`${t.proxy.url}?inputFormat=${format}`);
    const connected = await t.client.waitForType('AIConnected');
    expect(connected).toMatchObject({ input: { format, rate: 8000 }, output: { format, rate: 8000 }, audioPath: 'passthrough' });
    const update = t.proxy.emulator.sessions[0]?.events.find((e) => e.type === 'session.update');
    expect(update).toMatchObject({ session: { audio: { input: { format: { type: codec.upstream } }, output: { format: { type: codec.upstream } } } } });

    const { all } = utterance(8000);
    const sentBytes = codec.encode(all);
    await streamBytes(t.client, sentBytes);
    const { audio, reference } = await voiceTurn(t.client, all, 8000);
    // Pass-through: not one byte changed on the way up.
    await t.client.waitUntil(() => upstreamAppendedBytes().length === sentBytes.length);
    expect(upstreamAppendedBytes().equals(Buffer.from(sentBytes))).toBe(true);
    // The echo comes back as G.711 of the same law: decode and compare.
    const echoed = codec.decode(audio);
    const { correlation } = bestCorrelation(reference.subarray(0, echoed.length), echoed, 40);
    expect(correlation).toBeGreaterThanOrEqual(0.9);
  });

  it('μ-law in, PCM16 16 kHz out: transcoded both ways, the echo matches', async () => {
    t.proxy = await startProxy({ emulator: { behaviour: INSTANT } });
    t.client = await TestClient.connect(`${t.proxy.url}?inputFormat=g711_ulaw&outputFormat=pcm16&outputRate=16000`);
    const connected = await t.client.waitForType('AIConnected');
    expect(connected).toMatchObject({
      input: { format: 'g711_ulaw', rate: 8000 },
      output: { format: 'pcm16', rate: 16000 },
      audioPath: 'transcode',
    });
    const update = t.proxy.emulator.sessions[0]?.events.find((e) => e.type === 'session.update');
    expect(update).toMatchObject({ session: { audio: { input: { format: { type: 'audio/pcm', rate: 24000 } } } } });

    const { all } = utterance(8000);
    await streamBytes(t.client, ulawEncode(all));
    const { audio, reference } = await voiceTurn(t.client, all, 8000);
    const echoed16k = bufferToSamples(audio);
    // Compare at 8 kHz: take every other 16 kHz sample (the speech band is far below 4 kHz).
    const echoed8k = echoed16k.filter((_, i) => i % 2 === 0);
    const { correlation } = bestCorrelation(reference.subarray(0, echoed8k.length), echoed8k, 40);
    expect(correlation).toBeGreaterThanOrEqual(0.9);
  });

  it('mixed laws (μ-law in, A-law out) transcode through 24 kHz PCM', async () => {
    t.proxy = await startProxy({ emulator: { behaviour: INSTANT } });
    t.client = await TestClient.connect(`${t.proxy.url}?inputFormat=g711_ulaw&outputFormat=g711_alaw`);
    expect(await t.client.waitForType('AIConnected')).toMatchObject({ audioPath: 'transcode' });
    const { all } = utterance(8000);
    await streamBytes(t.client, ulawEncode(all));
    const { audio, reference } = await voiceTurn(t.client, all, 8000);
    const echoed = alawDecode(audio);
    expect(bestCorrelation(reference.subarray(0, echoed.length), echoed, 40).correlation).toBeGreaterThanOrEqual(0.9);
  });

  it('a truncate after barge-in is computed at 8 bytes per ms for G.711', async () => {
    t.proxy = await startProxy({ emulator: { audioPace: 1 } });
    t.client = await TestClient.connect(`${t.proxy.url}?inputFormat=g711_ulaw`);
    await t.client.waitForType('AIConnected');
    await streamBytes(t.client, ulawEncode(utterance(8000, 1500, 700).all));
    await t.client.waitForType('AIResponseStart', 10_000);
    await t.client.waitUntil(() => (t.client?.binaryFrames.length ?? 0) > 0);
    t.client.sendJson({ type: 'cancel', playedMs: 100_000 });
    const interrupted = await t.client.waitForType('AIInterrupted');
    const before = t.client.messages.findIndex((m) => m.json?.name === 'AIInterrupted');
    const deliveredBytes = t.client.messages.slice(0, before).filter((m) => m.binary).reduce((n, m) => n + m.data.length, 0);
    expect(interrupted.playedMs).toBe(Math.floor(deliveredBytes / 8));
    const truncate = await t.client.waitUntil(() => t.proxy?.emulator.sessions[0]?.events.find((e) => e.type === 'conversation.item.truncate'));
    expect(truncate.audio_end_ms).toBe(interrupted.playedMs);
  });
});
