/**
 * `npm run bench`: added latency, capacity, memory per session and audio costs of the proxy, measured against
 * the emulator in loopback mode on this machine. Prints a markdown table and writes bench/results/<time>.json.
 * See docs/performance.md for the method and the figures.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { runMicro, type MicroResults } from './micro.js';
import { parseOptions } from './options.js';
import { machineInfo } from './procfs.js';
import { installCleanup, REPO_ROOT } from './processes.js';
import { summarizeProfile } from './profile-summary.js';
import { keyFigures, markdownReport, medianFigures, runLines, type KeyFigures } from './report.js';
import { MIDDLES, type Comparison, type Load } from './path-summary.js';
import { Scenario, type LoadResult, type RunResult } from './scenario.js';

/**
 * Nice for this process and (inherited) its children. With autogroup scheduling (Linux desktops and this
 * machine), nice only ranks processes within one session's group; the group's own weight is set in
 * /proc/self/autogroup, so set both.
 */
function applyNice(nice: number): void {
  setPriority(process.pid, nice);
  try {
    // The group outlives this process (it is the shell session's): put its weight back on the way out.
    const previous = /nice (-?\d+)/.exec(readFileSync('/proc/self/autogroup', 'utf8'))?.[1] ?? '0';
    writeFileSync('/proc/self/autogroup', String(nice));
    process.on('exit', () => {
      try {
        writeFileSync('/proc/self/autogroup', previous);
      } catch {
        // nothing more to do
      }
    });
  } catch {
    log('bench: could not set the autogroup nice (not Linux, autogroup off, or not permitted)');
  }
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** One progress line for a load's main streams. */
function mainLine(main: Comparison): string {
  const parts = [`  ${main.load} N=${main.sessions}: direct p50 ${main.direct.latency.p50.toFixed(2)} p99 ${main.direct.latency.p99.toFixed(2)} ms`];
  for (const target of MIDDLES) {
    const result = main[target];
    if (result === undefined) continue;
    const { path } = result;
    parts.push(
      `${target} p50 ${path.latency.p50.toFixed(2)} p99 ${path.latency.p99.toFixed(2)} ms, lost ${path.lost}, CPU ${(path.middleCpuPct ?? Number.NaN).toFixed(1)}%` +
        (result.failures.length > 0 ? ` (problems: ${result.failures.join('; ')})` : '') +
        (path.proxyCounters && Object.keys(path.proxyCounters).length > 0 ? ` counters ${JSON.stringify(path.proxyCounters)}` : ''),
    );
  }
  return parts.join('; ');
}

function loadavg(): string {
  return String(machineInfo().loadavg);
}

async function main(): Promise<void> {
  installCleanup();
  const options = parseOptions(process.argv.slice(2));
  if (options.nice !== undefined) applyNice(options.nice);
  const started = new Date();
  const resultsDir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const machine = machineInfo();
  log(`bench: ${JSON.stringify(options)}`);
  log(`bench: machine ${machine.nproc} × ${machine.cpuModel}, Node ${machine.node}, load ${machine.loadavg}`);

  const runs: RunResult[] = [];
  const micros: (MicroResults | undefined)[] = [];
  const figures: KeyFigures[] = [];
  const profiles: Record<string, string> = {};
  for (let run = 1; run <= options.runs; run++) {
    log(`bench: run ${run}/${options.runs} (load ${loadavg()})`);
    const micro = options.micro ? await runMicro(options.frameMs, options.quick) : undefined;
    if (micro) log(`  micro: ${JSON.stringify(micro.resampler)}${micro.notes.length > 0 ? ` (${micro.notes.join('; ')})` : ''}`);
    micros.push(micro);
    const loadavgBefore = loadavg();
    const scenario = new Scenario(options, run, resultsDir);
    let result: RunResult;
    try {
      await scenario.start();
      // Idle memory first, on the fresh proxy: pages left resident by earlier sessions would be reused and hide
      // the sessions' memory.
      // Memory per session is read through the proxy's inspector (forced GCs, heap figures), which reaches one
      // process: measured with a single worker only.
      const memory = options.workers === 1;
      let idle;
      if (memory && options.idleSessions > 0) {
        idle = await scenario.idleMemory(options.idleSessions);
        log(
          `  idle: ${idle.opened} sessions, ${idle.perSessionKiB.toFixed(1)} KiB RSS / session (raw RSS ${idle.rawRssPerSessionKiB.toFixed(1)}; heap ${idle.heapPerSessionKiB.toFixed(1)} KiB, ArrayBuffers ${idle.arrayBuffersPerSessionKiB.toFixed(1)} KiB); ` +
            `RSS ${idle.baselineRssKiB} → ${idle.halfRssKiB} → ${idle.rssKiB} KiB (none, half, all)`,
        );
      }
      // Streaming memory on a fresh proxy too: pages freed by earlier sessions stay resident and would be reused.
      let streamingMemory;
      if (memory) {
        await scenario.restartProxy();
        streamingMemory = await scenario.streamingMemory(options.sessions);
        log(
          `  streaming memory: ${streamingMemory.perSessionKiB.toFixed(1)} KiB RSS / session (raw RSS ${streamingMemory.rawRssPerSessionKiB.toFixed(1)}; heap ${streamingMemory.heapPerSessionKiB.toFixed(1)} KiB, ` +
            `ArrayBuffers ${streamingMemory.arrayBuffersPerSessionKiB.toFixed(1)} KiB); RSS ${streamingMemory.halfRssKiB} → ${streamingMemory.fullRssKiB} KiB`,
        );
      }
      const loads: Partial<Record<Load, LoadResult>> = {};
      for (const load of options.loads) {
        await scenario.useLoad(load);
        log(`  ${load} load: warm-up`);
        await scenario.warmUp();
        const measured = await scenario.measureLoad(options.perf && load === 'echo');
        log(mainLine(measured.main));
        const capacity = options.capacity ? await scenario.capacity(log) : undefined;
        loads[load] = { ...measured, capacity };
      }
      for (const [target, summary] of Object.entries(scenario.perfSummaries)) log(`  perf, ${target}:\n${summary}`);
      result = {
        run,
        frameMs: options.frameMs,
        startedAt: new Date().toISOString(),
        loadavgBefore,
        idle,
        streamingMemory,
        loads,
        profile: scenario.profile,
        perf: scenario.perfSummaries,
      };
    } finally {
      await scenario.stop();
    }
    if (result.profile !== undefined) {
      try {
        const summary = summarizeProfile(result.profile, 25);
        profiles[result.profile] = summary;
        log(`  profile ${result.profile}:\n${summary}`);
      } catch (error) {
        log(`  profile not readable: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    runs.push(result);
    figures.push(keyFigures(result, micro));
  }

  const med = medianFigures(figures);
  const table = markdownReport(options, med, figures, machine);
  const notes = [...new Set(micros.flatMap((m) => m?.notes ?? []))];
  process.stdout.write(`\n${table}\n\n${runLines(figures, options.loads)}\n`);
  if (notes.length > 0) process.stdout.write(`\nNotes: ${notes.join('; ')}\n`);

  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const out = options.out ?? join(resultsDir, `${stamp}.json`);
  const json = {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    commit: gitCommit(),
    command: `npx tsx bench/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
    machine,
    options,
    median: med,
    perRun: figures,
    runs,
    micro: micros,
    notes,
    profiles,
    table,
  };
  writeFileSync(out, `${JSON.stringify(json, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2)}\n`);
  process.stdout.write(`\nJSON: ${out}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
