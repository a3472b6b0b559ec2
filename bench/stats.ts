/** Latency histograms (mergeable across generator processes), percentiles, and medians across runs. */

/** Histogram bin width (µs) and range: 10 µs bins up to 2 s; slower samples land in the last bin. */
export const BIN_US = 10;
export const BINS = 200_000;

export interface Histogram {
  readonly bins: Uint32Array;
  count: number;
  sumMs: number;
  maxMs: number;
}

export function newHistogram(): Histogram {
  return { bins: new Uint32Array(BINS), count: 0, sumMs: 0, maxMs: 0 };
}

export function record(histogram: Histogram, ms: number): void {
  const bin = Math.min(BINS - 1, Math.max(0, Math.floor((ms * 1000) / BIN_US)));
  histogram.bins[bin] = (histogram.bins[bin] as number) + 1;
  histogram.count += 1;
  histogram.sumMs += ms;
  if (ms > histogram.maxMs) histogram.maxMs = ms;
}

export function merge(into: Histogram, from: Histogram): void {
  for (let i = 0; i < BINS; i++) into.bins[i] = (into.bins[i] as number) + (from.bins[i] as number);
  into.count += from.count;
  into.sumMs += from.sumMs;
  into.maxMs = Math.max(into.maxMs, from.maxMs);
}

/** The q-quantile (0..1) in ms: the centre of the bin holding the ceil(q·count)-th sample. */
export function quantile(histogram: Histogram, q: number): number {
  if (histogram.count === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(q * histogram.count));
  let seen = 0;
  for (let i = 0; i < BINS; i++) {
    seen += histogram.bins[i] as number;
    if (seen >= rank) return Math.min(((i + 0.5) * BIN_US) / 1000, histogram.maxMs);
  }
  return histogram.maxMs;
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly mean: number;
  readonly max: number;
}

export function summarize(histogram: Histogram): LatencySummary {
  return {
    count: histogram.count,
    p50: quantile(histogram, 0.5),
    p99: quantile(histogram, 0.99),
    p999: quantile(histogram, 0.999),
    mean: histogram.count > 0 ? histogram.sumMs / histogram.count : Number.NaN,
    max: histogram.maxMs,
  };
}

/** Exact quantile of a small sample (sorted copy). */
export function sampleQuantile(values: readonly number[], q: number): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(q * finite.length));
  return finite[rank - 1] as number;
}

/** Median of the finite values (mean of the middle two for an even count), NaN if none. */
export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 === 1 ? (finite[mid] as number) : ((finite[mid - 1] as number) + (finite[mid] as number)) / 2;
}
