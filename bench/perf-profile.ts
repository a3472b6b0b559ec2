/**
 * CPU-time profile of the proxy with Linux `perf` (`--perf`): `perf record -e cpu-clock` samples the process only
 * while it runs on a CPU, kernel included, so — unlike V8's `--cpu-prof`, which samples wall time and charges a
 * preempted `writev` with the time spent waiting for a core — its shares are shares of the proxy's CPU. The proxy
 * runs with `--perf-basic-prof` so JIT-compiled functions have names.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';

export interface PerfRecording {
  stop(): Promise<string | undefined>;
}

/** Starts `perf record` on `pid`; `stop()` ends it and returns the summary (undefined if perf failed). */
export function startPerf(pid: number, dataFile: string): PerfRecording {
  let child: ChildProcess | undefined;
  try {
    child = spawn('perf', ['record', '-e', 'cpu-clock', '-F', '997', '-p', String(pid), '-o', dataFile], { stdio: 'ignore' });
    child.on('error', () => undefined);
  } catch {
    child = undefined;
  }
  return {
    stop: async () => {
      if (child === undefined || child.exitCode !== null) return undefined;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGINT');
      await exited;
      try {
        const report = execFileSync('perf', ['report', '-i', dataFile, '--no-children', '--sort', 'sym', '-g', 'none', '--stdio'], {
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        return summarizePerf(report);
      } catch {
        return undefined;
      }
    },
  };
}

const AREAS: readonly (readonly [string, RegExp])[] = [
  ['GC (V8 heap)', /Scaveng|Sweep|MarkCompact|Marking|Evacuat|RecordWrite|Heap::|GCTracer|ArrayBufferSweeper/],
  ['kernel (TCP loopback, syscalls, wakeups)', /\[k\]/],
  ['audio (src/audio: resampler, converters, its WebAssembly kernel)', /JS:.*\/src\/audio\/|JS:wasm-function/],
  ['ws (framing, masking, parsing)', /JS:.*node_modules\/ws\//],
  ['proxy code (src/, not audio)', /JS:.*\/src\//],
  ['metrics / logging libraries', /JS:.*node_modules\/(prom-client|pino)/],
  ['Node streams and net (JS)', /JS:.*node:/],
];

/** Shares of the proxy's CPU by area, then the top symbols. */
export function summarizePerf(report: string, top = 30): string {
  const rows: { pct: number; symbol: string }[] = [];
  for (const line of report.split('\n')) {
    const match = /^\s+([\d.]+)%\s+(.*)$/.exec(line);
    if (match) rows.push({ pct: Number(match[1]), symbol: (match[2] ?? '').trim() });
  }
  const byArea = new Map<string, number>();
  for (const { pct, symbol } of rows) {
    const area = AREAS.find(([, pattern]) => pattern.test(symbol))?.[0] ?? 'V8 runtime, builtins, libuv, libc (incl. base64, JSON, malloc)';
    byArea.set(area, (byArea.get(area) ?? 0) + pct);
  }
  const lines = ['perf (cpu-clock) shares of the proxy CPU, by area:'];
  for (const [area, pct] of [...byArea].sort((a, b) => b[1] - a[1])) lines.push(`  ${pct.toFixed(1).padStart(5)}%  ${area}`);
  lines.push(`top ${top} symbols:`);
  for (const { pct, symbol } of rows.slice(0, top)) lines.push(`  ${pct.toFixed(2).padStart(6)}%  ${symbol.replace(/(file:\/\/)?\/\S*?\/(src|node_modules)\//, '$2/')}`);
  return lines.join('\n');
}
