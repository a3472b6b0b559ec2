/**
 * One stream's figures as the report uses them (PathSummary), the direct-vs-proxied comparison, and the real-time
 * verdict; plus the proxy's own drop/error counters read from /metrics around a stream.
 */
import type { StreamResult } from './generator-protocol.js';
import type { Target } from './load-session.js';
import { summarize, type LatencySummary } from './stats.js';
/** Added p99 allowed for a capacity step to count as real-time (ms). */
export const CAPACITY_P99_ADDED_MS = 10;
/** Generator lag p99 above which frames were not sent on schedule (ms). */
export const MAX_LAG_P99_MS = 10;
/** Mean latency of the last measured second minus the first above which the echo is falling behind (ms). */
export const MAX_DRIFT_MS = 10;

export interface PathSummary {
  readonly target: Target;
  readonly sessions: number;
  readonly connectFailed: number;
  readonly latency: LatencySummary;
  readonly framesSent: number;
  readonly lost: number;
  readonly reordered: number;
  readonly duplicates: number;
  readonly unmarked: number;
  readonly extra: number;
  readonly exactMatching: boolean;
  readonly closedEarly: number;
  readonly lag: LatencySummary;
  readonly driftMs: number;
  /** Mean latency per second of the measured window (by send time). */
  readonly secondMeansMs: readonly number[];
  /** Slow frames grouped into episodes (frames > 10 ms within 50 ms of each other): [start ms, frames, worst ms]. */
  readonly slowEpisodes: readonly (readonly [number, number, number])[];
  readonly generatorCpuPct: number;
  readonly machineBusyPct: number;
  /** Hypervisor steal in % of one core (part of the other load). */
  readonly stealPct: number;
  /** Machine busy time not spent in the bench's own processes (% of one core): the other load. */
  readonly otherLoadPct: number;
  /** The proxy's or relay's CPU (% of one core; undefined on the direct path), and its kernel part. */
  readonly middleCpuPct: number | undefined;
  readonly middleSystemCpuPct: number | undefined;
  readonly emulatorCpuPct: number | undefined;
  readonly middleRssMaxKiB: number | undefined;
  readonly frameSizes: Readonly<Record<string, number>>;
  readonly firstFrameSizes: Readonly<Record<string, number>>;
  readonly events: Readonly<Record<string, number>>;
  readonly errors: readonly string[];
  readonly drainMs: number;
  /** Changes of the proxy's drop/error/session counters (from /metrics) over this stream; proxy path only. */
  readonly proxyCounters: Readonly<Record<string, number>> | undefined;
}

/** The paths with a process between the sessions and the emulator. */
export type Middle = 'relay' | 'proxy';
export const MIDDLES: readonly Middle[] = ['relay', 'proxy'];

/** `echo`: every frame answered by one delta; `conversation`: frames in, bursts of reply deltas out. */
export type Load = 'echo' | 'conversation';

/** One middle path of a comparison: its stream, what it adds to the direct path of the same N, and the verdict. */
export interface MiddleResult {
  readonly path: PathSummary;
  readonly added: { readonly p50: number; readonly p99: number; readonly p999: number };
  /** Real-time verdict and, when it fails, why (the direct path's own problems included). */
  readonly realTime: boolean;
  readonly failures: readonly string[];
}

export interface Comparison {
  readonly sessions: number;
  readonly load: Load;
  readonly direct: PathSummary;
  readonly relay: MiddleResult | undefined;
  readonly proxy: MiddleResult | undefined;
}

/** A middle path against the direct path of the same N: added latency and the real-time verdict. */
export function judge(direct: PathSummary, path: PathSummary, label: Middle): MiddleResult {
  const added = {
    p50: path.latency.p50 - direct.latency.p50,
    p99: path.latency.p99 - direct.latency.p99,
    p999: path.latency.p999 - direct.latency.p999,
  };
  const failures = [...pathFailures(direct, 'direct'), ...pathFailures(path, label)];
  if (!(added.p99 <= CAPACITY_P99_ADDED_MS)) failures.push(`${label}: p99 added ${added.p99.toFixed(2)} ms > ${CAPACITY_P99_ADDED_MS} ms`);
  return { path, added, realTime: failures.length === 0, failures };
}

