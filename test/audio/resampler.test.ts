import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createResampler, initAudio, resamplerDelayMs, resamplerImpulseResponse, type Resampler } from '../../src/audio/resampler.js';
import { PCM16_RATES, UPSTREAM_PCM_RATE } from '../../src/audio/formats.js';
import { samplesToBuffer, toneSamples } from '../helpers/signals.js';
import { fitSine, pcm16BufferToArray, rmsOf, sinadDb, toneAmplitude } from './signal-metrics.js';

await initAudio();

const CHUNK_MS = 20;

/** Every supported pair: each client rate to and from 24 kHz (8 kHz ↔ 24 kHz covers G.711). */
const PAIRS: [number, number][] = PCM16_RATES.filter((rate) => rate !== UPSTREAM_PCM_RATE).flatMap((rate): [number, number][] => [
  [rate, UPSTREAM_PCM_RATE],
  [UPSTREAM_PCM_RATE, rate],
]);

/** Feeds `input` in chunks of `chunkSamples` (the last may be shorter), then flushes; returns all output. */
function resampleAll(resampler: Resampler, input: Buffer, chunkSamples: number): Buffer {
  const parts: Buffer[] = [];
  for (let offset = 0; offset < input.length; offset += chunkSamples * 2) parts.push(resampler.push(input.subarray(offset, offset + chunkSamples * 2)));
  parts.push(resampler.flush());
  return Buffer.concat(parts);
}

/** Resamples a −6 dBFS tone of `ms` in 20 ms chunks. */
function resampleTone(from: number, to: number, hz: number, ms = 1000, dbfs = -6): Int16Array {
  const input = samplesToBuffer(toneSamples({ rate: from, ms, hz, dbfs }));
  return pcm16BufferToArray(resampleAll(createResampler(from, to), input, Math.floor((from * CHUNK_MS) / 1000)));
}

const fmt = (rate: number): string => `${rate / 1000}k`;
const SKIP_MS = 50; // edges excluded from the steady-state fit

describe('resampler SINAD (−6 dBFS tones, 20 ms chunks, best-fit sine removed)', () => {
  const cases: [number, number, number][] = [
    [16000, 24000, 997],
    [16000, 24000, 6007],
    [24000, 16000, 997],
    [24000, 16000, 6007],
    ...PAIRS.filter(([from, to]) => !(Math.min(from, to) === 16000)).map(([from, to]): [number, number, number] => [from, to, 997]),
    [48000, 24000, 6007],
    [24000, 48000, 6007],
    [44100, 24000, 6007],
    [24000, 44100, 6007],
    [32000, 24000, 6007],
    [24000, 32000, 6007],
  ];
  for (const [from, to, hz] of cases) {
    const output = resampleTone(from, to, hz);
    const sinad = sinadDb(output, to, hz, (to * SKIP_MS) / 1000);
    it(`${fmt(from)}→${fmt(to)} ${hz} Hz: SINAD ${sinad.toFixed(1)} dB ≥ 85`, () => {
      expect(sinad).toBeGreaterThanOrEqual(85);
    });
  }
});

describe('resampler anti-aliasing', () => {
  // A 10 kHz tone at 24 kHz is above 16 kHz's Nyquist: it must not come out (as a 6 kHz alias).
  const input = samplesToBuffer(toneSamples({ rate: 24000, ms: 1000, hz: 10000, dbfs: -6 }));
  const output = pcm16BufferToArray(resampleAll(createResampler(24000, 16000), input, 480));
  const inputRms = (32767 * 10 ** (-6 / 20)) / Math.SQRT2;
  const skip = (16000 * SKIP_MS) / 1000;
  const residualRms = rmsOf(output, skip, output.length - skip);
  const attenuationDb = residualRms === 0 ? Infinity : 20 * Math.log10(inputRms / residualRms);
  it(`24k→16k 10 kHz tone attenuated ${Number.isFinite(attenuationDb) ? `${attenuationDb.toFixed(1)} dB` : '∞ (output all zeros)'} (≥ 70 dB)`, () => {
    expect(attenuationDb).toBeGreaterThanOrEqual(70);
  });

  // A tone at 0.6 × the output rate (inside the stopband, which starts at 0.575 × the lower rate),
  // where the input can carry it (24k→22.05k has no such frequency below 12 kHz).
  for (const [from, to] of PAIRS.filter(([f, t]) => f > t && 0.6 * t < f / 2)) {
    const hz = Math.round(to * 0.6);
    const tone = samplesToBuffer(toneSamples({ rate: from, ms: 500, hz, dbfs: -6 }));
    const out = pcm16BufferToArray(resampleAll(createResampler(from, to), tone, Math.floor(from / 50)));
    const edge = Math.round(to * 0.05);
    const rmsOut = rmsOf(out, edge, out.length - edge);
    const db = rmsOut === 0 ? Infinity : 20 * Math.log10(inputRms / rmsOut);
    it(`${fmt(from)}→${fmt(to)}: a ${hz} Hz tone (aliases to ${to - hz} Hz) attenuated ${Number.isFinite(db) ? `${db.toFixed(1)} dB` : '∞ (output all zeros)'} (≥ 70 dB)`, () => {
      expect(db).toBeGreaterThanOrEqual(70);
    });
  }
});

