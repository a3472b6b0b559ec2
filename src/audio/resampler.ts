/**
 * Streaming polyphase windowed-sinc (Kaiser) resampler for mono PCM16 little-endian.
 *
 * Design (all frequencies relative to the lower of the two rates, `lowRate`):
 * - passband flat to 0.425·lowRate (0.85 × the lower Nyquist), stopband from 0.575·lowRate at ≥ 96 dB,
 *   so nothing aliases or images into the passband (a 10 kHz tone at 24 kHz cannot reach 16 kHz output);
 * - the prototype is about 41 taps at `lowRate`, i.e. ~20 lower-rate samples of look-ahead:
 *   1.3 ms at 16 kHz, 2.6 ms at 8 kHz (the product is latency-bound, so the filter is as short as the
 *   quality bars allow);
 * - the cutoff sits exactly at lowRate/2, so the prototype is a Nyquist filter: its zero taps are
 *   trimmed from the rows (for 16→24 one output in three is a plain copy);
 * - rates are reduced to L/M with one precomputed coefficient row per output phase (polyphase.ts);
 *   the filtering itself runs in WebAssembly SIMD (polyphase-simd.ts / .wat): four taps per
 *   instruction, outputs sharing a row four at a time so they share coefficient loads, f32
 *   arithmetic (int16 samples are exact in f32; the rounding stays far below one LSB).
 *
 * Stream alignment and length: output sample n is the input signal at input time n·from/to (no
 * offset in content), computed once input up to that time plus the filter half-width has arrived;
 * the filter half-width is the only added latency. After N input samples and `flush()`, the total
 * output is exactly ceil(N·to/from) samples, whatever the chunking (flush completes the filter with
 * zeros so the last samples are not lost). Output is rounded to nearest and clamped to int16.
 */
import { endianness } from 'node:os';
import { prototypeImpulseResponse, tableFor, type PolyphaseTable } from './polyphase.js';
import { simdFilter } from './polyphase-simd.js';

export interface Resampler {
  readonly fromRate: number;
  readonly toRate: number;
  /** Resamples a chunk of whole PCM16LE samples; returns what is ready (possibly empty). */
  push(pcm16le: Buffer): Buffer;
  /** Emits the remaining output (the filter tail) and resets the stream. */
  flush(): Buffer;
}

const LITTLE_ENDIAN_HOST = endianness() === 'LE';
const EMPTY = Buffer.alloc(0);

/** The rates the proxy resamples between (PCM16 client rates and 24 kHz upstream). */
const PRELOAD_RATES = [8000, 11025, 12000, 16000, 22050, 32000, 44100, 48000];

let initialised: Promise<void> | undefined;

/**
 * Prepares the filter tables for every supported rate pair (a few ms, once). Idempotent.
 * Pure TypeScript, no WASM: createResampler also works without it, building a table on first use.
 */
export function initAudio(): Promise<void> {
  initialised ??= Promise.resolve().then(() => {
    for (const rate of PRELOAD_RATES) {
      tableFor(rate, 24000);
      tableFor(24000, rate);
    }
  });
  return initialised;
}

/** Filter look-ahead of a rate pair in ms: the latency the resampler adds (0 for equal rates). */
export function resamplerDelayMs(fromRate: number, toRate: number): number {
  if (fromRate === toRate) return 0;
  return (tableFor(fromRate, toRate).lookAhead / fromRate) * 1000;
}

/**
 * The filter a rate pair uses, as one impulse response at the common rate L·fromRate, for
 * analysis: its spectrum is the resampler's frequency response (DC gain L). Equal rates: a single 1.
 */
export function resamplerImpulseResponse(fromRate: number, toRate: number): { rate: number; taps: Float64Array } {
  if (fromRate === toRate) return { rate: fromRate, taps: Float64Array.of(1) };
  return prototypeImpulseResponse(fromRate, toRate);
}

/** Reads whole PCM16LE samples of `data` into `target` from `offset`, whatever the Buffer's alignment. */
function readPcm16Into(data: Buffer, target: Float32Array, offset: number): void {
  const count = data.length >> 1;
  if (LITTLE_ENDIAN_HOST && (data.byteOffset & 1) === 0) {
    // TypedArray#set converts int16 → float32 natively: ~0.2 µs for 960 samples, ~1.5 µs as a loop.
    target.set(new Int16Array(data.buffer, data.byteOffset, count), offset);
  } else {
    for (let i = 0; i < count; i++) target[offset + i] = data.readInt16LE(i * 2);
  }
}

