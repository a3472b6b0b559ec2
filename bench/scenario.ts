/**
 * One benchmark run on fresh processes: emulator (loopback) + proxy + load generator(s).
 * Order: idle memory (fresh proxy) → streaming memory (new proxy) → warm-up → direct stream → proxied stream
 * (same N) → capacity search.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { availableParallelism, setPriority } from 'node:os';
import { join } from 'node:path';
import type { BenchOptions } from './options.js';
import type { StreamResult } from './generator-protocol.js';
import { Generators } from './generators.js';
import { InspectorSession, inspectorUrl } from './inspector.js';
import { startPerf } from './perf-profile.js';
import type { SessionSpec, Target } from './load-session.js';
import { rssKiB } from './procfs.js';
import { freePort, pinProcess, REPO_ROOT, startService, type Service } from './processes.js';
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
  readonly proxyCpuPct: number | undefined;
  readonly proxySystemCpuPct: number | undefined;
  readonly emulatorCpuPct: number | undefined;
  readonly proxyRssMaxKiB: number | undefined;
  readonly frameSizes: Readonly<Record<string, number>>;
  readonly firstFrameSizes: Readonly<Record<string, number>>;
  readonly events: Readonly<Record<string, number>>;
  readonly errors: readonly string[];
  readonly drainMs: number;
  /** Changes of the proxy's drop/error/session counters (from /metrics) over this stream; proxied path only. */
  readonly proxyCounters: Readonly<Record<string, number>> | undefined;
}

export interface Comparison {
  readonly sessions: number;
  readonly direct: PathSummary;
  readonly proxy: PathSummary;
  readonly added: { readonly p50: number; readonly p99: number; readonly p999: number };
  readonly proxyRssBeforeKiB: number;
  readonly rssPerStreamingSessionKiB: number;
  /** Real-time verdict and, when it fails, why. */
  readonly realTime: boolean;
  readonly failures: readonly string[];
}

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

interface MemoryReading {
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

export interface CapacityResult {
  readonly steps: readonly Comparison[];
  /** Largest N that stayed real-time (0 if none). */
  readonly maxRealTimeSessions: number;
  /** Why the search stopped: the first failing step's reasons, or 'all steps passed'. */
  readonly stoppedBecause: string;
}

export interface RunResult {
  readonly run: number;
  readonly frameMs: number;
  readonly startedAt: string;
  readonly loadavgBefore: string;
  readonly idle: IdleMemory | undefined;
  readonly main: Comparison;
  readonly streamingMemory: StreamingMemory | undefined;
  readonly capacity: CapacityResult | undefined;
  readonly profile: string | undefined;
  readonly perf: string | undefined;
}

const MODEL = 'gpt-realtime';

/** Counters of /metrics that explain lost frames: drops by reason, errors by code, sessions by outcome. */
const COUNTER_PATTERN = /^audio_proxy_(audio_dropped_bytes_total|errors_total|sessions_total|upgrades_rejected_total)(\{[^}]*\})?\s+(\S+)$/;

async function proxyCounters(port: number): Promise<Record<string, number>> {
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

function counterDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) {
    const change = value - (before[key] ?? 0);
    if (change !== 0) delta[key] = change;
  }
  return delta;
}