describe('resampler passband gain (±0.5 dB up to 0.85 × the lower Nyquist)', () => {
  for (const [from, to] of PAIRS) {
    const top = 0.85 * (Math.min(from, to) / 2);
    const freqs = [100, 300, 1000, top / 2, top * 0.9, top];
    const gains = freqs.map((hz) => {
      const input = toneSamples({ rate: from, ms: 300, hz, dbfs: -6 });
      const inAmp = toneAmplitude(input, from, hz, Math.round(from * 0.05));
      const outAmp = toneAmplitude(resampleTone(from, to, hz, 300), to, hz, Math.round(to * 0.05));
      return 20 * Math.log10(outAmp / inAmp);
    });
    const worst = Math.max(...gains.map(Math.abs));
    it(`${fmt(from)}→${fmt(to)}: worst gain error ${worst.toFixed(4)} dB up to ${Math.round(top)} Hz`, () => {
      expect(worst).toBeLessThanOrEqual(0.5);
    });
  }
});

describe('resampler delay', () => {
  for (const [from, to] of PAIRS) {
    const delayMs = resamplerDelayMs(from, to);
    it(`${fmt(from)}→${fmt(to)}: ${delayMs.toFixed(2)} ms held back (≤ 3 ms), output aligned with input`, () => {
      expect(delayMs).toBeLessThanOrEqual(3);
      // What push returns lags the ideal count by the look-ahead, never more.
      const resampler = createResampler(from, to);
      const input = samplesToBuffer(toneSamples({ rate: from, ms: 200, hz: 50, dbfs: -6 }));
      let outputSamples = 0;
      for (const chunk of chunks(input, Math.floor(from / 50))) outputSamples += resampler.push(chunk).length / 2;
      const heldBackMs = (((input.length / 2) * to) / from - outputSamples) * (1000 / to);
      expect(heldBackMs).toBeLessThanOrEqual(3 + 1000 / to);
      expect(heldBackMs).toBeGreaterThanOrEqual(0);
      // The content is not shifted: a 50 Hz tone comes out with the input's phase (to a tiny fraction of a sample).
      const whole = resampleTone(from, to, 50, 200);
      const start = Math.round(to * 0.05);
      const fit = fitSine(whole, to, 50, start, whole.length - start);
      const expectedPhase = (2 * Math.PI * 50 * start) / to;
      const phaseError = Math.atan2(Math.sin(fit.phase - expectedPhase), Math.cos(fit.phase - expectedPhase));
      const shiftSamples = (Math.abs(phaseError) / (2 * Math.PI * 50)) * to;
      expect(shiftSamples).toBeLessThan(0.01);
    });
  }
});

function chunks(data: Buffer, samples: number): Buffer[] {
  const out: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += samples * 2) out.push(data.subarray(offset, offset + samples * 2));
  return out;
}

