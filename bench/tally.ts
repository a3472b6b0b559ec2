/** What the sessions of one stream in one generator process count together: latency, lag, order, errors. */
import { newHistogram, record, type Histogram } from './stats.js';

/** Counters and histograms shared by all sessions of one stream in one generator process. */
export interface StreamTally {
  readonly latency: Histogram;
  readonly lag: Histogram;
  /** Per second of the measured window: latency sum and count (for drift). */
  readonly secondSums: number[];
  readonly secondCounts: number[];
  readonly frameSizes: Map<number, number>;
  readonly firstFrameSizes: Map<number, number>;
  readonly events: Map<string, number>;
  readonly errors: string[];
  /** [ms since the window opened, latency ms] of frames slower than SLOW_FRAME_MS: stalls of one process hit many sessions at once. */
  readonly slowFrames: [number, number][];
  unmarked: number;
  extra: number;
  duplicates: number;
  reordered: number;
}

const SLOW_FRAME_MS = 10;
const MAX_SLOW_FRAMES = 2000;

/** One frame's latency (sent or due at `fromMs`, arrived at `nowMs`) into the histogram, slow list and per-second means. */
export function recordLatency(tally: StreamTally, fromMs: number, nowMs: number, windowStartMs: number): void {
  const latency = nowMs - fromMs;
  record(tally.latency, latency);
  if (latency > SLOW_FRAME_MS && tally.slowFrames.length < MAX_SLOW_FRAMES) tally.slowFrames.push([Math.round(fromMs - windowStartMs), Math.round(latency * 10) / 10]);
  const second = Math.max(0, Math.floor((fromMs - windowStartMs) / 1000));
  tally.secondSums[second] = (tally.secondSums[second] ?? 0) + latency;
  tally.secondCounts[second] = (tally.secondCounts[second] ?? 0) + 1;
}

export function newTally(): StreamTally {
  return {
    latency: newHistogram(),
    lag: newHistogram(),
    secondSums: [],
    secondCounts: [],
    frameSizes: new Map(),
    firstFrameSizes: new Map(),
    events: new Map(),
    errors: [],
    slowFrames: [],
    unmarked: 0,
    extra: 0,
    duplicates: 0,
    reordered: 0,
  };
}
