/**
 * Micro-benchmarks in this process: the resampler per 20 ms chunk (both directions of 16↔24 and 48↔24 kHz), and
 * the audio engineer's `bench/audio.ts` (`benchAudio()`: G.711 and friends) when it exists.
 * Each figure is the median of several timed batches after a warm-up, so one noisy batch does not move it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInboundConverter, createOutboundConverter } from '../src/audio/converter.js';
import { createResampler, initAudio } from '../src/audio/resampler.js';
import { parseEventJson } from '../src/upstream/event-json.js';
import { readUpstreamEvent } from '../src/upstream/events.js';
import { frameBytes, toneFrame } from './frames.js';
import { median } from './stats.js';

export interface MicroResults {
  /** µs per 20 ms chunk, keyed `resample <from>→<to>`. */
  readonly resampler: Record<string, number>;
  /** The same, as the fastest batch's wall-clock µs per chunk (for comparison with wall-clock benchmarks). */
  readonly resamplerWallMinUs: Record<string, number>;
  /**
   * The proxy's own work per 20 ms frame, step by step (CPU µs), for a 16 kHz client: everything but ws framing,
   * syscalls and GC. Compare the sum with the proxy's measured CPU per frame.
   */
  readonly pipeline: Record<string, number>;
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
  const pipeline = pipelineCosts(frameMs, quick);
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
  return { resampler, resamplerWallMinUs: wallMin, pipeline, audio, notes };
}

/** Times each step the bridge runs per frame (client 16 kHz PCM16 ⇄ upstream 24 kHz base64 JSON). */
function pipelineCosts(frameMs: number, quick: boolean): Record<string, number> {
  const clientRate = 16000;
  const client = { encoding: 'pcm16', rate: clientRate } as const;
  const upstream = { type: 'audio/pcm', rate: 24000 } as const;
  const clientFrame = toneFrame(clientRate, frameMs);
  const upstreamFrame = toneFrame(24000, frameMs);
  const inbound = createInboundConverter(client, upstream);
  const outbound = createOutboundConverter(upstream, client);
  const base64 = upstreamFrame.toString('base64');
  const deltaText =
    '{"type":"response.output_audio.delta","event_id":"event_CfCgcaIiMDOhBdaKTnLq9","response_id":"resp_CfCgcZ8hZ2lTEH1Bv7nQY",' +
    `"item_id":"item_CfCgcb4Uq8w2HwUyB0vNm","output_index":0,"content_index":0,"delta":"${base64}"}`;
  const deltaBytes = Buffer.from(deltaText);
  const iterations = quick ? 500 : 5000;
  const batches = quick ? 3 : 7;
  let sink = 0;
  const time = (fn: () => void): number => cpuPerCallUs(fn, iterations, batches).cpuUs;
  const costs: Record<string, number> = {
    'inbound convert 16k→24k': time(() => {
      sink += inbound.push(clientFrame).length;
    }),
    'append event: base64 + JSON text + UTF-8 bytes (as ws sends it)': time(() => {
      const text = `{"type":"input_audio_buffer.append","audio":"${upstreamFrame.toString('base64')}"}`;
      sink += Buffer.from(text).length;
    }),
    'delta event: UTF-8 decode + parse + type': time(() => {
      const parsed = parseEventJson(deltaBytes.toString('utf8'));
      const event = parsed.ok ? readUpstreamEvent(parsed.event) : undefined;
      if (event?.type === 'response.output_audio.delta') sink += event.delta.length;
    }),
    'delta base64 decode': time(() => {
      sink += Buffer.from(base64, 'base64').length;
    }),
    'outbound convert 24k→16k': time(() => {
      sink += outbound.push(upstreamFrame).length;
    }),
  };
  if (sink === 0) throw new Error('pipeline produced nothing');
  costs['sum of the steps'] = Object.values(costs).reduce((a, b) => a + b, 0);
  return costs;
}