describe('resampler streaming', () => {
  it('gives identical output fed in 20 ms chunks or whole, for every pair', () => {
    for (const [from, to] of PAIRS) {
      const input = samplesToBuffer(toneSamples({ rate: from, ms: 500, hz: 440, dbfs: -3 }));
      const chunked = resampleAll(createResampler(from, to), input, Math.floor(from / 50));
      const whole = resampleAll(createResampler(from, to), input, input.length);
      expect(chunked.equals(whole), `${from}→${to}`).toBe(true);
    }
  });

  it('gives identical output for any chunking (fast-check), and exactly ceil(N·to/from) samples after flush', () => {
    const pair = fc.constantFrom(...PAIRS);
    fc.assert(
      fc.property(pair, fc.array(fc.integer({ min: 0, max: 700 }), { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 1000 }), ([from, to], sizes, seed) => {
        const total = sizes.reduce((a, b) => a + b, 0);
        const samples = new Int16Array(total);
        let state = seed + 1;
        for (let i = 0; i < total; i++) {
          state = (state * 1103515245 + 12345) % 2147483648;
          samples[i] = Math.round(8000 * Math.sin(i * 0.07) + ((state / 2147483648) - 0.5) * 4000);
        }
        const input = samplesToBuffer(samples);
        const whole = resampleAll(createResampler(from, to), input, Math.max(1, total));
        const resampler = createResampler(from, to);
        const parts: Buffer[] = [];
        let offset = 0;
        for (const size of sizes) {
          parts.push(resampler.push(input.subarray(offset * 2, (offset + size) * 2)));
          offset += size;
        }
        parts.push(resampler.flush());
        const chunked = Buffer.concat(parts);
        return chunked.equals(whole) && chunked.length / 2 === Math.ceil((total * to) / from);
      }),
      { numRuns: 150 },
    );
  });

  it('writes every output sample (output Buffers come unzeroed from the pool)', () => {
    for (const [from, to] of PAIRS) {
      const input = samplesToBuffer(toneSamples({ rate: from, ms: 100, hz: 440, dbfs: -3 }));
      const clean = resampleAll(createResampler(from, to), input, Math.floor(from / 50));
      const resampler = createResampler(from, to);
      const parts: Buffer[] = [];
      for (const chunk of chunks(input, Math.floor(from / 50))) {
        Buffer.allocUnsafe(2048).fill(0x5a); // leave garbage in the pool the next output is cut from
        parts.push(resampler.push(chunk));
      }
      Buffer.allocUnsafe(2048).fill(0x5a);
      parts.push(resampler.flush());
      expect(Buffer.concat(parts).equals(clean), `${from}→${to}`).toBe(true);
    }
  });

  it('accepts Buffers at odd byte offsets (ws slices) with the same result', () => {
    const input = samplesToBuffer(toneSamples({ rate: 16000, ms: 100, hz: 700 }));
    const backing = Buffer.alloc(input.length + 3);
    input.copy(backing, 1);
    const odd = backing.subarray(1, 1 + input.length);
    expect(odd.byteOffset % 2).toBe(1);
    const a = resampleAll(createResampler(16000, 24000), input, 320);
    const b = resampleAll(createResampler(16000, 24000), odd, 320);
    expect(b.equals(a)).toBe(true);
  });

  it('flush emits the tail and resets: a second stream equals a fresh one', () => {
    const input = samplesToBuffer(toneSamples({ rate: 24000, ms: 60, hz: 1000 }));
    const resampler = createResampler(24000, 16000);
    const first = resampleAll(resampler, input, 480);
    const second = resampleAll(resampler, input, 480);
    expect(second.equals(first)).toBe(true);
    expect(first.length / 2).toBe(960);
    expect(resampler.flush().length).toBe(0);
  });

  it('passes a constant through unchanged (unity DC gain on every phase)', () => {
    for (const [from, to] of PAIRS) {
      const input = samplesToBuffer(new Int16Array(from / 10).fill(-12345));
      const out = pcm16BufferToArray(resampleAll(createResampler(from, to), input, Math.floor(from / 50)));
      const look = Math.ceil((resamplerDelayMs(from, to) * to) / 1000) + 2;
      expect(out.subarray(look, out.length - look).every((v) => v === -12345), `${from}→${to}`).toBe(true);
    }
  });

  it('clamps instead of wrapping on full-scale input', () => {
    const square = new Int16Array(4800).map((_, i) => (Math.floor(i / 12) % 2 === 0 ? 32767 : -32768));
    const out = pcm16BufferToArray(resampleAll(createResampler(24000, 16000), samplesToBuffer(square), 480));
    // Gibbs overshoot would exceed int16; clamped peaks sit at the rails, and the sign pattern survives.
    expect(Math.max(...out)).toBe(32767);
    expect(Math.min(...out)).toBe(-32768);
  });

  it('stays exact on long streams (counters are rebased after a million cycles)', () => {
    // 1 kHz at 16 kHz → 24 kHz output repeats every 24 samples; 150 s crosses the rebase at 1e6 cycles.
    const resampler = createResampler(16000, 24000);
    const second = samplesToBuffer(toneSamples({ rate: 16000, ms: 1000, hz: 1000 }));
    let last: Buffer = Buffer.alloc(0);
    let produced = 0;
    for (let s = 0; s < 150; s++) {
      last = resampler.push(second);
      produced += last.length / 2;
    }
    const tail = pcm16BufferToArray(last);
    for (let i = 24; i < tail.length; i++) if (tail[i] !== tail[i - 24]) expect.fail(`sample ${i} breaks the period`);
    produced += resampler.flush().length / 2;
    expect(produced).toBe(150 * 24000);
  });

  it('returns the input Buffer itself for equal rates', () => {
    const resampler = createResampler(24000, 24000);
    const chunk = Buffer.alloc(960);
    expect(resampler.push(chunk)).toBe(chunk);
    expect(resampler.flush().length).toBe(0);
    expect(resamplerDelayMs(24000, 24000)).toBe(0);
  });

  it('rejects invalid rates', () => {
    expect(() => createResampler(0, 24000)).toThrow(RangeError);
    expect(() => createResampler(16000.5, 24000)).toThrow(RangeError);
    expect(() => createResampler(7919, 24000)).toThrow(RangeError);
  });
});

