/**
 * One benchmark run on fresh processes: one loopback emulator per load, the proxy, the bare relay and the load
 * generator(s). Order: idle memory (fresh proxy) → streaming memory (new proxy) → per load: warm-up → direct,
 * relay and proxy streams (same N) → capacity search.
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
import { idleMemory, streamingMemory, toReading, type IdleMemory, type MemoryProbe, type MemoryReading, type StreamingMemory } from './memory.js';
import { processTree, rssKiB } from './procfs.js';
import { cpuPlan, freePort, pinProcess, REPO_ROOT, startService, type Service } from './processes.js';
import { counterDelta, judge, proxyCounters, summarizePath, type Comparison, type Load, type Middle, type MiddleResult, type PathSummary } from './path-summary.js';

export interface CapacityResult {
  readonly load: Load;
  readonly steps: readonly Comparison[];
  /** Largest N that stayed real-time on each middle path (0 if none; undefined when the path was not run). */
  readonly maxRealTimeSessions: Partial<Record<Middle, number>>;
  /** Why each path's search stopped: the first failing step's reasons, or 'all steps passed'. */
  readonly stoppedBecause: Partial<Record<Middle, string>>;
}

/** One load's streams at the main N and its capacity search. */
export interface LoadResult {
  readonly load: Load;
  readonly main: Comparison;
  /** Proxy RSS before the main proxied stream, and (max during − before) / N: an upper bound per streaming session. */
  readonly proxyRssBeforeKiB: number;
  readonly rssPerStreamingSessionKiB: number;
  readonly capacity: CapacityResult | undefined;
}

export interface RunResult {
  readonly run: number;
  readonly frameMs: number;
  readonly startedAt: string;
  readonly loadavgBefore: string;
  readonly idle: IdleMemory | undefined;
  readonly streamingMemory: StreamingMemory | undefined;
  readonly loads: Partial<Record<Load, LoadResult>>;
  readonly profile: string | undefined;
  /** `--perf` summaries of the main echo streams, per middle path. */
  readonly perf: Partial<Record<Middle, string>>;
}

const MODEL = 'gpt-realtime';

export class Scenario {
  private readonly emulators: Partial<Record<Load, Service>> = {};
  private proxy: Service | undefined;
  private relay: Service | undefined;
  private generators: Generators | undefined;
  private inspector: InspectorSession | undefined;
  private profilePath: string | undefined;
  /** The load the proxy and relay are connected for (each load has its own emulator). */
  private load: Load;
  /** `--perf` summaries of the main echo streams. */
  readonly perfSummaries: Partial<Record<Middle, string>> = {};
  private readonly apiKey = `sk-bench-${randomUUID()}`;

  constructor(
    private readonly options: BenchOptions,
    private readonly run: number,
    private readonly resultsDir: string,
  ) {
    this.load = options.loads[0] ?? 'echo';
  }

  async start(): Promise<void> {
    for (const load of this.options.loads) this.emulators[load] = await this.startEmulator(load);
    await this.startProxy();
    if (this.options.relay) await this.startRelay();
    this.generators = new Generators(this.options.generators);
    const emulatorPids = Object.values(this.emulators).map((service) => service.pid);
    const proxy = this.required(this.proxy);
    process.stderr.write(
      `  pids: emulators ${emulatorPids.join(' ')}, proxy ${proxy.pid}${this.relay ? `, relay ${this.relay.pid}` : ''}, generators ${this.generators.pids.join(' ')}\n`,
    );
    if (this.options.nice !== undefined) {
      for (const pid of [...emulatorPids, ...this.generators.pids]) setPriority(pid, this.options.nice);
    }
    const { others } = this.cpuPlan;
    if (this.options.pin && others !== undefined) {
      for (const pid of [...emulatorPids, ...this.generators.pids]) pinProcess(pid, others);
    }
  }

  /** Echo load: every append answered by one delta. Conversation load: replies to commits (loopback-replies.ts). */
  private async startEmulator(load: Load): Promise<Service> {
    const port = await freePort();
    const { replyMs, deltaMs, pace } = this.options.conversation;
    return startService('emulator', 'src/emulator/main.ts', port, {
      EMULATOR_LOOPBACK: '1',
      ...(load === 'conversation' ? { EMULATOR_LOOPBACK_REPLY_MS: String(replyMs), EMULATOR_REPLY_CHUNK_MS: String(deltaMs), EMULATOR_AUDIO_PACE: String(pace) } : {}),
      EMULATOR_PORT: String(port),
      EMULATOR_HOST: '127.0.0.1',
      EMULATOR_API_KEY: this.apiKey,
      LOG_LEVEL: 'warn',
    });
  }

