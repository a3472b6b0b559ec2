/**
 * Micro-benchmarks in this process: the resampler per 20 ms chunk (both directions of 16↔24 and 48↔24 kHz), and
 * the audio engineer's `bench/audio.ts` (`benchAudio()`: G.711 and friends) when it exists.
 * Each figure is the median of several timed batches after a warm-up, so one noisy batch does not move it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createResampler, initAudio } from '../src/audio/resampler.js';
import { frameBytes, toneFrame } from './frames.js';
import { median } from './stats.js';

export interface MicroResults {
  /** µs per 20 ms chunk, keyed `resample <from>→<to>`. */
  readonly resampler: Record<string, number>;
  /** The same, as the fastest batch's wall-clock µs per chunk (for comparison with wall-clock benchmarks). */
  readonly resamplerWallMinUs: Record<string, number>;
  /** `benchAudio()`'s figures, or undefined when bench/audio.ts is missing. */
  readonly audio: Record<string, number> | undefined;
  readonly notes: string[];
}

const PAIRS: readonly (readonly [number, number])[] = [
  [16000, 24000],
  [24000, 16000],
  [48000, 24000],
  [24000, 48000],
];

/**
 * CPU µs per call of `fn`: median over `batches` batches of `iterations` calls, after `warmup` calls.
 * CPU time (getrusage), not wall time: on a shared, loaded machine the wall clock also counts the time this
 * process waited for a core, which says nothing about the code.
 */
export function cpuPerCallUs(fn: () => void, iterations: number, batches: number, warmup = iterations): { cpuUs: number; wallMinUs: number } {
  for (let i = 0; i < warmup; i++) fn();
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let b = 0; b < batches; b++) {
    const wallStart = process.hrtime.bigint();
    const start = process.cpuUsage();
    for (let i = 0; i < iterations; i++) fn();
    const used = process.cpuUsage(start);
    wall.push(Number(process.hrtime.bigint() - wallStart) / 1000 / iterations);
    cpu.push((used.user + used.system) / iterations);
  }
  return { cpuUs: median(cpu), wallMinUs: Math.min(...wall) };
}

export async function runMicro(frameMs: number, quick: boolean): Promise<MicroResults> {
  await initAudio();
  const resampler: Record<string, number> = {};
  const wallMin: Record<string, number> = {};
  let sink = 0;
  for (const [from, to] of PAIRS) {
    const chunk = toneFrame(from, frameMs);
    if (chunk.length !== frameBytes(from, frameMs)) throw new Error('frame size mismatch');
    const stream = createResampler(from, to);
    const timing = cpuPerCallUs(
      () => {
        sink += stream.push(chunk).length;
      },
      quick ? 300 : 2000,
      quick ? 3 : 7,
    );
    const name = `resample ${from / 1000}k→${to / 1000}k (µs per ${frameMs} ms chunk)`;
    resampler[name] = timing.cpuUs;
    wallMin[name] = timing.wallMinUs;
  }
  if (sink === 0) throw new Error('resampler produced nothing');
  const notes: string[] = [];
  let audio: Record<string, number> | undefined;
  const audioModule = fileURLToPath(new URL('./audio.ts', import.meta.url));
  if (quick) {
    notes.push('bench/audio.ts (G.711 figures) skipped in --quick');
  } else if (existsSync(audioModule)) {
    try {
      // A computed specifier: the bench still type-checks and runs while bench/audio.ts does not exist yet.
      const loaded = (await import(new URL('./audio.ts', import.meta.url).href)) as { benchAudio?: () => Promise<Record<string, number>> };
      if (typeof loaded.benchAudio === 'function') audio = await loaded.benchAudio();
      else notes.push('bench/audio.ts does not export benchAudio()');
    } catch (error) {
      notes.push(`bench/audio.ts failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  } else {
    notes.push('bench/audio.ts (benchAudio, G.711 figures) is missing: no G.711 figures');
  }
  return { resampler, resamplerWallMinUs: wallMin, audio, notes };
}
