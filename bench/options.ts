/** Command-line options of `npm run bench` (see docs/performance.md). */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import type { Load } from './path-summary.js';

/**
 * The conversation-shaped load: every session streams microphone frames all along; every `turnS` it ends its turn
 * (commit) and the emulator answers with `replyMs` of audio in deltas of `deltaMs`, `pace` times faster than real
 * time (defaults: the emulator's own reply pacing, docs/emulator.md; see docs/performance.md for the model).
 */
export interface ConversationOptions {
  readonly turnS: number;
  readonly replyMs: number;
  readonly deltaMs: number;
  readonly pace: number;
}

export interface BenchOptions {
  /** Concurrent streaming sessions of the main latency comparison. */
  readonly sessions: number;
  /** Streaming duration per path (s), warm-up included. */
  readonly durationS: number;
  /** Leading part of every stream left out of the latency figures (s). */
  readonly warmupS: number;
  readonly frameMs: number;
  /** Client PCM16 rate for the proxied path (the direct path always speaks 24 kHz). */
  readonly rate: number;
  readonly runs: number;
  /** Sessions connected and left silent for the idle-memory figure (0: skip). */
  readonly idleSessions: number;
  readonly capacity: boolean;
  readonly capacitySteps: readonly number[];
  readonly capacityDurationS: number;
  /** Proxy processes (WORKERS): 1 is the single process; more runs the cluster and measures the whole server. */
  readonly workers: number;
  /** Generator processes sharing the sessions. */
  readonly generators: number;
  /** Spread session start phases over the frame period (one timer still drives them all). */
  readonly stagger: boolean;
  /** Start the proxy with `--cpu-prof` and print its hottest functions. */
  readonly profile: boolean;
  /** `perf record -e cpu-clock` on the proxy during the main proxied stream (CPU-time shares, kernel included). */
  readonly perf: boolean;
  readonly micro: boolean;
  /** Pin the proxy to the last CPU and the emulator and generators to the others (taskset). */
  readonly pin: boolean;
  /** Scheduling priority (nice, −20..19) for the bench and its children; undefined leaves it alone. */
  readonly nice: number | undefined;
  readonly quick: boolean;
  /** Extra Node flags for the proxy process (e.g. `--perf-basic-prof` for `perf record`). */
  readonly proxyNodeArgs: readonly string[];
  /** Directory holding the proxy's source tree to run (`src/main.ts` in it): compares a candidate fix. */
  readonly proxyDir: string | undefined;
  /** Where the JSON goes (default `bench/results/<timestamp>.json`). */
  readonly out: string | undefined;
  /** Run the bare relay path (bench/bare-relay.ts) beside direct and proxy. */
  readonly relay: boolean;
  /** The loads measured, in order (each with its own streams and capacity search). */
  readonly loads: readonly Load[];
  readonly conversation: ConversationOptions;
}

const HELP = `Usage: npm run bench -- [options]

  --sessions N           streaming sessions for the latency comparison (100)
  --duration S           seconds streamed per path, warm-up included (10)
  --warmup S             seconds at the start of each stream left out of the figures (1)
  --frame-ms MS          frame duration (20)
  --rate HZ              client PCM16 rate through the proxy (16000; 24000 = pass-through, exact sequence check)
  --no-relay             skip the bare-relay path (bench/bare-relay.ts; the baseline the proxy is compared with)
  --load LIST            loads to measure: echo, conversation or both (echo,conversation)
  --turn S               conversation load: a turn ends (commit → reply) every S seconds per session (6)
  --reply-ms MS          conversation load: reply audio per turn (3000)
  --reply-delta-ms MS    conversation load: audio per reply delta (40)
  --reply-pace X         conversation load: reply sent X times faster than real time (4)
  --runs N               repetitions; the report shows the median (3)
  --idle-sessions N      silent sessions for the idle-memory figure (250; 0 skips)
  --capacity / --no-capacity   step N until real-time fails (on)
  --capacity-steps LIST  N values to try (50,100,125,150,175,200,250,300,350,400)
  --capacity-duration S  seconds per capacity step and path (6)
  --workers N            proxy workers (WORKERS=N, 1): with more than 1 the whole cluster is measured (CPU and RSS
                         of the primary and its workers); memory per session is measured with 1 worker only
  --generators N         load-generator processes (1)
  --no-stagger           every session sends at the same instant (burst) instead of spread over the period
  --profile              run the proxy with --cpu-prof and print its hottest functions (V8 samples wall time)
  --perf                 perf record (cpu-clock) the proxy during the main proxied stream: CPU shares by area
  --no-micro             skip the resampler / G.711 micro-benchmarks
  --no-pin               do not pin processes (default: the proxy, all its threads, on the last CPU; emulator and
                         generators on the others, so the load generator does not share the proxy's core)
  --nice=N               run the bench and its children at this nice value (negative needs root): shields the
                         figures from other load on a shared machine; the report says when it was used
  --quick                smoke run: 10 sessions, 3 s, 1 run, small capacity search, 20 idle sessions
  --proxy-node-args "A B"  extra Node flags for the proxy (e.g. "--perf-basic-prof" to profile it with perf)
  --proxy-dir DIR        run the proxy from another tree (DIR/src/main.ts; e.g. a copy with a candidate fix and a
                         node_modules symlink), to measure before/after in the same conditions
  --out FILE             JSON output (bench/results/<timestamp>.json)
`;

