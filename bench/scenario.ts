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
import { Generators } from './generators.js';
import { InspectorSession, inspectorUrl } from './inspector.js';
import { startPerf } from './perf-profile.js';
import type { SessionSpec, Target } from './load-session.js';
import { rssKiB } from './procfs.js';
import { freePort, pinProcess, REPO_ROOT, startService, type Service } from './processes.js';
import {
  CAPACITY_P99_ADDED_MS,
  counterDelta,
  pathFailures,
  proxyCounters,
  summarizePath,
  type Comparison,
  type PathSummary,
} from './path-summary.js';

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
