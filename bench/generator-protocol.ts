/** Messages between the bench orchestrator and its load-generator processes (IPC, structured clone). */
import type { SessionSpec, Target } from './load-session.js';
import type { Histogram } from './stats.js';

export interface ConnectRequest {
  readonly type: 'connect';
  readonly spec: SessionSpec;
  /** Sessions this generator opens. */
  readonly count: number;
  /** Index of this generator's first session among all generators' (for the phase offsets). */
  readonly firstIndex: number;
  readonly totalSessions: number;
  readonly stagger: boolean;
  /** Connections opened at once. */
  readonly concurrency: number;
  readonly readyTimeoutMs: number;
}

export interface StreamRequest {
  readonly type: 'stream';
  readonly durationS: number;
  readonly warmupS: number;
  /** Wall-clock (epoch ms) when frame 0 of the phase-0 session is due: aligns several generators. */
  readonly startAtEpochMs: number;
  readonly drainMs: number;
  /**
   * Processes whose CPU this generator samples over its measured window: `middle` is the process between the
   * sessions and the emulator (the proxy or the bare relay; its RSS is sampled too).
   */
  readonly sample: { readonly middle?: number; readonly emulator?: number };
}

export type Request = ConnectRequest | StreamRequest | { readonly type: 'close' } | { readonly type: 'exit' };

export interface ConnectReply {
  readonly type: 'connected';
  readonly opened: number;
  readonly failed: number;
  readonly connectMs: number;
  readonly errors: readonly string[];
}

export interface StreamResult {
  readonly target: Target;
  readonly sessions: number;
  readonly framesPerSession: number;
  readonly framesSent: number;
  readonly framesReceived: number;
  readonly lost: number;
  readonly reordered: number;
  readonly duplicates: number;
  /** Echoed frames without a readable marker (exact paths only: corruption). */
  readonly unmarked: number;
  /** More frames back than sent (count-matched path: the one-in/one-out rule broke). */
  readonly extra: number;
  readonly exactMatching: boolean;
  readonly latency: Histogram;
  /** Generator lag: actual send time − scheduled time. */
  readonly lag: Histogram;
  /** [ms since the window opened, latency ms] of frames slower than 10 ms (first 2000). */
  readonly slowFrames: readonly (readonly [number, number])[];
  readonly secondSums: readonly number[];
  readonly secondCounts: readonly number[];
  readonly windowMs: number;
  readonly generatorCpuPct: number;
  /** The whole machine's busy CPU over the window, in % of one core (all processes, ours included). */
  readonly machineBusyPct: number;
  /** Hypervisor steal over the window, in % of one core (included in machineBusyPct). */
  readonly stealPct: number;
  /** CPU of the proxy or relay (`sample.middle`), % of one core. */
  readonly middleCpuPct?: number;
  /** The kernel part of middleCpuPct (socket reads and writes, mostly). */
  readonly middleSystemCpuPct?: number;
  readonly emulatorCpuPct?: number;
  readonly middleRssMaxKiB?: number;
  readonly middleRssEndKiB?: number;
  readonly frameSizes: Readonly<Record<string, number>>;
  readonly firstFrameSizes: Readonly<Record<string, number>>;
  readonly events: Readonly<Record<string, number>>;
  readonly errors: readonly string[];
  readonly closedEarly: number;
  readonly drainMs: number;
}

export type Reply = ConnectReply | { readonly type: 'streamed'; readonly result: StreamResult } | { readonly type: 'closed' } | { readonly type: 'failed'; readonly message: string };
