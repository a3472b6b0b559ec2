/** Signal metrics for audio tests: sine fits, SINAD, tone level, delay. */

export interface SineFit {
  /** Fitted amplitude (sample units). */
  readonly amplitude: number;
  /** Fitted phase (radians) of sin(2π·hz·i/rate + phase) at i = start. */
  readonly phase: number;
  /** Mean power of what is left after removing the fitted sine and DC. */
  readonly residualPower: number;
}

/**
 * Least-squares fit of a·sin + b·cos + c at a known frequency over samples [start, end).
 * Solves the 3×3 normal equations directly.
 */
export function fitSine(samples: ArrayLike<number>, rate: number, hz: number, startIndex: number, endIndex: number): SineFit {
  const start = Math.round(startIndex);
  const end = Math.round(endIndex);
  const w = (2 * Math.PI * hz) / rate;
  let ss = 0, sc = 0, s1 = 0, cc = 0, c1 = 0, n = 0, ys = 0, yc = 0, y1 = 0;
  for (let i = start; i < end; i++) {
    const t = i - start;
    const s = Math.sin(w * t);
    const c = Math.cos(w * t);
    const y = samples[i] ?? 0;
    ss += s * s; sc += s * c; s1 += s; cc += c * c; c1 += c; n += 1;
    ys += y * s; yc += y * c; y1 += y;
  }
  // Solve [[ss,sc,s1],[sc,cc,c1],[s1,c1,n]]·[a,b,d] = [ys,yc,y1] by Cramer's rule.
  const det3 = (m: number[]): number =>
    (m[0]! * (m[4]! * m[8]! - m[5]! * m[7]!)) - (m[1]! * (m[3]! * m[8]! - m[5]! * m[6]!)) + (m[2]! * (m[3]! * m[7]! - m[4]! * m[6]!));
  const det = det3([ss, sc, s1, sc, cc, c1, s1, c1, n]);
  const a = det3([ys, sc, s1, yc, cc, c1, y1, c1, n]) / det;
  const b = det3([ss, ys, s1, sc, yc, c1, s1, y1, n]) / det;
  const d = det3([ss, sc, ys, sc, cc, yc, s1, c1, y1]) / det;
  let residual = 0;
  for (let i = start; i < end; i++) {
    const t = i - start;
    const e = (samples[i] ?? 0) - (a * Math.sin(w * t) + b * Math.cos(w * t) + d);
    residual += e * e;
  }
  return { amplitude: Math.hypot(a, b), phase: Math.atan2(b, a), residualPower: residual / n };
}

/** SINAD in dB: fitted sine power over everything else, skipping `skipSamples` at both edges. */
export function sinadDb(samples: ArrayLike<number>, rate: number, hz: number, skipSamples: number): number {
  const fit = fitSine(samples, rate, hz, skipSamples, samples.length - skipSamples);
  return 10 * Math.log10((fit.amplitude * fit.amplitude) / 2 / fit.residualPower);
}

/** Fitted amplitude of a tone at `hz`, skipping `skipSamples` at both edges. */
export function toneAmplitude(samples: ArrayLike<number>, rate: number, hz: number, skipSamples: number): number {
  return fitSine(samples, rate, hz, skipSamples, samples.length - skipSamples).amplitude;
}

/** RMS of samples [start, end). */
export function rmsOf(samples: ArrayLike<number>, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += (samples[i] ?? 0) ** 2;
  return Math.sqrt(sum / Math.max(1, end - start));
}

/** A sine as float samples (no quantisation), for measuring a resampler without the input's own rounding noise. */
export function sineFloat(rate: number, samples: number, hz: number, amplitude: number, phase = 0): Float64Array {
  const out = new Float64Array(samples);
  for (let i = 0; i < samples; i++) out[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / rate + phase);
  return out;
}

/** Rounds float samples to PCM16 little-endian bytes (clamped). */
export function floatToPcm16Buffer(samples: ArrayLike<number>): Buffer {
  const out = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) {
    out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i] ?? 0))), i * 2);
  }
  return out;
}

/** PCM16 little-endian bytes to numbers. */
export function pcm16BufferToArray(data: Buffer): Int16Array {
  const out = new Int16Array(data.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = data.readInt16LE(i * 2);
  return out;
}

/**
 * Delay in output samples of a resampled tone relative to the input, from the fitted phases.
 * Input phase is known (0 at sample 0 of the input); the output's phase at its sample `start`
 * gives the time offset modulo the tone period (use a low tone so the period exceeds the delay).
 */
export function toneDelaySeconds(output: ArrayLike<number>, outRate: number, hz: number, start: number, end: number): number {
  const fit = fitSine(output, outRate, hz, start, end);
  // output[i] ≈ A·sin(w·(i/outRate − delay)); at i = start the phase is w·(start/outRate − delay).
  const expectedPhaseNoDelay = 2 * Math.PI * hz * (start / outRate);
  let diff = expectedPhaseNoDelay - fit.phase;
  const period = 2 * Math.PI;
  diff = ((diff % period) + period) % period;
  return diff / (2 * Math.PI * hz);
}
