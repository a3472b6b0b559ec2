import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  alawDecode,
  alawEncode,
  alawToLinear,
  linearToAlaw,
  linearToUlaw,
  ulawDecode,
  ulawEncode,
  ulawToLinear,
} from '../../src/audio/g711.js';
import { g191AlawCompress, g191AlawExpand, g191UlawCompress, g191UlawExpand } from './g191-reference.js';

const FIXTURES = new URL('../fixtures/g711/', import.meta.url);

/** Every PCM16 value in order −32768..32767 (the order of the sox fixtures). */
const ALL_SAMPLES = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
const ALL_CODES = Uint8Array.from({ length: 256 }, (_, i) => i);

function fixture(name: string): Buffer {
  return readFileSync(new URL(name, FIXTURES));
}

function mismatches(count: number, actual: (i: number) => number, expected: (i: number) => number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) if (actual(i) !== expected(i)) out.push(i);
  return out;
}

/** Quantisation step (PCM16 units) of the segment a code belongs to. */
function ulawStep(code: number): number {
  return 8 << ((~code >> 4) & 7);
}
function alawStep(code: number): number {
  const exponent = ((code ^ 0x55) >> 4) & 7;
  return exponent <= 1 ? 16 : 16 << (exponent - 1);
}

describe('G.711 decode is bit-exact with G.191 on all 256 codes', () => {
  it('μ-law: ulawDecode and ulawToLinear equal ulaw_expand and sox', () => {
    const decoded = ulawDecode(ALL_CODES);
    const sox = fixture('sox-ulaw-decode.raw');
    expect(mismatches(256, (c) => decoded[c] ?? NaN, g191UlawExpand)).toEqual([]);
    expect(mismatches(256, ulawToLinear, g191UlawExpand)).toEqual([]);
    expect(mismatches(256, (c) => sox.readInt16LE(c * 2), g191UlawExpand)).toEqual([]);
    expect([ulawToLinear(0x80), ulawToLinear(0x00), ulawToLinear(0xff), ulawToLinear(0x7f)]).toEqual([32124, -32124, 0, 0]);
  });

  it('A-law: alawDecode and alawToLinear equal alaw_expand and sox', () => {
    const decoded = alawDecode(ALL_CODES);
    const sox = fixture('sox-alaw-decode.raw');
    expect(mismatches(256, (c) => decoded[c] ?? NaN, g191AlawExpand)).toEqual([]);
    expect(mismatches(256, alawToLinear, g191AlawExpand)).toEqual([]);
    expect(mismatches(256, (c) => sox.readInt16LE(c * 2), g191AlawExpand)).toEqual([]);
    expect([alawToLinear(0xaa), alawToLinear(0x2a), alawToLinear(0xd5), alawToLinear(0x55)]).toEqual([32256, -32256, 8, -8]);
  });
});

describe('G.711 encode is bit-exact with G.191 on all 65 536 PCM16 inputs', () => {
  it('μ-law: ulawEncode and linearToUlaw equal ulaw_compress', () => {
    const encoded = ulawEncode(ALL_SAMPLES);
    expect(mismatches(65536, (i) => encoded[i] ?? NaN, (i) => g191UlawCompress(i - 32768))).toEqual([]);
    expect(mismatches(65536, (i) => linearToUlaw(i - 32768), (i) => g191UlawCompress(i - 32768))).toEqual([]);
  });

  it('A-law: alawEncode and linearToAlaw equal alaw_compress', () => {
    const encoded = alawEncode(ALL_SAMPLES);
    expect(mismatches(65536, (i) => encoded[i] ?? NaN, (i) => g191AlawCompress(i - 32768))).toEqual([]);
    expect(mismatches(65536, (i) => linearToAlaw(i - 32768), (i) => g191AlawCompress(i - 32768))).toEqual([]);
  });

  it('negative boundary inputs fold with the one’s complement, as G.191 does', () => {
    // −1..−4 (μ) and −1..−16 (A) are "negative zero"; the next value down starts the next level.
    expect([-1, -4, -5, -8, -9].map(linearToUlaw)).toEqual([0x7f, 0x7f, 0x7e, 0x7e, 0x7e]);
    expect([1, 3, 4, 7, 8].map(linearToUlaw)).toEqual([0xff, 0xff, 0xfe, 0xfe, 0xfe]);
    expect([-1, -16, -17, -32, -33].map(linearToAlaw)).toEqual([0x55, 0x55, 0x54, 0x54, 0x57]);
    expect([0, 15, 16, 31, 32].map(linearToAlaw)).toEqual([0xd5, 0xd5, 0xd4, 0xd4, 0xd7]);
    expect([linearToUlaw(-32768), linearToUlaw(32767), linearToAlaw(-32768), linearToAlaw(32767)]).toEqual([0x00, 0x80, 0x2a, 0xaa]);
  });

  it('the exhaustive comparison catches an encoder that negates instead (Sun g711.c style μ-law)', () => {
    // Classic `linear2ulaw`: pcm >>= 2; if (pcm < 0) pcm = -pcm. Differs on negative decision boundaries.
    const segmentEnds = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];
    const negating = (x: number): number => {
      let pcm = x >> 2;
      let mask = 0xff;
      if (pcm < 0) {
        pcm = -pcm;
        mask = 0x7f;
      }
      pcm = Math.min(pcm, 8159) + 33;
      let segment = 0;
      while (segment < 8 && pcm > (segmentEnds[segment] ?? 0)) segment++;
      if (segment >= 8) return 0x7f ^ mask;
      return ((segment << 4) | ((pcm >> (segment + 1)) & 0x0f)) ^ mask;
    };
    const differing = mismatches(65536, (i) => negating(i - 32768), (i) => g191UlawCompress(i - 32768)).map((i) => i - 32768);
    expect(differing.length).toBeGreaterThan(0);
    expect(differing.every((x) => x < 0)).toBe(true);
    expect(differing).toContain(-4);
  });
});

