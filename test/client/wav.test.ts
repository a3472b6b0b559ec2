import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { durationMs, encodeG711Wav, encodeWav, pcm16ToSamples, readWav, samplesToPcm16, WavFormatError } from '../../src/client/wav.js';
import { alawDecode, alawEncode, ulawDecode, ulawEncode } from '../../src/audio/g711.js';
import { toneSamples } from '../helpers/signals.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);

/** A WAV file with an arbitrary format chunk and data, and optional chunks before `data`. */
function buildWav(options: {
  formatTag: number;
  channels: number;
  rate: number;
  bits: number;
  data: Buffer;
  extraChunks?: Array<{ id: string; body: Buffer }>;
  extensibleSubformat?: number;
}): Buffer {
  const blockAlign = (options.channels * options.bits) / 8;
  const fmt = Buffer.alloc(options.extensibleSubformat === undefined ? 16 : 40);
  fmt.writeUInt16LE(options.formatTag, 0);
  fmt.writeUInt16LE(options.channels, 2);
  fmt.writeUInt32LE(options.rate, 4);
  fmt.writeUInt32LE(options.rate * blockAlign, 8);
  fmt.writeUInt16LE(blockAlign, 12);
  fmt.writeUInt16LE(options.bits, 14);
  if (options.extensibleSubformat !== undefined) {
    fmt.writeUInt16LE(22, 16); // cbSize
    fmt.writeUInt16LE(options.bits, 18);
    fmt.writeUInt32LE(0, 20);
    fmt.writeUInt16LE(options.extensibleSubformat, 24);
  }
  const chunk = (id: string, body: Buffer): Buffer => {
    const header = Buffer.alloc(8);
    header.write(id, 0, 'ascii');
    header.writeUInt32LE(body.length, 4);
    return Buffer.concat([header, body, body.length % 2 === 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
  };
  const body = Buffer.concat([
    Buffer.from('WAVE', 'ascii'),
    chunk('fmt ', fmt),
    ...(options.extraChunks ?? []).map((c) => chunk(c.id, c.body)),
    chunk('data', options.data),
  ]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0, 'ascii');
  riff.writeUInt32LE(body.length, 4);
  return Buffer.concat([riff, body]);
}

describe('WAV writer and reader', () => {
  it('round-trips mono PCM16 exactly at any rate', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(8000, 11025, 16000, 22050, 24000, 44100, 48000),
        fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 2000 }),
        (rate, values) => {
          const samples = Int16Array.from(values);
          const wav = readWav(encodeWav(samples, rate));
          expect(wav.rate).toBe(rate);
          expect(wav.channels).toBe(1);
          expect(wav.bitsPerSample).toBe(16);
          expect(Array.from(wav.samples)).toEqual(values);
        },
      ),
    );
  });

  it('writes a canonical 44-byte header', () => {
    const wav = encodeWav(toneSamples({ rate: 16000, ms: 100, hz: 440 }), 16000);
    expect(wav.length).toBe(44 + 1600 * 2);
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
    expect(wav.readUInt16LE(20)).toBe(1); // PCM
    expect(wav.readUInt32LE(24)).toBe(16000);
    expect(wav.readUInt32LE(28)).toBe(32000); // byte rate
    expect(wav.readUInt32LE(40)).toBe(3200);
  });

  it('downmixes stereo PCM16 by averaging the channels', () => {
    const data = Buffer.alloc(3 * 4);
    const frames = [
      [1000, 3000],
      [-2000, -4000],
      [32767, 32767],
    ];
    frames.forEach(([left, right], i) => {
      data.writeInt16LE(left ?? 0, i * 4);
      data.writeInt16LE(right ?? 0, i * 4 + 2);
    });
    const wav = readWav(buildWav({ formatTag: 1, channels: 2, rate: 44100, bits: 16, data }));
    expect(wav.channels).toBe(2);
    expect(wav.rate).toBe(44100);
    expect(Array.from(wav.samples)).toEqual([2000, -3000, 32767]);
  });

  it('reads 8-bit unsigned, 24-bit and 32-bit PCM', () => {
    const eight = readWav(buildWav({ formatTag: 1, channels: 1, rate: 8000, bits: 8, data: Buffer.from([128, 255, 0, 192]) }));
    expect(Array.from(eight.samples)).toEqual([0, 32512, -32768, 16384]);

    const data24 = Buffer.alloc(6);
    data24.writeIntLE(0x400000, 0, 3); // +0.5
    data24.writeIntLE(-0x200000, 3, 3); // -0.25
    const twentyFour = readWav(buildWav({ formatTag: 1, channels: 1, rate: 48000, bits: 24, data: data24 }));
    expect(Array.from(twentyFour.samples)).toEqual([16384, -8192]);

    const data32 = Buffer.alloc(8);
    data32.writeInt32LE(-0x40000000, 0);
    data32.writeInt32LE(0x7fffffff, 4);
    const thirtyTwo = readWav(buildWav({ formatTag: 1, channels: 1, rate: 48000, bits: 32, data: data32 }));
    expect(Array.from(thirtyTwo.samples)).toEqual([-16384, 32767]);
  });

  it('reads float32 and float64, clipping out-of-range values', () => {
    const data = Buffer.alloc(16);
    [0.5, -1, 1.5, -0.25].forEach((v, i) => data.writeFloatLE(v, i * 4));
    const wav = readWav(buildWav({ formatTag: 3, channels: 1, rate: 24000, bits: 32, data }));
    expect(wav.encoding).toBe('float');
    expect(Array.from(wav.samples)).toEqual([16384, -32768, 32767, -8192]);

    const data64 = Buffer.alloc(16);
    data64.writeDoubleLE(0.25, 0);
    data64.writeDoubleLE(-0.5, 8);
    expect(Array.from(readWav(buildWav({ formatTag: 3, channels: 1, rate: 24000, bits: 64, data: data64 })).samples)).toEqual([8192, -16384]);
  });

  it('reads WAVE_FORMAT_EXTENSIBLE and skips other chunks, including odd-sized ones', () => {
    const samples = Int16Array.from([1, -2, 3, -4]);
    const wav = readWav(
      buildWav({
        formatTag: 0xfffe,
        extensibleSubformat: 1,
        channels: 1,
        rate: 32000,
        bits: 16,
        data: samplesToPcm16(samples),
        extraChunks: [
          { id: 'LIST', body: Buffer.from('INFOISFT\x05\x00\x00\x00sox!!', 'latin1') },
          { id: 'odd ', body: Buffer.from([1, 2, 3]) },
        ],
      }),
    );
    expect(wav.rate).toBe(32000);
    expect(Array.from(wav.samples)).toEqual([1, -2, 3, -4]);
  });

  it('reads a streamed file whose data size was left at 0xFFFFFFFF', () => {
    const file = encodeWav(Int16Array.from([5, 6, 7]), 16000);
    file.writeUInt32LE(0xffffffff, 40);
    expect(Array.from(readWav(file).samples)).toEqual([5, 6, 7]);
  });

  it('refuses what it cannot read, saying why', () => {
    expect(() => readWav(Buffer.from('not a wave file at all'))).toThrow(WavFormatError);
    expect(() => readWav(buildWav({ formatTag: 2, channels: 1, rate: 8000, bits: 4, data: Buffer.alloc(4) }))).toThrow(/unsupported encoding/);
    const noData = encodeWav(Int16Array.from([1]), 8000).subarray(0, 36);
    noData.writeUInt32LE(28, 4);
    expect(() => readWav(noData)).toThrow(/no data chunk/);
  });

  it('converts between samples and little-endian PCM16 bytes', () => {
    const samples = Int16Array.from([0, 1, -1, 32767, -32768]);
    const bytes = samplesToPcm16(samples);
    expect(Array.from(bytes)).toEqual([0, 0, 1, 0, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x80]);
    expect(Array.from(pcm16ToSamples(bytes))).toEqual(Array.from(samples));
    expect(durationMs(new Int16Array(16000), 16000)).toBe(1000);
  });
});

