/**
 * Memory per session of the proxy, as slopes over two halves of the sessions (so one-off costs cancel), read after
 * forced GCs through the inspector. The scenario supplies the probe (sessions, streams, readings).
 */
import type { ConnectReply } from './generator-protocol.js';

export interface IdleMemory {
  readonly sessions: number;
  readonly opened: number;
  readonly baselineRssKiB: number;
  /** With the first half of the sessions connected. */
  readonly halfRssKiB: number;
  readonly rssKiB: number;
  /** Growth of RSS (live-heap basis, see MemoryReading) from the first half to all, per session of the second half. */
  readonly perSessionKiB: number;
  /** The same in raw VmRSS (moves with V8's free heap pages). */
  readonly rawRssPerSessionKiB: number;
  /** Growth from none to all, per session (includes one-off costs of the first connections). */
  readonly perSessionInclFirstUseKiB: number;
  readonly heapPerSessionKiB: number;
  /** ArrayBuffer backing stores (outside the V8 heap: typed arrays, Buffers) per session, same growth. */
  readonly arrayBuffersPerSessionKiB: number;
  readonly gcForced: boolean;
}

export interface MemoryReading {
  /** VmRSS, KiB. */
  readonly rss: number;
  /**
   * RSS with the V8 heap counted as its live objects instead of its committed pages, KiB: rss − heapTotal +
   * heapUsed. V8 grows and gives back free heap pages on its own schedule (megabytes, seconds after a GC), which
   * swamps a few KiB per session in raw RSS; everything outside the heap (sockets, buffers, malloc) stays counted.
   */
  readonly liveRss: number;
  /** V8 heap in use, bytes. */
  readonly heap: number;
  readonly arrayBuffers: number;
}

export interface StreamingMemory {
  readonly sessions: number;
  readonly halfRssKiB: number;
  readonly fullRssKiB: number;
  /** RSS growth (live-heap basis) from N/2 to N streaming sessions (after GC), per added session. */
  readonly perSessionKiB: number;
  /** The same in raw VmRSS. */
  readonly rawRssPerSessionKiB: number;
  readonly heapPerSessionKiB: number;
  readonly arrayBuffersPerSessionKiB: number;
}

/** What the measurements need from the scenario. */
export interface MemoryProbe {
  connect(sessions: number): Promise<ConnectReply>;
  /** Streams on every connected session for `seconds`. */
  stream(seconds: number): Promise<void>;
  close(): Promise<void>;
  settle(ms: number): Promise<void>;
  /** A reading right after forced GCs. */
  readonly reading: () => Promise<MemoryReading>;
  readonly gcForced: boolean;
}

/** A reading from VmRSS (KiB) and `process.memoryUsage()` (bytes; undefined when the inspector is not there). */
export function toReading(rss: number, usage: NodeJS.MemoryUsage | undefined): MemoryReading {
  const heapTotal = usage?.heapTotal ?? Number.NaN;
  const heapUsed = usage?.heapUsed ?? Number.NaN;
  return { rss, liveRss: rss - (heapTotal - heapUsed) / 1024, heap: heapUsed, arrayBuffers: usage?.arrayBuffers ?? Number.NaN };
}

/**
 * RSS added per connected, silent session. Sessions connect in two halves, with forced GCs before each reading:
 * the per-session figure is the growth from the first half to the second, divided by the second half, so
 * one-off costs of the first connections (code compiled on first use, pools, maps growing) are not charged to
 * sessions. The growth from no session to all of them, divided by all, is kept as well.
 */
export async function idleMemory(probe: MemoryProbe, sessions: number): Promise<IdleMemory> {
  const { reading, gcForced } = probe;
  const base = await reading();
  const firstHalf = Math.floor(sessions / 2);
  const first = await probe.connect(firstHalf);
  await probe.settle(1000);
  const half = await reading();
  const second = await probe.connect(sessions - firstHalf);
  await probe.settle(1000);
  const full = await reading();
  await probe.close();
  await probe.settle(500);
  const secondOpened = Math.max(1, second.opened);
  const opened = first.opened + second.opened;
  return {
    sessions,
    opened,
    baselineRssKiB: base.rss,
    halfRssKiB: half.rss,
    rssKiB: full.rss,
    perSessionKiB: (full.liveRss - half.liveRss) / secondOpened,
    rawRssPerSessionKiB: (full.rss - half.rss) / secondOpened,
    perSessionInclFirstUseKiB: (full.liveRss - base.liveRss) / Math.max(1, opened),
    heapPerSessionKiB: (full.heap - half.heap) / 1024 / secondOpened,
    arrayBuffersPerSessionKiB: (full.arrayBuffers - half.arrayBuffers) / 1024 / secondOpened,
    gcForced,
  };
}

/**
 * Memory per streaming session, as a slope: N/2 sessions stream, GC, read; N/2 more connect and all N stream,
 * GC, read; the growth divided by N/2. Run on a fresh proxy (pages freed by earlier sessions would be reused);
 * the slope leaves out one-off costs, which (during − before) / N would charge to the sessions.
 */
export async function streamingMemory(probe: MemoryProbe, sessions: number): Promise<StreamingMemory> {
  const { reading } = probe;
  const half = Math.max(1, Math.floor(sessions / 2));
  const first = await probe.connect(half);
  await probe.stream(3);
  const a = await reading();
  const second = await probe.connect(sessions - half);
  await probe.stream(3);
  const b = await reading();
  await probe.close();
  await probe.settle(300);
  const added = Math.max(1, second.opened);
  return {
    sessions: first.opened + second.opened,
    halfRssKiB: a.rss,
    fullRssKiB: b.rss,
    perSessionKiB: (b.liveRss - a.liveRss) / added,
    rawRssPerSessionKiB: (b.rss - a.rss) / added,
    heapPerSessionKiB: (b.heap - a.heap) / 1024 / added,
    arrayBuffersPerSessionKiB: (b.arrayBuffers - a.arrayBuffers) / 1024 / added,
  };
}