function summarizePath(result: StreamResult, connectFailed: number, counters: Record<string, number> | undefined): PathSummary {
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
    otherLoadPct: Math.max(0, result.machineBusyPct - result.generatorCpuPct - (result.proxyCpuPct ?? 0) - (result.emulatorCpuPct ?? 0)),
    proxyCpuPct: result.proxyCpuPct,
    proxySystemCpuPct: result.proxySystemCpuPct,
    emulatorCpuPct: result.emulatorCpuPct,
    proxyRssMaxKiB: result.proxyRssMaxKiB,
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

function pathFailures(path: PathSummary, label: string): string[] {
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

export class Scenario {
  private emulator: Service | undefined;
  private proxy: Service | undefined;
  private generators: Generators | undefined;
  private inspector: InspectorSession | undefined;
  private profilePath: string | undefined;
  /** `--perf` summary of the main proxied stream. */
  perfSummary: string | undefined;
  private readonly apiKey = `sk-bench-${randomUUID()}`;

  constructor(
    private readonly options: BenchOptions,
    private readonly run: number,
    private readonly resultsDir: string,
  ) {}

  async start(): Promise<void> {
    const emulatorPort = await freePort();
    this.emulator = await startService('emulator', 'src/emulator/main.ts', emulatorPort, {
      EMULATOR_LOOPBACK: '1',
      EMULATOR_PORT: String(emulatorPort),
      EMULATOR_HOST: '127.0.0.1',
      EMULATOR_API_KEY: this.apiKey,
      LOG_LEVEL: 'warn',
    });
    await this.startProxy();
    this.generators = new Generators(this.options.generators);
    const proxy = this.required(this.proxy);
    process.stderr.write(`  pids: emulator ${this.emulator.pid}, proxy ${proxy.pid}, generators ${this.generators.pids.join(' ')}\n`);
    if (this.options.nice !== undefined) {
      for (const pid of [this.emulator.pid, ...this.generators.pids]) setPriority(pid, this.options.nice);
    }
    if (this.options.pin) {
      const cpus = availableParallelism();
      const others = cpus > 1 ? `0-${cpus - 2}` : '0';
      for (const pid of [this.emulator.pid, ...this.generators.pids]) pinProcess(pid, others);
    }
  }

  /** A new proxy process (same emulator): memory measurements must not reuse pages an earlier phase left resident. */
  async restartProxy(): Promise<void> {
    this.inspector?.close();
    this.inspector = undefined;
    await this.proxy?.stop();
    await this.startProxy();
  }

  private async startProxy(): Promise<void> {
    const emulatorPort = this.required(this.emulator).port;
    const proxyPort = await freePort();
    const nodeArgs = ['--inspect=127.0.0.1:0', ...(this.options.perf ? ['--perf-basic-prof'] : []), ...this.options.proxyNodeArgs];
    if (this.options.profile) {
      const dir = join(this.resultsDir, 'profiles');
      mkdirSync(dir, { recursive: true });
      const name = `proxy-run${this.run}-${Date.now()}.cpuprofile`;
      this.profilePath = join(dir, name);
      nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}`);
    }
    this.proxy = await startService(
      'proxy',
      'src/main.ts',
      proxyPort,
      {
        UPSTREAM: 'openai',
        OPENAI_API_KEY: this.apiKey,
        OPENAI_REALTIME_URL: `ws://127.0.0.1:${emulatorPort}/v1/realtime`,
        OPENAI_MODEL: MODEL,
        PORT: String(proxyPort),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        MAX_CONNECTIONS: '100000',
        MAX_CONNECTIONS_PER_IP: '100000',
        SHUTDOWN_GRACE_MS: '0',
        SAVE_AUDIO: 'off',
        PROXY_AUTH_TOKEN: '',
        PROXY_AUTH_SECRET: '',
        IDLE_TIMEOUT_SECONDS: '3600',
      },
      nodeArgs,
      this.options.proxyDir ?? REPO_ROOT,
    );
    if (this.options.nice !== undefined) setPriority(this.proxy.pid, this.options.nice);
    // The proxy's helper threads (V8 GC, libuv) start lazily; pin again once it listens so they are covered too.
    if (this.options.pin && !pinProcess(this.proxy.pid, String(availableParallelism() - 1))) process.stderr.write('bench: taskset failed; not pinned\n');
    const url = inspectorUrl(this.proxy.output());
    if (url !== undefined) this.inspector = await InspectorSession.open(url).catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.inspector?.close();
    await this.generators?.exit();
    await this.proxy?.stop();
    await this.emulator?.stop();
    // Anything the servers logged (warn and above, or --trace-gc lines) is worth seeing.
    for (const service of [this.proxy, this.emulator]) {
      const output = service?.output().replace(/Debugger (listening|ending) on .*\n?|For help, see: .*\n?|Debugger attached.\n?|Waiting for the debugger to disconnect...\n?/g, '').trim();
      if (service !== undefined && output) process.stderr.write(`  ${service.name} output (last lines):\n${output.split('\n').slice(-40).join('\n')}\n`);
    }
  }

  get profile(): string | undefined {
    return this.profilePath;
  }

  private spec(target: Target): SessionSpec {
    const emulator = this.required(this.emulator);
    const proxy = this.required(this.proxy);
    return target === 'direct'
      ? {
          target,
          url: `ws://127.0.0.1:${emulator.port}/v1/realtime?model=${MODEL}`,
          headers: { Authorization: `Bearer ${this.apiKey}` },
          rate: 24000,
          frameMs: this.options.frameMs,
        }
      : {
          target,
          url: `ws://127.0.0.1:${proxy.port}/?inputFormat=pcm16&inputRate=${this.options.rate}&outputRate=${this.options.rate}`,
          headers: {},
          rate: this.options.rate,
          frameMs: this.options.frameMs,
        };
  }

  private required<T>(value: T | undefined): T {
    if (value === undefined) throw new Error('scenario not started');
    return value;
  }

  private async settle(ms: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, this.options.quick ? ms / 4 : ms));
  }

  private async gc(): Promise<boolean> {
    if (this.inspector === undefined) return false;
    await this.inspector.collectGarbage();
    return true;
  }

  /** Connects `sessions` on `target`, streams, closes; returns the summary. */
  async stream(target: Target, sessions: number, durationS: number): Promise<PathSummary> {
    const generators = this.required(this.generators);
    const proxyPort = this.required(this.proxy).port;
    const countersBefore = target === 'proxy' ? await proxyCounters(proxyPort) : undefined;
    const connected = await generators.connect(this.spec(target), sessions, this.options.stagger);
    if (connected.errors.length > 0) process.stderr.write(`bench: ${target}: ${connected.failed} connects failed: ${connected.errors.slice(0, 3).join('; ')}\n`);
    const result = await generators.stream({
      durationS,
      warmupS: this.options.warmupS,
      startAtEpochMs: Date.now() + 200,
      drainMs: 3000,
      sample: {
        ...(target === 'proxy' ? { proxy: this.required(this.proxy).pid } : {}),
        emulator: this.required(this.emulator).pid,
      },
    });
    const counters = countersBefore === undefined ? undefined : counterDelta(countersBefore, await proxyCounters(proxyPort));
    await generators.close();
    // Let both servers finish closing those sessions before the next measurement.
    await this.settle(300);
    return summarizePath(result, connected.failed, counters);
  }

  /** Streams the same N directly and through the proxy, and compares; `perf` records the proxied stream. */
  async compare(sessions: number, durationS: number, perf = false): Promise<Comparison> {
    const direct = await this.stream('direct', sessions, durationS);
    await this.gc();
    const proxyPid = this.required(this.proxy).pid;
    const proxyRssBeforeKiB = rssKiB(proxyPid);
    const recording = perf ? startPerf(proxyPid, join(this.resultsDir, `perf-run${this.run}-${Date.now()}.data`)) : undefined;
    const proxy = await this.stream('proxy', sessions, durationS);
    if (recording) {
      this.perfSummary = (await recording.stop()) ?? 'perf record failed (is perf installed and permitted?)';
      rmSync(`/tmp/perf-${proxyPid}.map`, { force: true });
    }
    const added = {
      p50: proxy.latency.p50 - direct.latency.p50,
      p99: proxy.latency.p99 - direct.latency.p99,
      p999: proxy.latency.p999 - direct.latency.p999,
    };
    const failures = [...pathFailures(direct, 'direct'), ...pathFailures(proxy, 'proxy')];
    if (!(added.p99 <= CAPACITY_P99_ADDED_MS)) failures.push(`proxy: p99 added ${added.p99.toFixed(2)} ms > ${CAPACITY_P99_ADDED_MS} ms`);
    return {
      sessions,
      direct,
      proxy,
      added,
      proxyRssBeforeKiB,
      rssPerStreamingSessionKiB: ((proxy.proxyRssMaxKiB ?? Number.NaN) - proxyRssBeforeKiB) / Math.max(1, proxy.sessions),
      realTime: failures.length === 0,
      failures,
    };
  }

  /** Short unmeasured streams on both paths so JIT and buffer pools are warm before anything is measured. */
  async warmUp(): Promise<void> {
    const sessions = Math.min(20, this.options.sessions);
    const seconds = this.options.quick ? 1 : 2;
    await this.stream('direct', sessions, seconds);
    await this.stream('proxy', sessions, seconds);
  }

  /**
   * RSS added per connected, silent session. Sessions connect in two halves, with forced GCs before each reading:
   * the per-session figure is the growth from the first half to the second, divided by the second half, so
   * one-off costs of the first connections (code compiled on first use, pools, maps growing) are not charged to
   * sessions. The growth from no session to all of them, divided by all, is kept as well.
   */
  async idleMemory(sessions: number): Promise<IdleMemory> {
    const generators = this.required(this.generators);
    const pid = this.required(this.proxy).pid;
    const reading = (): Promise<MemoryReading> => this.memoryReading(pid);
    const gcForced = this.inspector !== undefined;
    const base = await reading();
    const firstHalf = Math.floor(sessions / 2);
    const first = await generators.connect(this.spec('proxy'), firstHalf, this.options.stagger);
    await this.settle(1000);
    const half = await reading();
    const second = await generators.connect(this.spec('proxy'), sessions - firstHalf, this.options.stagger);
    await this.settle(1000);
    const full = await reading();
    await generators.close();
    await this.settle(500);
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
  async streamingMemory(sessions: number): Promise<StreamingMemory> {
    const generators = this.required(this.generators);
    const pid = this.required(this.proxy).pid;
    const reading = (): Promise<MemoryReading> => this.memoryReading(pid);
    const half = Math.max(1, Math.floor(sessions / 2));
    const streamFor = async (): Promise<void> => {
      await generators.stream({ durationS: 3, warmupS: 0, startAtEpochMs: Date.now() + 200, drainMs: 3000, sample: {} });
    };
    const first = await generators.connect(this.spec('proxy'), half, this.options.stagger);
    await streamFor();
    const a = await reading();
    const second = await generators.connect(this.spec('proxy'), sessions - half, this.options.stagger);
    await streamFor();
    const b = await reading();
    await generators.close();
    await this.settle(300);
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

  /**
   * RSS, V8 heap and ArrayBuffer memory right after GC (GC, wait 1 s, GC, read). Read at once: seconds later the
   * process hands megabytes back to the OS on its own schedule, which would land in one reading and not another.
   */
  private async memoryReading(pid: number): Promise<MemoryReading> {
    await this.gc();
    await this.settle(1000);
    await this.gc();
    const usage = await this.inspector?.memoryUsage();
    const rss = rssKiB(pid);
    const heapTotal = usage?.heapTotal ?? Number.NaN;
    const heapUsed = usage?.heapUsed ?? Number.NaN;
    return { rss, liveRss: rss - (heapTotal - heapUsed) / 1024, heap: heapUsed, arrayBuffers: usage?.arrayBuffers ?? Number.NaN };
  }

  /** Steps N up until a step is not real-time. */
  async capacity(log: (line: string) => void): Promise<CapacityResult> {
    const steps: Comparison[] = [];
    let maxRealTimeSessions = 0;
    let stoppedBecause = 'all steps passed';
    for (const sessions of this.options.capacitySteps) {
      let step = await this.compare(sessions, this.options.capacityDurationS);
      // On a shared machine one burst of other load can fail a step: a failed step gets one retry, and both
      // attempts are kept in the JSON.
      if (!step.realTime) {
        log(`  capacity N=${sessions}: not real-time (${step.failures.join('; ')}); retrying once`);
        steps.push(step);
        step = await this.compare(sessions, this.options.capacityDurationS);
      }
      steps.push(step);
      log(
        `  capacity N=${sessions}: p99 direct ${step.direct.latency.p99.toFixed(2)} proxy ${step.proxy.latency.p99.toFixed(2)} added ${step.added.p99.toFixed(2)} ms, ` +
          `lost ${step.proxy.lost}, proxy CPU ${(step.proxy.proxyCpuPct ?? Number.NaN).toFixed(0)}%, gen lag p99 ${step.proxy.lag.p99.toFixed(1)} ms → ${step.realTime ? 'real-time' : 'NOT real-time'}` +
          (step.proxy.proxyCounters && Object.keys(step.proxy.proxyCounters).length > 0 ? ` ${JSON.stringify(step.proxy.proxyCounters)}` : ''),
      );
      if (!step.realTime) {
        stoppedBecause = `N=${sessions}: ${step.failures.join('; ')}`;
        break;
      }
      maxRealTimeSessions = sessions;
    }
    return { steps, maxRealTimeSessions, stoppedBecause };
  }
}

export { REPO_ROOT };