/** Parses argv; prints help and exits on --help or on an invalid value. */
export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      sessions: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      'frame-ms': { type: 'string' },
      rate: { type: 'string' },
      'no-relay': { type: 'boolean' },
      load: { type: 'string' },
      turn: { type: 'string' },
      'reply-ms': { type: 'string' },
      'reply-delta-ms': { type: 'string' },
      'reply-pace': { type: 'string' },
      runs: { type: 'string' },
      'idle-sessions': { type: 'string' },
      capacity: { type: 'boolean' },
      'no-capacity': { type: 'boolean' },
      'capacity-steps': { type: 'string' },
      'capacity-duration': { type: 'string' },
      workers: { type: 'string' },
      generators: { type: 'string' },
      'no-stagger': { type: 'boolean' },
      profile: { type: 'boolean' },
      perf: { type: 'boolean' },
      'no-micro': { type: 'boolean' },
      nice: { type: 'string' },
      'no-pin': { type: 'boolean' },
      quick: { type: 'boolean' },
      out: { type: 'string' },
      'proxy-dir': { type: 'string' },
      'proxy-node-args': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const quick = values.quick === true;
  const problems: string[] = [];
  const int = (name: string, raw: string | undefined, fallback: number, min: number, max: number): number => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`--${name} must be an integer in [${min}, ${max}], got ${raw}`);
    return value;
  };
  const num = (name: string, raw: string | undefined, fallback: number, min: number, max: number): number => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) problems.push(`--${name} must be a number in [${min}, ${max}], got ${raw}`);
    return value;
  };
  const steps = (values['capacity-steps'] ?? (quick ? '20' : '50,100,125,150,175,200,250,300,350,400'))
    .split(',')
    .map((part) => Number(part.trim()));
  if (steps.some((n) => !Number.isInteger(n) || n < 1)) problems.push(`--capacity-steps must list positive integers`);
  const loadNames = (values.load ?? 'echo,conversation').split(',').map((part) => part.trim());
  const loads = loadNames.filter((name): name is Load => name === 'echo' || name === 'conversation');
  if (loads.length === 0 || loads.length !== loadNames.length) problems.push(`--load must list echo and/or conversation, got ${values.load}`);
  const rate = int('rate', values.rate, 16000, 8000, 48000);
  if (![8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000].includes(rate)) problems.push(`--rate ${rate} is not a PCM16 rate the proxy supports`);
  const options: BenchOptions = {
    sessions: int('sessions', values.sessions, quick ? 10 : 100, 1, 5000),
    durationS: num('duration', values.duration, quick ? 3 : 10, 1, 3600),
    warmupS: num('warmup', values.warmup, quick ? 0.5 : 1, 0, 60),
    frameMs: int('frame-ms', values['frame-ms'], 20, 5, 200),
    rate,
    runs: int('runs', values.runs, quick ? 1 : 3, 1, 20),
    idleSessions: int('idle-sessions', values['idle-sessions'], quick ? 20 : 250, 0, 5000),
    capacity: values['no-capacity'] === true ? false : (values.capacity ?? true),
    capacitySteps: steps.sort((a, b) => a - b),
    capacityDurationS: num('capacity-duration', values['capacity-duration'], quick ? 2 : 6, 1, 600),
    workers: int('workers', values.workers, 1, 1, 16),
    generators: int('generators', values.generators, 1, 1, 8),
    stagger: values['no-stagger'] !== true,
    profile: values.profile === true,
    perf: values.perf === true,
    micro: values['no-micro'] !== true,
    pin: values['no-pin'] !== true && availableParallelism() > 1,
    nice: values.nice === undefined ? undefined : int('nice', values.nice, 0, -20, 19),
    quick,
    out: values.out,
    proxyDir: values['proxy-dir'],
    proxyNodeArgs: (values['proxy-node-args'] ?? '').split(' ').filter((arg) => arg !== ''),
    relay: values['no-relay'] !== true,
    loads,
    conversation: {
      turnS: num('turn', values.turn, 6, 0.5, 600),
      replyMs: int('reply-ms', values['reply-ms'], 3000, 20, 60_000),
      deltaMs: int('reply-delta-ms', values['reply-delta-ms'], 40, 5, 1000),
      pace: num('reply-pace', values['reply-pace'], 4, 0.5, 1000),
    },
  };
  const { replyMs, deltaMs, pace, turnS } = options.conversation;
  // The emulator's markers number a reply's deltas in one byte.
  if (replyMs / deltaMs > 255) problems.push('--reply-ms / --reply-delta-ms must be at most 255 deltas per reply');
  if (replyMs / pace >= turnS * 1000) problems.push('a reply (--reply-ms ÷ --reply-pace) must be shorter than a turn (--turn)');
  if (options.warmupS >= options.durationS) problems.push('--warmup must be shorter than --duration');
  if (options.warmupS >= options.capacityDurationS) problems.push('--warmup must be shorter than --capacity-duration');
  if (problems.length > 0) {
    for (const problem of problems) process.stderr.write(`bench: ${problem}\n`);
    process.stderr.write(HELP);
    process.exit(2);
  }
  return options;
}
