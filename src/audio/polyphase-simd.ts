/**
 * Runs the polyphase resampler's filter in WebAssembly SIMD (polyphase-simd.wat, committed as polyphase-simd.wasm):
 * four f32 taps per instruction and four outputs per coefficient load, about 5× less CPU per 20 ms chunk than the
 * same filter in JavaScript (docs/performance.md).
 *
 * One module instance serves every resampler of the process. Its memory holds each rate pair's rows (f32,
 * zero-padded to 8 taps; laid out once, on the pair's first use) and a scratch area reused by every call: the
 * resampler's history is copied in, the kernel writes int16 outputs, and they are copied out into a fresh Buffer.
 * Calls are synchronous, so sessions never share the scratch area at the same time.
 *
 * The arithmetic is f32: int16 samples are exact in f32, and the rounding of 40–90 products of f32 coefficients
 * stays far below one LSB (the signal tests hold SINAD ≥ 90 dB and every output within 1 LSB of the exact
 * convolution).
 */
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import type { PolyphaseTable } from './polyphase.js';

/** WebAssembly memory is little-endian; typed-array views write the host's order, so a big-endian host goes through a DataView. */
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

interface KernelExports {
  readonly memory: WebAssembly.Memory;
  filter(hist: number, out: number, count: number, cycleBase: number, index: number, table: number, phases: number, step: number): void;
}

const WASM_PAGE = 65536;
/** Bytes per cycle-table entry: coefficient address, row bytes, input offset (i32 each). */
const ENTRY_BYTES = 12;
const TAPS_MULTIPLE = 8;
/** Zeros after the copied history: padded taps past a row's end read up to 7 samples beyond it. */
const HISTORY_SLACK = TAPS_MULTIPLE;

function align(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}

/** The row of cycle output i as dense taps from its first input (sparse rows get their zeros back). */
function denseRow(table: PolyphaseTable, i: number): { first: number; taps: number[] } {
  const row = table.rowOf[i] as number;
  const begin = table.rowStart[row] as number;
  const length = table.rowLength[row] as number;
  const taps: number[] = [];
  for (let k = 0; k < length; k++) {
    const offset = table.rowContiguous[row] === 1 ? k : (table.offsets[begin + k] as number);
    taps[offset] = table.coefficients[begin + k] as number;
  }
  return { first: (table.baseOf[i] as number) + (table.rowFirst[row] as number), taps: Array.from(taps, (tap) => tap ?? 0) };
}

class SimdFilter {
  private readonly exports: KernelExports;
  /** End of the laid-out tables: the scratch area starts here. */
  private top = 0;
  private readonly tables = new Map<PolyphaseTable, number>();
  private f32 = new Float32Array(0);
  private u8 = new Uint8Array(0);
  /** The memory's size in bytes (reading `memory.buffer` costs a call into the runtime). */
  private capacity = 0;

  constructor(bytes: Uint8Array<ArrayBuffer>) {
    this.exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as KernelExports;
    this.refreshViews();
  }

  /** Filters `count` outputs from cycle index `index` of the cycle whose input 0 is `history[cycleBase]`. */
  run(table: PolyphaseTable, history: Float32Array, historyLength: number, cycleBase: number, index: number, count: number): Buffer {
    const tableAt = this.tableAddress(table);
    const histAt = align(this.top, 16);
    const outAt = align(histAt + (historyLength + HISTORY_SLACK) * 4, 16);
    this.reserve(outAt + count * 2);
    this.writeF32(histAt, history.subarray(0, historyLength));
    this.f32.fill(0, (histAt >> 2) + historyLength, (histAt >> 2) + historyLength + HISTORY_SLACK);
    this.exports.filter(histAt, outAt, count, cycleBase, index, tableAt, table.phases, table.step);
    // allocUnsafe: a small Buffer comes from Node's pool; every byte is overwritten here.
    const out = Buffer.allocUnsafe(count * 2);
    out.set(this.u8.subarray(outAt, outAt + count * 2));
    return out;
  }

  /** Lays out a rate pair's cycle table and rows (once per pair). */
  private tableAddress(table: PolyphaseTable): number {
    const known = this.tables.get(table);
    if (known !== undefined) return known;
    const rows = Array.from({ length: table.phases }, (_, i) => denseRow(table, i));
    const tableAt = align(this.top, 16);
    let rowAt = align(tableAt + table.phases * ENTRY_BYTES, 16);
    const end = rows.reduce((at, row) => at + align(row.taps.length, TAPS_MULTIPLE) * 4, rowAt);
    this.reserve(end);
    rows.forEach((row, i) => {
      const bytes = align(row.taps.length, TAPS_MULTIPLE) * 4;
      const entry = new DataView(this.exports.memory.buffer, tableAt + i * ENTRY_BYTES, ENTRY_BYTES);
      entry.setInt32(0, rowAt, true);
      entry.setInt32(4, bytes, true);
      entry.setInt32(8, row.first, true);
      this.f32.fill(0, rowAt >> 2, (rowAt + bytes) >> 2);
      this.writeF32(rowAt, row.taps);
      rowAt += bytes;
    });
    this.top = end;
    this.tables.set(table, tableAt);
    return tableAt;
  }

  /** Writes f32 values at byte address `at`, little-endian whatever the host. */
  private writeF32(at: number, values: ArrayLike<number>): void {
    if (LITTLE_ENDIAN_HOST) {
      this.f32.set(values, at >> 2);
      return;
    }
    const view = new DataView(this.exports.memory.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(at + i * 4, values[i] as number, true);
  }

  private reserve(bytes: number): void {
    if (bytes <= this.capacity) return;
    this.exports.memory.grow(Math.ceil((bytes - this.capacity) / WASM_PAGE));
    this.refreshViews();
  }

  /** Growing the memory detaches the old ArrayBuffer: new views. */
  private refreshViews(): void {
    const buffer = this.exports.memory.buffer;
    this.capacity = buffer.byteLength;
    this.f32 = new Float32Array(buffer);
    this.u8 = new Uint8Array(buffer);
  }
}

let filter: SimdFilter | undefined;

/** The process's SIMD filter (compiled on first use: a 1 KB module, well under a millisecond). */
export function simdFilter(): SimdFilter {
  filter ??= new SimdFilter(readFileSync(new URL('./polyphase-simd.wasm', import.meta.url)));
  return filter;
}

export type { SimdFilter };
