/**
 * What the report judges against (issue 14's targets, on one pinned core). A pass-through client (24 kHz) is held
 * to the bare relay's cost and capacity; a transcoding client (any other rate: both resamplers run) gets a looser
 * CPU ratio and an absolute session count. A `--quick` smoke run is not judged: its sizes are not the targets'.
 */
import type { BenchOptions } from './options.js';

export interface Targets {
  readonly judged: boolean;
  readonly name: string;
  readonly addedP50Ms: number;
  readonly addedP99Ms: number;
  /** Proxy CPU per frame ÷ the bare relay's, at most. */
  readonly cpuRatio: number;
  /** Proxy's largest real-time N ÷ the relay's, at least (pass-through). */
  readonly minNRatio: number | undefined;
  /** Proxy's largest real-time N, at least (transcoding). */
  readonly minSessions: number | undefined;
  readonly resamplerUs: number;
  /** Memory per session no worse than before this work (docs/performance.md). */
  readonly idleKiB: number;
  readonly streamingKiB: number;
}

const UPSTREAM_RATE = 24000;

export function targetsFor(options: BenchOptions): Targets {
  const passThrough = options.rate === UPSTREAM_RATE;
  return {
    judged: !options.quick,
    name: passThrough ? 'pass-through client (24 kHz)' : 'transcoding client (both resamplers)',
    addedP50Ms: 0.5,
    addedP99Ms: 3,
    cpuRatio: passThrough ? 1.2 : 1.5,
    minNRatio: passThrough ? 0.9 : undefined,
    minSessions: passThrough ? undefined : 200,
    resamplerUs: 5,
    idleKiB: 22,
    streamingKiB: 36,
  };
}