/** Counters of /metrics that explain lost frames: drops by reason, errors by code, sessions by outcome. */
const COUNTER_PATTERN = /^audio_proxy_(audio_dropped_bytes_total|errors_total|sessions_total|upgrades_rejected_total)(\{[^}]*\})?\s+(\S+)$/;

export async function proxyCounters(port: number): Promise<Record<string, number>> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    const text = await response.text();
    const counters: Record<string, number> = {};
    for (const line of text.split('\n')) {
      const match = COUNTER_PATTERN.exec(line);
      if (match) counters[`${match[1]}${match[2] ?? ''}`] = Number(match[3]);
    }
    return counters;
  } catch {
    return {};
  }
}

export function counterDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) {
    const change = value - (before[key] ?? 0);
    if (change !== 0) delta[key] = change;
  }
  return delta;
}

export function summarizePath(result: StreamResult, connectFailed: number, counters: Record<string, number> | undefined): PathSummary {
  const firstSecond = (result.secondSums[0] ?? 0) / (result.secondCounts[0] || 1);
  const lastIndex = result.secondCounts.length - 1;
  // The last bucket may be a partial second; use the last full one when there are at least two.
  const last = lastIndex >= 2 ? lastIndex - 1 : lastIndex;
  const lastSecond = (result.secondSums[last] ?? 0) / (result.secondCounts[last] || 1);
  return {
    target: result.target,
    sessions: result.sessions,
    connectFailed,
    latency: summarize(result.latency),
    framesSent: result.framesSent,
    lost: result.lost,
    reordered: result.reordered,
    duplicates: result.duplicates,
    unmarked: result.unmarked,
    extra: result.extra,
    exactMatching: result.exactMatching,
    closedEarly: result.closedEarly,
    lag: summarize(result.lag),
    driftMs: lastSecond - firstSecond,
    slowEpisodes: episodes(result.slowFrames),
    secondMeansMs: result.secondCounts.map((count, i) => (count > 0 ? (result.secondSums[i] ?? 0) / count : Number.NaN)),
    generatorCpuPct: result.generatorCpuPct,
    machineBusyPct: result.machineBusyPct,
    stealPct: result.stealPct,
    // Both sides are tick-sampled by the kernel, so small negative differences happen on a quiet machine: clamp.
    otherLoadPct: Math.max(0, result.machineBusyPct - result.generatorCpuPct - (result.middleCpuPct ?? 0) - (result.emulatorCpuPct ?? 0)),
    middleCpuPct: result.middleCpuPct,
    middleSystemCpuPct: result.middleSystemCpuPct,
    emulatorCpuPct: result.emulatorCpuPct,
    middleRssMaxKiB: result.middleRssMaxKiB,
    frameSizes: result.frameSizes,
    firstFrameSizes: result.firstFrameSizes,
    events: result.events,
    errors: result.errors,
    drainMs: result.drainMs,
    proxyCounters: counters,
  };
}

function episodes(slow: readonly (readonly [number, number])[]): [number, number, number][] {
  const sorted = [...slow].sort((a, b) => a[0] - b[0]);
  const out: [number, number, number][] = [];
  for (const [at, latency] of sorted) {
    const last = out.at(-1);
    if (last !== undefined && at - last[0] <= 50 + last[2]) {
      last[1] += 1;
      last[2] = Math.max(last[2], latency);
    } else {
      out.push([at, 1, latency]);
    }
  }
  return out;
}

export function pathFailures(path: PathSummary, label: string): string[] {
  const failures: string[] = [];
  if (path.connectFailed > 0) failures.push(`${label}: ${path.connectFailed} sessions failed to connect`);
  if (path.closedEarly > 0) failures.push(`${label}: ${path.closedEarly} sessions closed early`);
  if (path.lost > 0) failures.push(`${label}: ${path.lost} frames lost`);
  if (path.reordered > 0 || path.duplicates > 0 || path.unmarked > 0 || path.extra > 0) {
    failures.push(`${label}: ${path.reordered} reordered, ${path.duplicates} duplicated, ${path.unmarked} unmarked, ${path.extra} extra frames`);
  }
  if (path.lag.p99 > MAX_LAG_P99_MS) failures.push(`${label}: generator lag p99 ${path.lag.p99.toFixed(1)} ms (frames not sent on schedule)`);
  if (path.driftMs > MAX_DRIFT_MS) failures.push(`${label}: latency grew ${path.driftMs.toFixed(1)} ms over the window`);
  return failures;
}
