/** Test signals: tones, silence and noise as PCM16, and measures to compare audio. */

/** A sine tone as Int16 samples. */
export function toneSamples(options: { rate: number; ms: number; hz: number; dbfs?: number; phase?: number }): Int16Array {
  const count = Math.round((options.rate * options.ms) / 1000);
  const amplitude = 32767 * 10 ** ((options.dbfs ?? -6) / 20);
  const out = new Int16Array(count);
  for (let i = 0; i < count; i++) {
    out[i] = Math.round(amplitude * Math.sin(2 * Math.PI * options.hz * (i / options.rate) + (options.phase ?? 0)));
  }
  return out;
}

/** Silence as Int16 samples. */
export function silenceSamples(rate: number, ms: number): Int16Array {
  return new Int16Array(Math.round((rate * ms) / 1000));
}

/** A deterministic speech-like signal: a few harmonics with a slow amplitude envelope and pitch glide. */
export function speechLikeSamples(rate: number, ms: number, seed = 1): Int16Array {
  const count = Math.round((rate * ms) / 1000);
  const out = new Int16Array(count);
  let phase = 0;
  for (let i = 0; i < count; i++) {
    const t = i / rate;
    const pitch = 140 + 40 * Math.sin(2 * Math.PI * 1.3 * t + seed);
    phase += (2 * Math.PI * pitch) / rate;
    const envelope = 0.55 + 0.45 * Math.sin(2 * Math.PI * 3.1 * t + seed * 0.7);
    const value = Math.sin(phase) + 0.5 * Math.sin(2 * phase) + 0.3 * Math.sin(3 * phase + 0.4) + 0.15 * Math.sin(5 * phase);
    out[i] = Math.round(9000 * envelope * value);
  }
  return out;
}

/** Concatenates sample arrays. */
export function concatSamples(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Int16 samples to a little-endian byte Buffer (copy). */
export function samplesToBuffer(samples: Int16Array): Buffer {
  const out = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i] ?? 0, i * 2);
  return out;
}

/** Little-endian bytes to Int16 samples (copy; ignores a trailing odd byte). */
export function bufferToSamples(data: Buffer): Int16Array {
  const out = new Int16Array(data.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = data.readInt16LE(i * 2);
  return out;
}

/** Splits bytes into frames of `frameBytes` (the last one may be shorter). */
export function chunkBuffer(data: Buffer, frameBytes: number): Buffer[] {
  const frames: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += frameBytes) frames.push(data.subarray(offset, offset + frameBytes));
  return frames;
}

/**
 * Best normalised cross-correlation of `b` against `a` over lags in [-maxLag, maxLag].
 * Returns the correlation (−1..1) and the lag (samples `b` is late by) where it peaks.
 */
export function bestCorrelation(a: Int16Array, b: Int16Array, maxLag: number): { correlation: number; lag: number } {
  let best = { correlation: -1, lag: 0 };
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let dot = 0;
    let energyA = 0;
    let energyB = 0;
    for (let i = 0; i < a.length; i++) {
      const j = i + lag;
      if (j < 0 || j >= b.length) continue;
      const x = a[i] ?? 0;
      const y = b[j] ?? 0;
      dot += x * y;
      energyA += x * x;
      energyB += y * y;
    }
    if (energyA === 0 || energyB === 0) continue;
    const correlation = dot / Math.sqrt(energyA * energyB);
    if (correlation > best.correlation) best = { correlation, lag };
  }
  return best;
}

/** Root-mean-square level of samples. */
export function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return samples.length === 0 ? 0 : Math.sqrt(sum / samples.length);
}