class PassThroughResampler implements Resampler {
  constructor(
    readonly fromRate: number,
    readonly toRate: number,
  ) {}
  push(pcm16le: Buffer): Buffer {
    return pcm16le;
  }
  flush(): Buffer {
    return EMPTY;
  }
}

class PolyphaseResampler implements Resampler {
  private readonly table: PolyphaseTable;
  /** Input samples (int16 values, exact in f32) from absolute input index `historyStart`; indices < 0 are the zeros before the stream. */
  private history: Float32Array;
  private historyStart = 0;
  private historyLength = 0;
  /** Count of input samples received (relative to the last rebase). */
  private inputCount = 0;
  /** Next output: cycle number and index within the cycle (output n = cycle·L + index). */
  private cycle = 0;
  private index = 0;

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
  ) {
    this.table = tableFor(fromRate, toRate);
    // Just the filter span: reserve() grows it to the chunk size on the first push, so an idle session's resampler
    // costs a few hundred bytes instead of 16 KB (measured by `npm run bench`: idle memory per session).
    this.history = new Float32Array(this.table.lookBack + this.table.lookAhead + 64);
    this.reset();
  }

  push(pcm16le: Buffer): Buffer {
    const count = pcm16le.length >> 1;
    if (count === 0) return EMPTY;
    this.reserve(count);
    readPcm16Into(pcm16le, this.history, this.historyLength);
    this.historyLength += count;
    this.inputCount += count;
    return this.produce(this.inputCount - 1 - this.table.lookAhead, Number.MAX_SAFE_INTEGER);
  }

  flush(): Buffer {
    const { lookAhead, phases, step } = this.table;
    // Complete the filter with zeros and emit the outputs whose time is before the end of the input.
    this.reserve(lookAhead);
    this.history.fill(0, this.historyLength, this.historyLength + lookAhead);
    this.historyLength += lookAhead;
    const out = this.produce(this.inputCount - 1, Math.ceil((this.inputCount * phases) / step));
    this.reset();
    return out;
  }

  private reset(): void {
    const { lookBack } = this.table;
    this.historyStart = -lookBack;
    this.historyLength = lookBack;
    this.history.fill(0, 0, lookBack);
    this.inputCount = 0;
    this.cycle = 0;
    this.index = 0;
  }

  private reserve(extra: number): void {
    if (this.historyLength + extra <= this.history.length) return;
    const grown = new Float32Array(Math.max(this.history.length * 2, this.historyLength + extra));
    grown.set(this.history.subarray(0, this.historyLength));
    this.history = grown;
  }

  /** Computes the outputs whose base input index ≤ `maxBase` and whose index < `maxOutput`. */
  private produce(maxBase: number, maxOutput: number): Buffer {
    const { phases, step } = this.table;
    // Outputs n with floor(n·M/L) ≤ maxBase are those with n < (maxBase + 1)·L/M.
    const firstOutput = this.cycle * phases + this.index;
    const endOutput = Math.min(maxOutput, Math.ceil(((maxBase + 1) * phases) / step));
    const produced = endOutput - firstOutput;
    if (produced <= 0) return EMPTY;
    // history position of the current cycle's input 0
    const cycleBase = this.cycle * step - this.historyStart;
    const bytes = simdFilter().run(this.table, this.history, this.historyLength, cycleBase, this.index, produced);
    this.cycle = Math.floor(endOutput / phases);
    this.index = endOutput - this.cycle * phases;
    this.discardConsumed();
    return bytes;
  }

  /** Drops history the next output no longer needs, and rebases counters on long streams. */
  private discardConsumed(): void {
    const { step, lookBack, baseOf } = this.table;
    const nextBase = this.cycle * step + (baseOf[this.index] as number);
    const drop = Math.min(nextBase - lookBack - this.historyStart, this.historyLength);
    if (drop > 0) {
      this.history.copyWithin(0, drop, this.historyLength);
      this.historyLength -= drop;
      this.historyStart += drop;
    }
    if (this.cycle > 1_000_000) {
      const shift = this.cycle * step;
      this.historyStart -= shift;
      this.inputCount -= shift;
      this.cycle = 0;
    }
  }
}

/**
 * A streaming mono PCM16LE resampler from `fromRate` to `toRate` (positive integer Hz).
 * Equal rates give a pass-through that returns its input Buffer itself.
 */
export function createResampler(fromRate: number, toRate: number): Resampler {
  if (!Number.isInteger(fromRate) || !Number.isInteger(toRate) || fromRate <= 0 || toRate <= 0) {
    throw new RangeError(`sample rates must be positive integers, got ${fromRate} → ${toRate}`);
  }
  if (fromRate === toRate) return new PassThroughResampler(fromRate, toRate);
  return new PolyphaseResampler(fromRate, toRate);
}
