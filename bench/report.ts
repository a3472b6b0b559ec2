/** Key figures per run, their medians across runs, and the markdown report (three paths side by side, per load). */
import type { MicroResults } from './micro.js';
import type { BenchOptions } from './options.js';
import { MIDDLES, type Load } from './path-summary.js';
import type { RunResult } from './scenario.js';
import { BIN_US, BINS, median } from './stats.js';
import { targetsFor, type Targets } from './targets.js';

/** The figures the report compares across runs (all numbers; NaN when not measured). */
export type KeyFigures = Record<string, number>;

const PATHS = ['direct', ...MIDDLES] as const;
const LABEL: Record<(typeof PATHS)[number], string> = { direct: 'direct to emulator', relay: 'bare relay', proxy: 'proxy' };

/** The figure keys of one load and path, e.g. `echo proxy p99 ms`. */
export function key(load: Load, path: string, figure: string): string {
  return `${load} ${path} ${figure}`;
}

export function keyFigures(run: RunResult, micro: MicroResults | undefined): KeyFigures {
  const figures: KeyFigures = {
    'RSS per streaming session (N/2 → N, after GC) KiB': run.streamingMemory?.perSessionKiB ?? Number.NaN,
    'heap per streaming session KiB': run.streamingMemory?.heapPerSessionKiB ?? Number.NaN,
    'ArrayBuffers per streaming session KiB': run.streamingMemory?.arrayBuffersPerSessionKiB ?? Number.NaN,
    'accounted memory per streaming session KiB': (run.streamingMemory?.heapPerSessionKiB ?? Number.NaN) + (run.streamingMemory?.arrayBuffersPerSessionKiB ?? Number.NaN),
    'RSS per idle session KiB': run.idle?.perSessionKiB ?? Number.NaN,
    'RSS per idle session incl. first-use KiB': run.idle?.perSessionInclFirstUseKiB ?? Number.NaN,
    'raw RSS per idle session KiB': run.idle?.rawRssPerSessionKiB ?? Number.NaN,
    'raw RSS per streaming session KiB': run.streamingMemory?.rawRssPerSessionKiB ?? Number.NaN,
    'heap per idle session KiB': run.idle?.heapPerSessionKiB ?? Number.NaN,
    'ArrayBuffers per idle session KiB': run.idle?.arrayBuffersPerSessionKiB ?? Number.NaN,
  };
  for (const [load, result] of Object.entries(run.loads) as [Load, NonNullable<RunResult['loads'][Load]>][]) {
    const { main, capacity } = result;
    const sessions = main.sessions;
    // Echo: CPU per frame in plus its echo out (N × frames per second); conversation: per second of one session.
    const perUnit = load === 'echo' ? (sessions * 1000) / run.frameMs : sessions;
    figures[key(load, 'proxy', 'RSS (max during − before) / N KiB')] = result.rssPerStreamingSessionKiB;
    for (const path of PATHS) {
      const summary = path === 'direct' ? main.direct : main[path]?.path;
      if (summary === undefined) continue;
      figures[key(load, path, 'p50 ms')] = summary.latency.p50;
      figures[key(load, path, 'p99 ms')] = summary.latency.p99;
      figures[key(load, path, 'p99.9 ms')] = summary.latency.p999;
      figures[key(load, path, 'lost')] = summary.lost;
      figures[key(load, path, 'reordered')] = summary.reordered + summary.duplicates + summary.unmarked + summary.extra;
      figures[key(load, path, 'other load %')] = summary.otherLoadPct;
      figures[key(load, path, 'steal %')] = summary.stealPct;
      figures[key(load, path, 'generator lag p99 ms')] = summary.lag.p99;
      figures[key(load, path, 'emulator CPU %')] = summary.emulatorCpuPct ?? Number.NaN;
      figures[key(load, path, 'generator CPU %')] = summary.generatorCpuPct;
    }
    for (const middle of MIDDLES) {
      const result = main[middle];
      if (result === undefined) continue;
      figures[key(load, middle, 'added p50 ms')] = result.added.p50;
      figures[key(load, middle, 'added p99 ms')] = result.added.p99;
      figures[key(load, middle, 'added p99.9 ms')] = result.added.p999;
      figures[key(load, middle, 'CPU %')] = result.path.middleCpuPct ?? Number.NaN;
      figures[key(load, middle, 'kernel CPU %')] = result.path.middleSystemCpuPct ?? Number.NaN;
      figures[key(load, middle, 'CPU µs per unit')] = (((result.path.middleCpuPct ?? Number.NaN) / 100) * 1e6) / perUnit;
      figures[key(load, middle, 'max real-time N')] = capacity?.maxRealTimeSessions[middle] ?? Number.NaN;
    }
    figures[key(load, 'proxy/relay', 'CPU ratio')] = (figures[key(load, 'proxy', 'CPU µs per unit')] ?? Number.NaN) / (figures[key(load, 'relay', 'CPU µs per unit')] ?? Number.NaN);
    figures[key(load, 'proxy/relay', 'N ratio')] = (figures[key(load, 'proxy', 'max real-time N')] ?? Number.NaN) / (figures[key(load, 'relay', 'max real-time N')] ?? Number.NaN);
  }
  for (const [name, value] of Object.entries(micro?.resampler ?? {})) figures[name] = value;
  for (const [name, value] of Object.entries(micro?.pipeline ?? {})) figures[`pipeline: ${name}`] = value;
  for (const [name, value] of Object.entries(micro?.audio ?? {})) figures[`audio: ${name}`] = value;
  return figures;
}

