/**
 * Audio hot-path benchmark: µs per 20 ms chunk for the resampler and per 160-sample frame for G.711.
 * `benchAudio()` returns the figures (median CPU µs of several runs after a warm-up); run directly
 * (`npx tsx bench/audio.ts`) to print a markdown table.
 */
import { pathToFileURL } from 'node:url';
import { alawDecode, alawEncode, ulawDecode, ulawEncode } from '../src/audio/g711.js';
import { createResampler, initAudio } from '../src/audio/resampler.js';

const RUNS = 7;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? NaN;
}

/**
 * Median over RUNS of the mean µs per call of `fn`, each run `iterations` calls, after a warm-up.
 * Measures this process's CPU time (user + system), not wall time, so the figure means "cost"
 * and stays comparable on a shared machine where other processes steal the cores.
 */
function measureUs(fn: () => unknown, iterations: number): number {
  for (let i = 0; i < iterations; i++) fn();
  const runs: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = process.cpuUsage();
    for (let i = 0; i < iterations; i++) fn();
    const used = process.cpuUsage(start);
    runs.push((used.user + used.system) / iterations);
  }
  return median(runs);
}

/** A speech-like PCM16LE chunk: a few harmonics, so the work is realistic (not all zeros). */
function speechChunk(rate: number, ms: number): Buffer {
  const count = Math.round((rate * ms) / 1000);
  const out = Buffer.alloc(count * 2);
  for (let i = 0; i < count; i++) {
    const t = i / rate;
    const value = 6000 * Math.sin(2 * Math.PI * 180 * t) + 3000 * Math.sin(2 * Math.PI * 360 * t + 0.3) + 1500 * Math.sin(2 * Math.PI * 1250 * t);
    out.writeInt16LE(Math.round(value), i * 2);
  }
  return out;
}

/** µs per 20 ms chunk (resampler) and per 160-sample frame (G.711), keyed by a readable name. */
export async function benchAudio(): Promise<Record<string, number>> {
  await initAudio();
  const results: Record<string, number> = {};
  const pairs: [number, number][] = [
    [16000, 24000],
    [24000, 16000],
    [48000, 24000],
    [24000, 48000],
    [8000, 24000],
    [24000, 8000],
    [44100, 24000],
    [24000, 44100],
  ];
  for (const [from, to] of pairs) {
    const resampler = createResampler(from, to);
    const chunk = speechChunk(from, 20);
    results[`resample ${from / 1000}k→${to / 1000}k µs/20ms`] = measureUs(() => resampler.push(chunk), 2000);
  }
  const frame = speechChunk(8000, 20);
  const samples = new Int16Array(frame.buffer, frame.byteOffset, frame.length >> 1);
  const ulaw = ulawEncode(samples);
  const alaw = alawEncode(samples);
  results['g711 ulaw encode µs/160'] = measureUs(() => ulawEncode(samples), 20000);
  results['g711 ulaw decode µs/160'] = measureUs(() => ulawDecode(ulaw), 20000);
  results['g711 alaw encode µs/160'] = measureUs(() => alawEncode(samples), 20000);
  results['g711 alaw decode µs/160'] = measureUs(() => alawDecode(alaw), 20000);
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const results = await benchAudio();
  console.log('| audio operation | µs |\n|---|---:|');
  for (const [name, us] of Object.entries(results)) console.log(`| ${name} | ${us.toFixed(2)} |`);
}
