import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createInboundConverter, createOutboundConverter, type AudioConverter } from '../../src/audio/converter.js';
import { chooseUpstreamFormat, type UpstreamAudioFormat } from '../../src/audio/upstream-formats.js';
import type { AudioFormat } from '../../src/audio/formats.js';
import { alawDecode, alawEncode, ulawDecode, ulawEncode } from '../../src/audio/g711.js';
import { initAudio } from '../../src/audio/resampler.js';
import { bestCorrelation, bufferToSamples, chunkBuffer, samplesToBuffer, speechLikeSamples, toneSamples } from '../helpers/signals.js';
import { sinadDb } from './signal-metrics.js';
import { ALAW, pcm, ULAW, UP_PCM, UP_PCMA, UP_PCMU } from '../helpers/audio-formats.js';

await initAudio();

/** Pushes every chunk then flushes; returns everything the converter produced. */
function run(converter: AudioConverter, chunks: Buffer[]): Buffer {
  return Buffer.concat([...chunks.map((chunk) => converter.push(chunk)), converter.flush()]);
}

/** `data` cut into chunks of the given sizes (the rest in one last chunk). */
function split(data: Buffer, sizes: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const size of sizes) {
    if (offset >= data.length) break;
    chunks.push(data.subarray(offset, offset + size));
    offset += size;
  }
  if (offset < data.length) chunks.push(data.subarray(offset));
  return chunks;
}

describe('pass-through converters', () => {
  const cases: [string, AudioConverter, AudioConverter][] = [
    ['pcm16@24k', createInboundConverter(pcm(24000), UP_PCM), createOutboundConverter(UP_PCM, pcm(24000))],
    ['μ-law', createInboundConverter(ULAW, UP_PCMU), createOutboundConverter(UP_PCMU, ULAW)],
    ['A-law', createInboundConverter(ALAW, UP_PCMA), createOutboundConverter(UP_PCMA, ALAW)],
  ];
  for (const [name, inbound, outbound] of cases) {
    it(`${name}: push returns the same Buffer object, flush is empty`, () => {
      const chunk = Buffer.from([1, 2, 3, 4, 5, 6]);
      expect(inbound.passThrough && outbound.passThrough).toBe(true);
      expect(inbound.push(chunk)).toBe(chunk);
      expect(outbound.push(chunk)).toBe(chunk);
      expect(inbound.flush().length + outbound.flush().length).toBe(0);
    });
  }
  it('converting converters return an empty Buffer for an empty chunk', () => {
    for (const converter of [createInboundConverter(ULAW, UP_PCM), createOutboundConverter(UP_PCM, pcm(16000)), createOutboundConverter(UP_PCM, ALAW)]) {
      expect(converter.push(Buffer.alloc(0)).length).toBe(0);
      expect(converter.flush().length).toBe(0);
    }
  });

  it('converting converters say so', () => {
    expect(createInboundConverter(pcm(16000), UP_PCM).passThrough).toBe(false);
    expect(createInboundConverter(ULAW, UP_PCM).passThrough).toBe(false);
    expect(createOutboundConverter(UP_PCM, ALAW).passThrough).toBe(false);
  });
});

describe('converter round trips', () => {
  const speech8k = speechLikeSamples(8000, 1000);

  it('μ-law 8 kHz → pcm 24 kHz → μ-law 8 kHz correlates ≥ 0.99 with the original, aligned, with exact lengths', () => {
    const original = ulawEncode(speech8k);
    const frames = chunkBuffer(Buffer.from(original), 160);
    const upstream = run(createInboundConverter(ULAW, UP_PCM), frames);
    expect(upstream.length).toBe(original.length * 3 * 2);
    const back = run(createOutboundConverter(UP_PCM, ULAW), chunkBuffer(upstream, 960));
    expect(back.length).toBe(original.length);
    const { correlation, lag } = bestCorrelation(ulawDecode(original), ulawDecode(back), 8);
    expect(correlation).toBeGreaterThanOrEqual(0.99);
    expect(lag).toBe(0);
  });

  it('A-law in, μ-law out (mixed laws) goes through pcm 24 kHz both ways', () => {
    const formats = chooseUpstreamFormat(ALAW, ULAW);
    const alaw = alawEncode(speech8k);
    const upstream = run(createInboundConverter(ALAW, formats.input), chunkBuffer(Buffer.from(alaw), 160));
    const ulaw = run(createOutboundConverter(formats.output, ULAW), chunkBuffer(upstream, 960));
    const { correlation, lag } = bestCorrelation(alawDecode(alaw), ulawDecode(ulaw), 8);
    expect(correlation).toBeGreaterThanOrEqual(0.99);
    expect(lag).toBe(0);
  });

  it('pcm16 16 kHz tone → 24 kHz → 16 kHz matches the input (SINAD ≥ 85 dB, same length, no shift)', () => {
    const input = toneSamples({ rate: 16000, ms: 1000, hz: 997, dbfs: -6 });
    const upstream = run(createInboundConverter(pcm(16000), UP_PCM), chunkBuffer(samplesToBuffer(input), 640));
    const back = bufferToSamples(run(createOutboundConverter(UP_PCM, pcm(16000)), chunkBuffer(upstream, 960)));
    expect(back.length).toBe(input.length);
    expect(sinadDb(back, 16000, 997, 800)).toBeGreaterThanOrEqual(85);
    let maxError = 0;
    for (let i = 800; i < input.length - 800; i++) maxError = Math.max(maxError, Math.abs((back[i] ?? 0) - (input[i] ?? 0)));
    expect(maxError).toBeLessThanOrEqual(3);
  });

  it('pcm16 8 kHz → G.711 upstream encodes directly (no resampling)', () => {
    const input = toneSamples({ rate: 8000, ms: 100, hz: 440 });
    const out = run(createInboundConverter(pcm(8000), UP_PCMU), [samplesToBuffer(input)]);
    expect([...out]).toEqual([...ulawEncode(input)]);
  });

  it('gives the same bytes for any chunking (fast-check)', () => {
    const original = Buffer.from(ulawEncode(speechLikeSamples(8000, 300)));
    const whole = run(createInboundConverter(ULAW, UP_PCM), [original]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 20 }), (sizes) =>
        run(createInboundConverter(ULAW, UP_PCM), split(original, sizes)).equals(whole),
      ),
      { numRuns: 60 },
    );
  });
});

