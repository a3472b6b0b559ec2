/** Key figures per run, their medians across runs, and the markdown report. */
import type { MicroResults } from './micro.js';
import type { BenchOptions } from './options.js';
import type { RunResult } from './scenario.js';
import { BIN_US, BINS, median } from './stats.js';

/** The figures the report compares across runs (all numbers; NaN when not measured). */
export type KeyFigures = Record<string, number>;

export const TARGET_SESSIONS = 250;

/**
 * Marginal RSS per streaming session: the least-squares slope of the proxy's RSS during streaming against N over
 * the capacity steps. Unlike (during − before)/N it does not charge the sessions for V8's young generation
 * growing once under any streaming load (tens of MiB whatever N is).
 */
export function rssSlopeKiB(run: RunResult): number {
  const points = (run.capacity?.steps ?? [])
    .filter((s) => s.proxy.proxyRssMaxKiB !== undefined && Number.isFinite(s.proxy.proxyRssMaxKiB))
    .map((s) => [s.sessions, s.proxy.proxyRssMaxKiB as number] as const);
  if (points.length < 2) return Number.NaN;
  const meanN = points.reduce((a, [n]) => a + n, 0) / points.length;
  const meanR = points.reduce((a, [, r]) => a + r, 0) / points.length;
  let num = 0;
  let den = 0;
  for (const [n, r] of points) {
    num += (n - meanN) * (r - meanR);
    den += (n - meanN) ** 2;
  }
  return den > 0 ? num / den : Number.NaN;
}

export function keyFigures(run: RunResult, micro: MicroResults | undefined): KeyFigures {
  const m = run.main;
  // The last attempt at 250 (a failed first attempt may have been retried).
  const at250 = run.capacity?.steps.filter((s) => s.sessions === TARGET_SESSIONS).at(-1);
  const figures: KeyFigures = {
    'direct p50 ms': m.direct.latency.p50,
    'direct p99 ms': m.direct.latency.p99,
    'direct p99.9 ms': m.direct.latency.p999,
    'proxy p50 ms': m.proxy.latency.p50,
    'proxy p99 ms': m.proxy.latency.p99,
    'proxy p99.9 ms': m.proxy.latency.p999,
    'added p50 ms': m.added.p50,
    'added p99 ms': m.added.p99,
    'added p99.9 ms': m.added.p999,
    'direct lost': m.direct.lost,
    'direct reordered': m.direct.reordered,
    'proxy lost': m.proxy.lost,
    'proxy reordered': m.proxy.reordered,
    'proxy CPU %': m.proxy.proxyCpuPct ?? Number.NaN,
    'proxy kernel CPU %': m.proxy.proxySystemCpuPct ?? Number.NaN,
    'emulator CPU % (proxied)': m.proxy.emulatorCpuPct ?? Number.NaN,
    'emulator CPU % (direct)': m.direct.emulatorCpuPct ?? Number.NaN,
    'generator CPU % (proxied)': m.proxy.generatorCpuPct,
    'generator CPU % (direct)': m.direct.generatorCpuPct,
    'other load % (proxied)': m.proxy.otherLoadPct,
    'other load % (direct)': m.direct.otherLoadPct,
    'steal % (proxied)': m.proxy.stealPct,
    'generator lag p99 ms (proxied)': m.proxy.lag.p99,
    'generator lag p99 ms (direct)': m.direct.lag.p99,
    'proxy RSS before KiB': m.proxyRssBeforeKiB,
    'proxy RSS during KiB': m.proxy.proxyRssMaxKiB ?? Number.NaN,
    'RSS per streaming session KiB': m.rssPerStreamingSessionKiB,
    'RSS slope per streaming session KiB': rssSlopeKiB(run),
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
    'max real-time sessions': run.capacity?.maxRealTimeSessions ?? Number.NaN,
    [`p99 added ms at ${TARGET_SESSIONS}`]: at250?.added.p99 ?? Number.NaN,
    [`proxy lost at ${TARGET_SESSIONS}`]: at250?.proxy.lost ?? Number.NaN,
    [`proxy CPU % at ${TARGET_SESSIONS}`]: at250?.proxy.proxyCpuPct ?? Number.NaN,
  };
  const framesPerSecond = (m.proxy.sessions * 1000) / run.frameMs;
  figures['proxy CPU µs per frame (in + out)'] = ((m.proxy.proxyCpuPct ?? Number.NaN) / 100) * (1e6 / framesPerSecond);
  for (const [name, value] of Object.entries(micro?.resampler ?? {})) figures[name] = value;
  for (const [name, value] of Object.entries(micro?.pipeline ?? {})) figures[`pipeline: ${name}`] = value;
  for (const [name, value] of Object.entries(micro?.audio ?? {})) figures[`audio: ${name}`] = value;
  return figures;
}