  /** The proxy and relay of the next streams talk to this load's emulator (both restarted if it changes). */
  async useLoad(load: Load): Promise<void> {
    if (load === this.load) return;
    this.load = load;
    await this.restartProxy();
    if (this.relay !== undefined) {
      await this.relay.stop();
      await this.startRelay();
    }
  }

  /** A new proxy process (same emulator): memory measurements must not reuse pages an earlier phase left resident. */
  async restartProxy(): Promise<void> {
    this.inspector?.close();
    this.inspector = undefined;
    await this.proxy?.stop();
    await this.startProxy();
  }

  /** The bare relay, in the proxy's conditions: pinned to the proxy's CPU, same nice (only one of them is loaded at a time). */
  private async startRelay(): Promise<void> {
    const port = await freePort();
    this.relay = await startService('relay', 'bench/bare-relay.ts', port, {
      RELAY_PORT: String(port),
      RELAY_UPSTREAM: `ws://127.0.0.1:${this.emulator.port}`,
    });
    if (this.options.nice !== undefined) setPriority(this.relay.pid, this.options.nice);
    if (this.options.pin) pinProcess(this.relay.pid, this.cpuPlan.proxy[0] ?? '0');
  }

  private get emulator(): Service {
    return this.required(this.emulators[this.load]);
  }