describe('resampler filter design (spectrum of the polyphase prototype)', () => {
  /** |H(f)| / |H(0)| in dB, by direct DTFT of the prototype. */
  function responseDb(taps: Float64Array, rate: number, hz: number): number {
    let re = 0;
    let im = 0;
    let dc = 0;
    const w = (2 * Math.PI * hz) / rate;
    for (let j = 0; j < taps.length; j++) {
      const t = taps[j] ?? 0;
      re += t * Math.cos(w * j);
      im -= t * Math.sin(w * j);
      dc += t;
    }
    return 20 * Math.log10(Math.hypot(re, im) / Math.abs(dc));
  }

  for (const [from, to] of [[16000, 24000], [24000, 16000], [8000, 24000], [24000, 8000], [48000, 24000], [24000, 48000]] as [number, number][]) {
    const { rate, taps } = resamplerImpulseResponse(from, to);
    const low = Math.min(from, to);
    let worstStop = -Infinity;
    for (let hz = 0.575 * low; hz <= rate / 2; hz += low / 400) worstStop = Math.max(worstStop, responseDb(taps, rate, hz));
    let worstPass = 0;
    for (let hz = 0; hz <= 0.425 * low; hz += low / 400) worstPass = Math.max(worstPass, Math.abs(responseDb(taps, rate, hz)));
    it(`${fmt(from)}→${fmt(to)}: stopband (≥ ${Math.round(0.575 * low)} Hz) ≤ ${worstStop.toFixed(1)} dB, passband ripple ±${worstPass.toExponential(1)} dB`, () => {
      expect(worstStop).toBeLessThanOrEqual(-90);
      expect(worstPass).toBeLessThanOrEqual(0.01);
    });
  }
});

describe('resampler kernel (outputs four at a time and singly) matches the prototype', () => {
  // Direct convolution with the prototype at the common rate L·from: y[n] = Σₘ x[m]·h[n·M − m·L + lookAhead·L].
  // The SIMD kernel only reorders the sums (and rounds products in f32).
  for (const [from, to] of PAIRS) {
    it(`${fmt(from)}→${fmt(to)}: within 1 LSB of the direct convolution, any chunking`, () => {
      const { rate, taps } = resamplerImpulseResponse(from, to);
      const phases = rate / from;
      const step = Math.round((phases * from) / to);
      const lookAhead = Math.round((resamplerDelayMs(from, to) * from) / 1000);
      const total = Math.round(from * 0.15);
      const samples = new Int16Array(total);
      let state = 12345;
      for (let i = 0; i < total; i++) {
        state = (state * 1103515245 + 12345) % 2147483648;
        samples[i] = Math.round(9000 * Math.sin(i * 0.031) + (state / 2147483648 - 0.5) * 30000);
      }
      const out = pcm16BufferToArray(resampleAll(createResampler(from, to), samplesToBuffer(samples), 173));
      let worst = 0;
      for (let n = 0; n < out.length; n++) {
        let acc = 0;
        const lowest = Math.max(0, Math.ceil((n * step + lookAhead * phases - taps.length + 1) / phases));
        for (let m = lowest; m < total; m++) {
          const j = n * step - m * phases + lookAhead * phases;
          if (j < 0) break;
          acc += (samples[m] ?? 0) * (taps[j] ?? 0);
        }
        const expected = Math.max(-32768, Math.min(32767, Math.round(acc)));
        worst = Math.max(worst, Math.abs(expected - (out[n] ?? 0)));
      }
      expect(worst).toBeLessThanOrEqual(1);
    });
  }
});

describe('initAudio', () => {
  it('is idempotent and resolves', async () => {
    const first = initAudio();
    expect(initAudio()).toBe(first);
    await expect(first).resolves.toBeUndefined();
  });
});