describe('committed fixtures', () => {
  it.each([
    ['speech-16k.wav', 16000],
    ['speech-48k.wav', 48000],
    ['barge-in-48k.wav', 48000],
  ])('%s is mono PCM16 at %d Hz, short and small', (name, rate) => {
    const bytes = readFileSync(new URL(name, FIXTURES));
    expect(bytes.length).toBeLessThan(300 * 1024);
    const wav = readWav(bytes);
    expect(wav).toMatchObject({ rate, channels: 1, bitsPerSample: 16, encoding: 'pcm' });
    const ms = durationMs(wav.samples, wav.rate);
    expect(ms).toBeGreaterThan(1500);
    expect(ms).toBeLessThan(3500);
  });
});

describe('G.711 WAV files', () => {
  it.each([
    ['g711_ulaw', ulawEncode, ulawDecode],
    ['g711_alaw', alawEncode, alawDecode],
  ] as const)('%s: written and read back byte for byte; the samples are the decoded codes', (law, encode, decode) => {
    const codes = encode(Int16Array.from({ length: 800 }, (_, i) => Math.round(8000 * Math.sin(i / 5))));
    const file = encodeG711Wav(codes, law);
    const wav = readWav(file);
    expect(wav).toMatchObject({ encoding: law, rate: 8000, channels: 1, bitsPerSample: 8 });
    expect(Buffer.from(wav.g711 ?? [])).toEqual(Buffer.from(codes));
    expect(wav.samples).toEqual(decode(codes));
  });

  it('a G.711 file that is not mono 8 kHz is decoded, not passed through', () => {
    const file = encodeG711Wav(ulawEncode(new Int16Array(160)), 'g711_ulaw', 16000);
    const wav = readWav(file);
    expect(wav.g711).toBeUndefined();
    expect(wav.samples).toHaveLength(160);
  });
});