  private async startProxy(): Promise<void> {
    const emulatorPort = this.emulator.port;
    const proxyPort = await freePort();
    const nodeArgs = ['--inspect=127.0.0.1:0', ...(this.options.perf ? ['--perf-basic-prof'] : []), ...this.options.proxyNodeArgs];
    if (this.options.profile) {
      const dir = join(this.resultsDir, 'profiles');
      mkdirSync(dir, { recursive: true });
      const name = `proxy-run${this.run}-${this.load}-${Date.now()}.cpuprofile`;
      // The profile of the first load's proxy is the one summarised (the later proxy writes its own file too).
      this.profilePath ??= join(dir, name);
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
        WORKERS: String(this.options.workers),
      },
      nodeArgs,
      this.options.proxyDir ?? REPO_ROOT,
    );
    if (this.options.nice !== undefined) setPriority(this.proxy.pid, this.options.nice);
    if (this.options.workers > 1) await untilWorkersServe(this.proxy.port, this.options.workers);
    // The proxy's helper threads (V8 GC, libuv) start lazily; pin again once it listens so they are covered too.
    // A cluster's primary only hands out connections; each worker gets a CPU of its own.
    if (this.options.pin) {
      const { proxy } = this.cpuPlan;
      const [primary, ...workers] = processTree(this.proxy.pid);
      const pinned = workers.length === 0 ? pinProcess(this.proxy.pid, proxy[0] ?? '0') : workers.every((pid, i) => pinProcess(pid, proxy[i % proxy.length] ?? '0'));
      if (primary !== undefined && workers.length > 0) pinProcess(primary, proxy.join(','));
      if (!pinned) process.stderr.write('bench: taskset failed; not pinned\n');
    }
    const url = inspectorUrl(this.proxy.output());
    if (url !== undefined) this.inspector = await InspectorSession.open(url).catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.inspector?.close();
    await this.generators?.exit();
    await this.proxy?.stop();
    await this.relay?.stop();
    for (const emulator of Object.values(this.emulators)) await emulator.stop();
    // Anything the servers logged (warn and above, or --trace-gc lines) is worth seeing.
    for (const service of [this.proxy, this.relay, ...Object.values(this.emulators)]) {
      const output = service?.output().replace(/Debugger (listening|ending) on .*\n?|For help, see: .*\n?|Debugger attached.\n?|Waiting for the debugger to disconnect...\n?/g, '').trim();
      if (service !== undefined && output) process.stderr.write(`  ${service.name} output (last lines):\n${output.split('\n').slice(-40).join('\n')}\n`);
    }
  }

  private get cpuPlan(): ReturnType<typeof cpuPlan> {
    return cpuPlan(availableParallelism(), this.options.workers);
  }

  get profile(): string | undefined {
    return this.profilePath;
  }

  private spec(target: Target): SessionSpec {
    const { turnS, replyMs, deltaMs, pace } = this.options.conversation;
    const conversation =
      this.load === 'conversation' ? { conversation: { turnMs: turnS * 1000, deltas: Math.max(1, Math.round(replyMs / deltaMs)), intervalMs: deltaMs / pace } } : {};
    if (target === 'proxy') {
      const proxy = this.required(this.proxy);
      const rate = this.options.rate;
      return { target, url: `ws://127.0.0.1:${proxy.port}/?inputFormat=pcm16&inputRate=${rate}&outputRate=${rate}`, headers: {}, rate, frameMs: this.options.frameMs, ...conversation };
    }
    const port = target === 'relay' ? this.required(this.relay).port : this.emulator.port;
    return {
      target,
      url: `ws://127.0.0.1:${port}/v1/realtime?model=${MODEL}`,
      headers: { Authorization: `Bearer ${this.apiKey}` },
      rate: 24000,
      frameMs: this.options.frameMs,
      ...conversation,
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

  private middlePid(target: Target): number | undefined {
    if (target === 'proxy') return this.required(this.proxy).pid;
    if (target === 'relay') return this.required(this.relay).pid;
    return undefined;
  }

  /** Connects `sessions` on `target`, streams, closes; returns the summary. */
  async stream(target: Target, sessions: number, durationS: number): Promise<PathSummary> {
    const generators = this.required(this.generators);
    const proxyPort = this.required(this.proxy).port;
    const countersBefore = target === 'proxy' ? await proxyCounters(proxyPort) : undefined;
    const connected = await generators.connect(this.spec(target), sessions, this.options.stagger);
    if (connected.errors.length > 0) process.stderr.write(`bench: ${target}: ${connected.failed} connects failed: ${connected.errors.slice(0, 3).join('; ')}\n`);
    const middle = this.middlePid(target);
    const result = await generators.stream({
      durationS,
      warmupS: this.options.warmupS,
      startAtEpochMs: Date.now() + 200,
      drainMs: 3000,
      sample: { ...(middle === undefined ? {} : { middle }), emulator: this.emulator.pid },
    });
    const counters = countersBefore === undefined ? undefined : counterDelta(countersBefore, await proxyCounters(proxyPort));
    await generators.close();
    // Let both servers finish closing those sessions before the next measurement.
    await this.settle(300);
    return summarizePath(result, connected.failed, counters);
  }

  /** Streams a middle path, under `perf record` when asked (the summary lands in perfSummaries). */
  private async streamMiddle(target: Middle, sessions: number, durationS: number, perf: boolean): Promise<PathSummary> {
    const pid = this.middlePid(target) as number;
    const recording = perf ? startPerf(pid, join(this.resultsDir, `perf-${target}-run${this.run}-${Date.now()}.data`)) : undefined;
    const summary = await this.stream(target, sessions, durationS);
    if (recording) {
      this.perfSummaries[target] = (await recording.stop()) ?? 'perf record failed (is perf installed and permitted?)';
      rmSync(`/tmp/perf-${pid}.map`, { force: true });
    }
    return summary;
  }

  /** Streams the same N directly, through the relay and through the proxy (`paths`), and compares. */
  async compare(sessions: number, durationS: number, options: { perf?: boolean; paths?: readonly Middle[] } = {}): Promise<Comparison> {
    const paths = options.paths ?? this.middles();
    const direct = await this.stream('direct', sessions, durationS);
    const results: Partial<Record<Middle, MiddleResult>> = {};
    for (const target of paths) {
      await this.gc();
      results[target] = judge(direct, await this.streamMiddle(target, sessions, durationS, options.perf === true), target);
    }
    return { sessions, load: this.load, direct, relay: results.relay, proxy: results.proxy };
  }

  private middles(): Middle[] {
    return this.options.relay ? ['relay', 'proxy'] : ['proxy'];
  }

  /** The main streams of the current load; the proxy's RSS growth during its stream as an upper bound per session. */
  async measureLoad(perf: boolean): Promise<Omit<LoadResult, 'capacity'>> {
    await this.gc();
    const pid = this.required(this.proxy).pid;
    const proxyRssBeforeKiB = rssKiB(pid);
    const main = await this.compare(this.options.sessions, this.options.durationS, { perf });
    const rssMax = main.proxy?.path.middleRssMaxKiB ?? Number.NaN;
    return { load: this.load, main, proxyRssBeforeKiB, rssPerStreamingSessionKiB: (rssMax - proxyRssBeforeKiB) / Math.max(1, this.options.sessions) };
  }

  /** Short unmeasured streams on every path so JIT and buffer pools are warm before anything is measured. */
  async warmUp(): Promise<void> {
    const sessions = Math.min(20, this.options.sessions);
    const seconds = this.options.quick ? 1 : 2;
    await this.stream('direct', sessions, seconds);
    for (const target of this.middles()) await this.stream(target, sessions, seconds);
  }

  /** Memory per idle session on the current proxy (see memory.ts). */
  async idleMemory(sessions: number): Promise<IdleMemory> {
    return idleMemory(this.memoryProbe(), sessions);
  }

  /** Memory per streaming session on the current proxy (see memory.ts). */
  async streamingMemory(sessions: number): Promise<StreamingMemory> {
    return streamingMemory(this.memoryProbe(), sessions);
  }

  private memoryProbe(): MemoryProbe {
    const pid = this.required(this.proxy).pid;
    return {
      connect: (count) => this.required(this.generators).connect(this.spec('proxy'), count, this.options.stagger),
      stream: async (seconds) => {
        await this.required(this.generators).stream({ durationS: seconds, warmupS: 0, startAtEpochMs: Date.now() + 200, drainMs: 3000, sample: {} });
      },
      close: () => this.required(this.generators).close(),
      settle: (ms) => this.settle(ms),
      reading: () => this.memoryReading(pid),
      gcForced: this.inspector !== undefined,
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
    return toReading(rssKiB(pid), usage);
  }

  /**
   * Steps N up until every middle path has failed a step: at each N the direct path, then each path still in the
   * race. A path that fails a step gets one retry at that N (with a new direct stream: one burst of other load on a
   * shared machine must not end the search); both attempts are kept in the JSON.
   */
  async capacity(log: (line: string) => void): Promise<CapacityResult> {
    const steps: Comparison[] = [];
    const maxRealTimeSessions: Partial<Record<Middle, number>> = {};
    const stoppedBecause: Partial<Record<Middle, string>> = {};
    let racing = this.middles();
    for (const target of racing) maxRealTimeSessions[target] = 0;
    for (const sessions of this.options.capacitySteps) {
      if (racing.length === 0) break;
      const step = await this.compare(sessions, this.options.capacityDurationS, { paths: racing });
      steps.push(step);
      const failed = racing.filter((target) => step[target]?.realTime !== true);
      const retry = failed.length === 0 ? undefined : await this.compare(sessions, this.options.capacityDurationS, { paths: failed });
      if (retry !== undefined) steps.push(retry);
      for (const target of racing) {
        const result = (failed.includes(target) ? retry?.[target] : step[target]) as MiddleResult;
        log(
          `  ${this.load} capacity N=${sessions} ${target}: p99 added ${result.added.p99.toFixed(2)} ms, lost ${result.path.lost}, ` +
            `CPU ${(result.path.middleCpuPct ?? Number.NaN).toFixed(0)}%, gen lag p99 ${result.path.lag.p99.toFixed(1)} ms → ${result.realTime ? 'real-time' : 'NOT real-time'}` +
            (failed.includes(target) ? ' (after a retry)' : '') +
            (result.path.proxyCounters && Object.keys(result.path.proxyCounters).length > 0 ? ` ${JSON.stringify(result.path.proxyCounters)}` : ''),
        );
        if (result.realTime) maxRealTimeSessions[target] = sessions;
        else stoppedBecause[target] = `N=${sessions}: ${result.failures.join('; ')}`;
      }
      racing = racing.filter((target) => stoppedBecause[target] === undefined);
    }
    for (const target of racing) stoppedBecause[target] = 'all steps passed';
    return { load: this.load, steps, maxRealTimeSessions, stoppedBecause };
  }
}

export { REPO_ROOT };
export type { IdleMemory, StreamingMemory };

/** A cluster proxy accepts connections once its first worker listens; the bench waits for all of them. */
async function untilWorkersServe(port: number, workers: number): Promise<void> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    const health = (await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.json(), () => undefined)) as { workers?: { running?: number } } | undefined;
    if (health?.workers?.running === workers) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the proxy's ${workers} workers did not all start within 30 s`);
}