export function medianFigures(all: readonly KeyFigures[]): KeyFigures {
  const keys = new Set(all.flatMap((f) => Object.keys(f)));
  const out: KeyFigures = {};
  for (const name of keys) out[name] = median(all.map((f) => f[name] ?? Number.NaN));
  return out;
}

/** A latency: the histogram's last bin holds everything slower than its range. */
function fmtMs(value: number | undefined): string {
  const limitMs = (BINS * BIN_US) / 1000;
  return value !== undefined && value >= limitMs - 0.01 ? `≥ ${limitMs.toFixed(0)} ms` : `${fmt(value)} ms`;
}

function fmt(value: number | undefined, digits = 2): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return value.toFixed(digits);
}

/** "≤ 3 ms: met", or the bare target on a quick run (a smoke run is not judged against full-size targets). */
function target(text: string, ok: boolean | undefined, targets: Targets): string {
  if (!targets.judged) return `${text} (quick run: not judged)`;
  if (ok === undefined) return `${text}: –`;
  return `${text}: ${ok ? 'met' : '**missed**'}`;
}

function atMost(value: number | undefined, limit: number): boolean | undefined {
  return value === undefined || !Number.isFinite(value) ? undefined : value <= limit;
}

function atLeast(value: number | undefined, limit: number): boolean | undefined {
  return value === undefined || !Number.isFinite(value) ? undefined : value >= limit;
}