describe('G.711 encode cross-checked against sox 14.4.2 (fixtures in test/fixtures/g711)', () => {
  // sox first rounds its sample to 14 (μ) / 13 (A) bits — (x + 2) >> 2, (x + 4) >> 3, clipping the top —
  // where G.191 truncates, and its μ-law encoder negates (−q) where G.191 takes the one's complement.
  // Modelling exactly those two steps and then applying G.191 reproduces sox on every input.
  const clamp16 = (v: number): number => Math.max(-32768, Math.min(32767, v));
  const soxUlawInput = (x: number): number => {
    const q = Math.min((x + 2) >> 2, 8191);
    return clamp16(q < 0 ? (q - 1) * 4 : q * 4);
  };
  const soxAlawInput = (x: number): number => Math.min((x + 4) >> 3, 4095) * 8;

  it('μ-law: sox equals G.191 after sox’s rounding and negation; we differ from sox only there', () => {
    const sox = fixture('sox-ulaw-encode.raw');
    expect(sox.length).toBe(65536);
    expect(mismatches(65536, (i) => sox[i] ?? NaN, (i) => g191UlawCompress(soxUlawInput(i - 32768)))).toEqual([]);
    const differing = mismatches(65536, (i) => sox[i] ?? NaN, (i) => linearToUlaw(i - 32768));
    expect(differing.length).toBe(510);
    // Every difference is one code step (adjacent levels), never a sign or segment blunder.
    for (const i of differing) expect(Math.abs(ulawToLinear(sox[i] ?? 0) - ulawToLinear(linearToUlaw(i - 32768)))).toBeLessThanOrEqual(
        Math.max(ulawStep(sox[i] ?? 0), ulawStep(linearToUlaw(i - 32768))),
      );
  });

  it('A-law: sox equals G.191 after sox’s rounding; we differ from sox only there', () => {
    const sox = fixture('sox-alaw-encode.raw');
    expect(sox.length).toBe(65536);
    expect(mismatches(65536, (i) => sox[i] ?? NaN, (i) => g191AlawCompress(soxAlawInput(i - 32768)))).toEqual([]);
    const differing = mismatches(65536, (i) => sox[i] ?? NaN, (i) => linearToAlaw(i - 32768));
    expect(differing.length).toBe(1020);
    for (const i of differing) expect(Math.abs(alawToLinear(sox[i] ?? 0) - alawToLinear(linearToAlaw(i - 32768)))).toBeLessThanOrEqual(
        Math.max(alawStep(sox[i] ?? 0), alawStep(linearToAlaw(i - 32768))),
      );
  });
});

describe('G.711 properties', () => {
  it('encode∘decode is the identity on codes, except μ-law 0x7F (−0) which decodes to 0 and re-encodes as 0xFF (+0)', () => {
    for (let code = 0; code < 256; code++) {
      expect(linearToUlaw(ulawToLinear(code))).toBe(code === 0x7f ? 0xff : code);
      // A-law has no zero level (±8 are the smallest), so every code survives the round trip.
      expect(linearToAlaw(alawToLinear(code))).toBe(code);
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (codes) => {
        const ulaw = ulawEncode(ulawDecode(codes));
        const alaw = alawEncode(alawDecode(codes));
        return codes.every((c, i) => ulaw[i] === (c === 0x7f ? 0xff : c) && alaw[i] === c);
      }),
    );
  });

  it('decode∘encode error is within half a quantisation step below overload (checked on all inputs)', () => {
    const ulawOverload = 32124 + 512;
    const alawOverload = 32256 + 512;
    const tooFar: number[] = [];
    for (let x = -32768; x <= 32767; x++) {
      const u = linearToUlaw(x);
      if (Math.abs(x) <= ulawOverload && Math.abs(ulawToLinear(u) - x) > ulawStep(u) / 2) tooFar.push(x);
      const a = linearToAlaw(x);
      if (Math.abs(x) <= alawOverload && Math.abs(alawToLinear(a) - x) > alawStep(a) / 2) tooFar.push(x);
    }
    expect(tooFar).toEqual([]);
  });

  it('decode∘encode is monotonic and sign-preserving, and array and scalar paths agree (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 320 }), (values) => {
        const samples = Int16Array.from(values);
        const ulaw = ulawEncode(samples);
        const alaw = alawEncode(samples);
        return values.every(
          (x, i) =>
            ulaw[i] === linearToUlaw(x) &&
            alaw[i] === linearToAlaw(x) &&
            Math.sign(ulawToLinear(ulaw[i] ?? 0)) * Math.sign(x) >= 0 &&
            Math.sign(alawToLinear(alaw[i] ?? 0)) * Math.sign(x) >= 0,
        );
      }),
    );
    let previousU = -Infinity;
    let previousA = -Infinity;
    let decreases = 0;
    for (let x = -32768; x <= 32767; x++) {
      const u = ulawToLinear(linearToUlaw(x));
      const a = alawToLinear(linearToAlaw(x));
      if (u < previousU || a < previousA) decreases++;
      previousU = u;
      previousA = a;
    }
    expect(decreases).toBe(0);
  });

  it('scalar functions clamp out-of-range and truncate fractional input', () => {
    expect(linearToUlaw(40000)).toBe(linearToUlaw(32767));
    expect(linearToUlaw(-40000)).toBe(linearToUlaw(-32768));
    expect(linearToAlaw(100.7)).toBe(linearToAlaw(100));
    expect(ulawToLinear(0x100 + 0x80)).toBe(ulawToLinear(0x80));
  });
});