describe('upstream PCM16 deltas of odd byte counts', () => {
  it('every frame to a PCM16 client holds whole samples, and the audio is the same as unsplit (fast-check)', () => {
    const upstream = samplesToBuffer(speechLikeSamples(24000, 200));
    for (const client of [pcm(24000), pcm(16000), pcm(48000), ULAW]) {
      const whole = run(createOutboundConverter(UP_PCM, client), [upstream]);
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: 3001 }), { minLength: 1, maxLength: 12 }), (sizes) => {
          const converter = createOutboundConverter(UP_PCM, client);
          const frames = split(upstream, sizes).map((chunk) => converter.push(chunk));
          if (client.encoding === 'pcm16' && frames.some((frame) => frame.length % 2 !== 0)) return false;
          return Buffer.concat([...frames, converter.flush()]).equals(whole);
        }),
        { numRuns: 40 },
      );
    }
  });

  it('pass-through at 24 kHz: an even delta with nothing carried is the same Buffer (no copy)', () => {
    const converter = createOutboundConverter(UP_PCM, pcm(24000));
    const even = Buffer.from([1, 2, 3, 4]);
    expect(converter.push(even)).toBe(even);
    expect([...converter.push(Buffer.from([5, 6, 7]))]).toEqual([5, 6]);
    expect([...converter.push(Buffer.from([8, 9, 10, 11]))]).toEqual([7, 8, 9, 10]);
    expect([...converter.push(Buffer.from([12]))]).toEqual([11, 12]);
    const after = Buffer.from([13, 14]);
    expect(converter.push(after)).toBe(after);
  });
});

describe('converters and unaligned Buffers', () => {
  /** A copy of `data` placed at an odd byteOffset inside a larger ArrayBuffer, as `ws` can deliver. */
  function atOddOffset(data: Buffer): Buffer {
    const backing = Buffer.alloc(data.length + 5);
    data.copy(backing, 3);
    const view = backing.subarray(3, 3 + data.length);
    expect(view.byteOffset % 2).toBe(1);
    return view;
  }

  it('resampling, encoding and pass-through paths read odd-offset PCM16 correctly', () => {
    const input = samplesToBuffer(speechLikeSamples(16000, 100));
    const pairs: [AudioFormat, UpstreamAudioFormat][] = [
      [pcm(16000), UP_PCM],
      [pcm(8000), UP_PCMU],
      [pcm(8000), UP_PCMA],
      [pcm(48000), UP_PCM],
    ];
    for (const [client, upstream] of pairs) {
      const aligned = run(createInboundConverter(client, upstream), chunkBuffer(input, 640));
      const odd = run(createInboundConverter(client, upstream), chunkBuffer(atOddOffset(input), 640));
      expect(odd.equals(aligned), `${client.rate} → ${upstream.type}`).toBe(true);
    }
    const outbound = samplesToBuffer(speechLikeSamples(24000, 100));
    for (const client of [ULAW, ALAW, pcm(16000)]) {
      const aligned = run(createOutboundConverter(UP_PCM, client), chunkBuffer(outbound, 960));
      const odd = run(createOutboundConverter(UP_PCM, client), chunkBuffer(atOddOffset(outbound), 960));
      expect(odd.equals(aligned), client.encoding).toBe(true);
    }
  });
});