/** The three paths side by side for one load. */
function loadTables(load: Load, options: BenchOptions, med: KeyFigures, runs: readonly KeyFigures[], targets: Targets): string[] {
  const n = options.sessions;
  const paths = PATHS.filter((path) => Number.isFinite(med[key(load, path, 'p50 ms')]));
  const middles = MIDDLES.filter((middle) => paths.includes(middle));
  const unit = load === 'echo' ? 'frame (in + echo out)' : 'session-second';
  const what =
    load === 'echo'
      ? `Echo load, ${n} sessions: round trip per frame (every frame answered at once by one delta)`
      : `Conversation load, ${n} sessions: reply delta arrival against the emulator's schedule (${conversationText(options)})`;
  const lines = [`| ${what} | ${paths.map((p) => LABEL[p]).join(' | ')} | target |`, `|---|${paths.map(() => '---:').join('|')}|---|`];
  const row = (label: string, cell: (path: (typeof PATHS)[number]) => string, goal = '–'): void => {
    lines.push(`| ${label} | ${paths.map(cell).join(' | ')} | ${goal} |`);
  };
  for (const [label, figure] of [['p50', 'p50 ms'], ['p99', 'p99 ms'], ['p99.9', 'p99.9 ms']] as const) row(label, (p) => fmtMs(med[key(load, p, figure)]));
  const proxyAdded = (figure: string): number | undefined => med[key(load, 'proxy', figure)];
  const latencyGoal = (figure: string, limit: number): string =>
    load === 'echo' ? target(`proxy ≤ ${limit} ms`, atMost(proxyAdded(figure), limit), targets) : '–';
  row('added to direct, p50', (p) => (p === 'direct' ? '' : fmtMs(med[key(load, p, 'added p50 ms')])), latencyGoal('added p50 ms', targets.addedP50Ms));
  row('added to direct, p99', (p) => (p === 'direct' ? '' : fmtMs(med[key(load, p, 'added p99 ms')])), latencyGoal('added p99 ms', targets.addedP99Ms));
  const lossFree = runs.every((f) => paths.every((p) => (f[key(load, p, 'lost')] ?? 0) + (f[key(load, p, 'reordered')] ?? 0) === 0));
  row('frames lost / reordered, duplicated or unmatched', (p) => `${fmt(med[key(load, p, 'lost')], 0)} / ${fmt(med[key(load, p, 'reordered')], 0)}`, target('0 in every run', lossFree, targets));
  row(`CPU of the process in the middle, % of one core (kernel)`, (p) => (p === 'direct' ? '' : `${fmt(med[key(load, p, 'CPU %')], 1)} % (${fmt(med[key(load, p, 'kernel CPU %')], 1)} %)`));
  const ratio = med[key(load, 'proxy/relay', 'CPU ratio')];
  const cpuGoal = load === 'echo' ? target(`proxy ≤ ${targets.cpuRatio}× relay`, atMost(ratio, targets.cpuRatio), targets) : '–';
  row(`CPU µs per ${unit}`, (p) => (p === 'direct' ? '' : `${fmt(med[key(load, p, 'CPU µs per unit')], 1)} µs`), cpuGoal);
  if (middles.length === 2) row('proxy ÷ relay, CPU per unit (median of per-run ratios)', (p) => (p === 'proxy' ? `${fmt(ratio)}×` : ''));
  if (options.capacity) {
    const maxN = med[key(load, 'proxy', 'max real-time N')];
    const nRatio = med[key(load, 'proxy/relay', 'N ratio')];
    let goal = '–';
    if (load === 'echo' && targets.minSessions !== undefined) goal = target(`proxy ≥ ${targets.minSessions}`, atLeast(maxN, targets.minSessions), targets);
    if (load === 'echo' && targets.minNRatio !== undefined) goal = target(`proxy ≥ ${targets.minNRatio}× relay`, atLeast(nRatio, targets.minNRatio), targets);
    row(`largest real-time N (steps ${options.capacitySteps.join(', ')}; p99 added ≤ 10 ms, no loss)`, (p) => (p === 'direct' ? '' : fmt(med[key(load, p, 'max real-time N')], 0)), goal);
    if (middles.length === 2) row('proxy ÷ relay, largest real-time N', (p) => (p === 'proxy' ? `${fmt(nRatio)}×` : ''));
  }
  row('emulator / generator CPU, %', (p) => `${fmt(med[key(load, p, 'emulator CPU %')], 0)} / ${fmt(med[key(load, p, 'generator CPU %')], 0)}`);
  row('generator send lag p99', (p) => fmtMs(med[key(load, p, 'generator lag p99 ms')]), 'small');
  row('other load on the machine, % of a core (of which steal)', (p) => `${fmt(med[key(load, p, 'other load %')], 0)} (${fmt(med[key(load, p, 'steal %')], 1)})`, 'near 0');
  return lines;
}

/** The conversation model in words. */
export function conversationText(options: BenchOptions): string {
  const { turnS, replyMs, deltaMs, pace } = options.conversation;
  return `a turn every ${turnS} s, each answered by ${replyMs} ms of audio in ${deltaMs} ms deltas at ${pace}× real time; microphone frames all along`;
}

/** How the bench pinned its processes (processes.ts cpuPlan), in words. */
function pinningWords(workers: number, cpus: number): string {
  if (workers === 1) return 'proxy and relay pinned to one CPU, emulator and generator to the other(s)';
  if (workers < cpus) return `each proxy worker pinned to a CPU of its own, emulator and generator to the ${cpus - workers} other(s)`;
  return `each proxy worker pinned to a CPU of its own; emulator and generator not pinned: they share all ${cpus} CPUs with the workers`;
}