export function medianFigures(all: readonly KeyFigures[]): KeyFigures {
  const keys = new Set(all.flatMap((f) => Object.keys(f)));
  const out: KeyFigures = {};
  for (const key of keys) out[key] = median(all.map((f) => f[key] ?? Number.NaN));
  return out;
}

/** A latency: the histogram's last bin holds everything slower than its range. */
function fmtMs(value: number | undefined): string {
  const limitMs = (BINS * BIN_US) / 1000;
  return value !== undefined && value >= limitMs - 0.01 ? `≥ ${limitMs.toFixed(0)}` : fmt(value);
}

function fmt(value: number | undefined, digits = 2): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return value.toFixed(digits);
}

function verdict(ok: boolean | undefined): string {
  if (ok === undefined) return '–';
  return ok ? 'met' : '**missed**';
}

function check(value: number | undefined, limit: number): boolean | undefined {
  return value === undefined || !Number.isFinite(value) ? undefined : value <= limit;
}

/** The markdown report of the median figures (and the per-run spread of the key ones). */
export function markdownReport(options: BenchOptions, med: KeyFigures, runs: readonly KeyFigures[], machine: Record<string, string | number>): string {
  const n = options.sessions;
  const r = `${options.rate / 1000} kHz`;
  const lines: string[] = [];
  lines.push(
    `Machine: ${machine.nproc} cores (${machine.cpuModel}), Node ${machine.node}; median of ${runs.length} run(s); ` +
      `${n} sessions × ${options.frameMs} ms PCM16 frames for ${options.durationS} s (first ${options.warmupS} s not counted); ` +
      `proxied clients at ${r}, direct clients at 24 kHz` +
      (options.pin ? '; proxy pinned to one CPU, emulator and generator to the other' : '; no CPU pinning') +
      (options.nice === undefined ? '.' : `; all bench processes at nice ${options.nice}.`),
    '',
    `| Round-trip per frame, ${n} sessions | direct to emulator | through the proxy | added by the proxy | target (added) |`,
    '|---|---:|---:|---:|---|',
  );
  const latencyRow = (label: string, key: string, limit?: number): void => {
    const added = med[`added ${key} ms`];
    const target = limit === undefined ? '–' : `≤ ${limit} ms: ${verdict(check(added, limit))}`;
    lines.push(`| ${label} | ${fmtMs(med[`direct ${key} ms`])} ms | ${fmtMs(med[`proxy ${key} ms`])} ms | ${fmt(added)} ms | ${target} |`);
  };
  latencyRow('p50', 'p50', 1);
  latencyRow('p99', 'p99', 5);
  latencyRow('p99.9', 'p99.9');
  const directLoss = `${fmt(med['direct lost'], 0)} / ${fmt(med['direct reordered'], 0)}`;
  const proxyLoss = `${fmt(med['proxy lost'], 0)} / ${fmt(med['proxy reordered'], 0)}`;
  const maxLoss = Math.max(...runs.map((f) => (f['proxy lost'] ?? 0) + (f['proxy reordered'] ?? 0) + (f['direct lost'] ?? 0) + (f['direct reordered'] ?? 0)));
  lines.push(`| frames lost / reordered | ${directLoss} | ${proxyLoss} | | 0 in every run: ${verdict(maxLoss === 0)} |`);
  lines.push('');
  lines.push('| Resources and capacity | value | target |', '|---|---:|---|');
  lines.push(`| proxy CPU at ${n} sessions (% of one core; of which kernel) | ${fmt(med['proxy CPU %'], 1)} % (${fmt(med['proxy kernel CPU %'], 1)} %) | – |`);
  lines.push(`| proxy CPU per frame, both directions (CPU ÷ frames per second) | ${fmt(med['proxy CPU µs per frame (in + out)'], 1)} µs | – |`);
  lines.push(
    `| emulator CPU, proxied / direct | ${fmt(med['emulator CPU % (proxied)'], 1)} % / ${fmt(med['emulator CPU % (direct)'], 1)} % | – |`,
  );
  lines.push(
    `| load generator CPU, proxied / direct | ${fmt(med['generator CPU % (proxied)'], 1)} % / ${fmt(med['generator CPU % (direct)'], 1)} % | – |`,
  );
  lines.push(
    `| other processes' CPU on the machine meanwhile, proxied / direct (noise; of which hypervisor steal, proxied) | ${fmt(med['other load % (proxied)'], 0)} % / ${fmt(med['other load % (direct)'], 0)} % (${fmt(med['steal % (proxied)'], 1)} %) | – |`,
  );
  lines.push(
    `| generator send lag p99, proxied / direct | ${fmt(med['generator lag p99 ms (proxied)'])} / ${fmt(med['generator lag p99 ms (direct)'])} ms | small |`,
  );
  const idle = med['RSS per idle session KiB'];
  lines.push(
    `| proxy RSS per idle session (growth from ${Math.floor(options.idleSessions / 2)} to ${options.idleSessions} connected, after GC; V8 heap counted as live objects) | ${fmt(idle, 1)} KiB | ≤ 32 KiB: ${verdict(check(idle, 32))} |`,
  );
  lines.push(`| the same from 0 to ${options.idleSessions} (includes one-off costs of the first connections) | ${fmt(med['RSS per idle session incl. first-use KiB'], 1)} KiB | – |`);
  lines.push(
    `| of which: V8 heap / ArrayBuffer memory (typed arrays, Buffers) per idle session | ${fmt(med['heap per idle session KiB'], 1)} / ${fmt(med['ArrayBuffers per idle session KiB'], 1)} KiB | – |`,
  );
  const streaming = med['RSS per streaming session KiB'];
  const accounted = med['accounted memory per streaming session KiB'];
  lines.push(
    `| proxy memory per streaming session: V8 live heap + ArrayBuffers (growth from ${Math.floor(n / 2)} to ${n} streaming, after GC) | ${fmt(accounted, 1)} KiB (${fmt(med['heap per streaming session KiB'], 1)} + ${fmt(med['ArrayBuffers per streaming session KiB'], 1)}) | ≤ 128 KiB: ${verdict(check(accounted, 128))} |`,
  );
  lines.push(`| proxy RSS (max during − before) / N at N = ${n}: upper bound, includes process-wide growth under load | ${fmt(streaming, 1)} KiB | – |`);
  lines.push(`| proxy RSS growth from ${Math.floor(n / 2)} to ${n} streaming, per session (unreliable: RSS moves by MBs after streams) | ${fmt(med['RSS per streaming session (N/2 → N, after GC) KiB'], 1)} KiB | – |`);

  if (options.capacity) {
    const maxN = med['max real-time sessions'];
    const steps = options.capacitySteps.join(', ');
    const enough = maxN === undefined || !Number.isFinite(maxN) ? undefined : maxN >= TARGET_SESSIONS;
    lines.push(`| largest real-time N (steps ${steps}; p99 added ≤ 10 ms, no loss) | ${fmt(maxN, 0)} | ≥ ${TARGET_SESSIONS}: ${verdict(enough)} |`);
    const at = med[`p99 added ms at ${TARGET_SESSIONS}`];
    if (Number.isFinite(at)) {
      lines.push(
        `| at ${TARGET_SESSIONS} sessions: p99 added, frames lost, proxy CPU | ${fmt(at)} ms, ${fmt(med[`proxy lost at ${TARGET_SESSIONS}`], 0)}, ${fmt(med[`proxy CPU % at ${TARGET_SESSIONS}`], 0)} % | ≤ 10 ms, 0: ${verdict(check(at, 10) === true && med[`proxy lost at ${TARGET_SESSIONS}`] === 0)} |`,
      );
    }
  }
  for (const key of Object.keys(med).filter((k) => k.startsWith('resample '))) {
    lines.push(`| ${key} | ${fmt(med[key])} µs | ≤ 15 µs: ${verdict(check(med[key], 15))} |`);
  }
  for (const key of Object.keys(med).filter((k) => k.startsWith('pipeline: '))) {
    lines.push(`| per frame, proxy's own step (micro, CPU): ${key.slice('pipeline: '.length)} | ${fmt(med[key])} µs | – |`);
  }
  // bench/audio.ts also times the resampler (wall clock); the table keeps this bench's CPU-time figures for it.
  for (const key of Object.keys(med).filter((k) => k.startsWith('audio: ') && !k.startsWith('audio: resample'))) {
    lines.push(`| ${key.slice('audio: '.length)} | ${fmt(med[key], 3)} | – |`);
  }
  return lines.join('\n');
}

/** One line per run with the figures that move the most between runs. */
export function runLines(runs: readonly KeyFigures[]): string {
  const keys = [
    'added p50 ms',
    'added p99 ms',
    'proxy p99 ms',
    'direct p99 ms',
    'proxy CPU %',
    'proxy CPU µs per frame (in + out)',
    'RSS per idle session KiB',
    'RSS per streaming session KiB',
    'RSS slope per streaming session KiB',
    'max real-time sessions',
    'other load % (proxied)',
    'other load % (direct)',
  ];
  return runs.map((f, i) => `run ${i + 1}: ${keys.map((k) => `${k} ${fmt(f[k])}`).join(', ')}`).join('\n');
}