/** The markdown report of the median figures (and the per-run spread of the key ones). */
export function markdownReport(options: BenchOptions, med: KeyFigures, runs: readonly KeyFigures[], machine: Record<string, string | number>): string {
  const targets = targetsFor(options);
  const lines: string[] = [
    `Machine: ${machine.nproc} cores (${machine.cpuModel}), Node ${machine.node}; median of ${runs.length} run(s); ` +
      `${options.sessions} sessions × ${options.frameMs} ms PCM16 frames for ${options.durationS} s (first ${options.warmupS} s not counted); ` +
      `proxy clients at ${options.rate / 1000} kHz, direct and relay clients at 24 kHz (the upstream protocol)` +
      (options.workers > 1 ? `; the proxy is a cluster of ${options.workers} workers (CPU and RSS of the primary and its workers summed)` : '') +
      (options.pin ? `; ${pinningWords(options.workers, Number(machine.nproc))}` : '; no CPU pinning') +
      (options.nice === undefined ? '.' : `; all bench processes at nice ${options.nice}.`) +
      (targets.judged ? ` Targets: ${targets.name}.` : ' Quick run: figures are not judged against the full-size targets.'),
  ];
  for (const load of options.loads) lines.push('', ...loadTables(load, options, med, runs, targets));
  lines.push('', '| Memory and audio | value | target |', '|---|---:|---|');
  const idle = med['RSS per idle session KiB'];
  lines.push(
    `| proxy RSS per idle session (growth from ${Math.floor(options.idleSessions / 2)} to ${options.idleSessions} connected, after GC; V8 heap counted as live objects) | ${fmt(idle, 1)} KiB | ${target(`≤ ${targets.idleKiB} KiB`, atMost(idle, targets.idleKiB), targets)} |`,
    `| the same from 0 to ${options.idleSessions} (includes one-off costs of the first connections) | ${fmt(med['RSS per idle session incl. first-use KiB'], 1)} KiB | – |`,
    `| of which: V8 heap / ArrayBuffer memory (typed arrays, Buffers) per idle session | ${fmt(med['heap per idle session KiB'], 1)} / ${fmt(med['ArrayBuffers per idle session KiB'], 1)} KiB | – |`,
  );
  const accounted = med['accounted memory per streaming session KiB'];
  lines.push(
    `| proxy memory per streaming session: V8 live heap + ArrayBuffers (growth from ${Math.floor(options.sessions / 2)} to ${options.sessions} streaming, after GC) | ${fmt(accounted, 1)} KiB (${fmt(med['heap per streaming session KiB'], 1)} + ${fmt(med['ArrayBuffers per streaming session KiB'], 1)}) | ${target(`≤ ${targets.streamingKiB} KiB`, atMost(accounted, targets.streamingKiB), targets)} |`,
    `| proxy RSS (max during − before) / N, echo load: upper bound, includes process-wide growth under load | ${fmt(med[key('echo', 'proxy', 'RSS (max during − before) / N KiB')], 1)} KiB | – |`,
  );
  for (const name of Object.keys(med).filter((k) => k.startsWith('resample '))) {
    lines.push(`| ${name} | ${fmt(med[name])} µs | ${target(`≤ ${targets.resamplerUs} µs`, atMost(med[name], targets.resamplerUs), targets)} |`);
  }
  for (const name of Object.keys(med).filter((k) => k.startsWith('pipeline: '))) {
    lines.push(`| per frame, proxy's own step (micro, CPU): ${name.slice('pipeline: '.length)} | ${fmt(med[name])} µs | – |`);
  }
  // bench/audio.ts also times the resampler (wall clock); the table keeps this bench's CPU-time figures for it.
  for (const name of Object.keys(med).filter((k) => k.startsWith('audio: ') && !k.startsWith('audio: resample'))) {
    lines.push(`| ${name.slice('audio: '.length)} | ${fmt(med[name], 3)} | – |`);
  }
  return lines.join('\n');
}

/** One line per run with the figures that move the most between runs. */
export function runLines(runs: readonly KeyFigures[], loads: readonly Load[]): string {
  const names: string[] = ['RSS per idle session KiB', 'accounted memory per streaming session KiB'];
  for (const load of loads) {
    for (const middle of MIDDLES) {
      names.push(key(load, middle, 'added p50 ms'), key(load, middle, 'added p99 ms'), key(load, middle, 'CPU µs per unit'), key(load, middle, 'max real-time N'));
    }
    names.push(key(load, 'proxy/relay', 'CPU ratio'), key(load, 'direct', 'other load %'), key(load, 'proxy', 'other load %'));
  }
  return runs.map((f, i) => `run ${i + 1}: ${names.filter((k) => k in f).map((k) => `${k} ${fmt(f[k])}`).join(', ')}`).join('\n');
}
