/**
 * The generic polyphase filtering kernels (any L/M) the streaming resampler runs on every chunk;
 * the 2:1 and 1:2 pairs have their own symmetric kernels (halfband.ts).
 *
 * Outputs n, n + L, n + 2L, … of a chunk use the same row, on inputs M apart, wherever the chunk
 * starts in the cycle. So the outputs are walked column by column (one column per row), each
 * column in blocks of 4 that load each coefficient once and keep four independent sums in flight
 * (~0.8 ns per tap per output in V8 here; the cost is mostly the index arithmetic and bounds check
 * of each load, not the multiply). The 0–3 outputs a column has left are then computed four at a
 * time across columns (two coefficient streams when they pair up, four otherwise) over rows
 * zero-padded to a common window, and only the last 0–3 of all one at a time. Blocking columns
 * rather than whole cycles also blocks the partial cycles at both ends of a push (44.1 kHz pairs:
 * a 20 ms chunk is 6 cycles of 80 or 147 outputs, not starting at a cycle boundary).
 *
 * Every output is one sequential sum over its row, whatever the block size, so the result does not
 * depend on how the stream was chunked.
 */
import type { PolyphaseTable } from './polyphase.js';

/** Rounds to nearest and clamps to int16. */
export function toInt16(value: number): number {
  const rounded = Math.round(value);
  return rounded > 32767 ? 32767 : rounded < -32768 ? -32768 : rounded;
}

/**
 * Fills `out` with the outputs from cycle index `index` of the cycle whose input 0 is at
 * `cycleBase` in `history`. Kept out of the stateful class so V8 optimises it on its own feedback.
 */
export function filterInto(out: Int16Array, table: PolyphaseTable, history: Float64Array, cycleBase: number, index: number): void {
  const { phases, step, lookBack, lookAhead, coefficients, offsets, rowStart, rowLength, rowFirst, rowContiguous, windowed, rowOf, baseOf } = table;
  const count = out.length;
  const span = 4 * phases;
  // At most 3 left over per column, so the scratch stays small whatever the chunk size.
  const capacity = Math.min(count, 3 * phases);
  if (pendingAt.length < capacity) {
    pendingAt = new Int32Array(capacity);
    pendingBase = new Int32Array(capacity);
    pendingCycleIndex = new Int32Array(capacity);
  }
  let pending = 0;
  let cycleIndex = index;
  let base = cycleBase;
  for (let n = 0; n < phases && n < count; n++) {
    const row = rowOf[cycleIndex] as number;
    const begin = rowStart[row] as number;
    const length = rowLength[row] as number;
    let first = base + (baseOf[cycleIndex] as number) + (rowFirst[row] as number);
    let at = n;
    // Column n holds outputs n, n + L, … < count: `at + span ≤ count + L − 1` means "4 left".
    if (rowContiguous[row] === 1) {
      for (; at + span <= count + phases - 1; at += span, first += 4 * step) block4(out, at, phases, history, first, step, coefficients, begin, length);
    } else {
      for (; at + span <= count + phases - 1; at += span, first += 4 * step) sparseBlock4(out, at, phases, history, first, step, coefficients, offsets, begin, length);
    }
    // The 0–3 left over: with 1–6 outputs per column (44.1, 22.05, 11.025 kHz) that is most of them.
    for (let b = first - (rowFirst[row] as number); at < count; at += phases, b += step) {
      pendingAt[pending] = at;
      pendingBase[pending] = b;
      pendingCycleIndex[pending++] = cycleIndex;
    }
    if (++cycleIndex === phases) {
      cycleIndex = 0;
      base += step;
    }
  }
  let q = 0;
  if (windowed !== undefined) {
    const width = lookBack + lookAhead + 1;
    for (; q + 4 <= pending; q += 4) {
      // Usually two outputs each of two columns (44.1 kHz: 6 per column, 4 blocked + 2 left).
      const shared = pendingCycleIndex[q] === pendingCycleIndex[q + 1] && pendingCycleIndex[q + 2] === pendingCycleIndex[q + 3];
      if (shared) twoByTwo(out, history, windowed, width, lookBack, q);
      else quad(out, history, windowed, width, lookBack, q);
    }
  }
  for (; q < pending; q++) {
    const row = rowOf[pendingCycleIndex[q] as number] as number;
    const first = (pendingBase[q] as number) + (rowFirst[row] as number);
    out[pendingAt[q] as number] = toInt16(sparseDot(history, first, coefficients, offsets, rowStart[row] as number, rowLength[row] as number));
  }
}

/** Column remainders (output index, base input, cycle index): scratch reused across calls. */
let pendingAt = new Int32Array(0);
let pendingBase = new Int32Array(0);
let pendingCycleIndex = new Int32Array(0);

/** As quad, when outputs q, q + 1 share a row and so do q + 2, q + 3: two coefficient loads per step, not four. */
function twoByTwo(out: Int16Array, x: Float64Array, c: Float64Array, width: number, lookBack: number, q: number): void {
  const x0 = (pendingBase[q] as number) - lookBack;
  const x1 = (pendingBase[q + 1] as number) - lookBack;
  const x2 = (pendingBase[q + 2] as number) - lookBack;
  const x3 = (pendingBase[q + 3] as number) - lookBack;
  const c0 = (pendingCycleIndex[q] as number) * width;
  const c2 = (pendingCycleIndex[q + 2] as number) * width;
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  for (let k = 0; k < width; k++) {
    const h = c[c0 + k] as number;
    const g = c[c2 + k] as number;
    a0 += (x[x0 + k] as number) * h;
    a1 += (x[x1 + k] as number) * h;
    a2 += (x[x2 + k] as number) * g;
    a3 += (x[x3 + k] as number) * g;
  }
  out[pendingAt[q] as number] = toInt16(a0);
  out[pendingAt[q + 1] as number] = toInt16(a1);
  out[pendingAt[q + 2] as number] = toInt16(a2);
  out[pendingAt[q + 3] as number] = toInt16(a3);
}

/** Four pending outputs of any rows, over the whole window (`windowed` rows of `width` taps). */
function quad(out: Int16Array, x: Float64Array, c: Float64Array, width: number, lookBack: number, q: number): void {
  const x0 = (pendingBase[q] as number) - lookBack;
  const x1 = (pendingBase[q + 1] as number) - lookBack;
  const x2 = (pendingBase[q + 2] as number) - lookBack;
  const x3 = (pendingBase[q + 3] as number) - lookBack;
  const c0 = (pendingCycleIndex[q] as number) * width;
  const c1 = (pendingCycleIndex[q + 1] as number) * width;
  const c2 = (pendingCycleIndex[q + 2] as number) * width;
  const c3 = (pendingCycleIndex[q + 3] as number) * width;
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  for (let k = 0; k < width; k++) {
    a0 += (x[x0 + k] as number) * (c[c0 + k] as number);
    a1 += (x[x1 + k] as number) * (c[c1 + k] as number);
    a2 += (x[x2 + k] as number) * (c[c2 + k] as number);
    a3 += (x[x3 + k] as number) * (c[c3 + k] as number);
  }
  out[pendingAt[q] as number] = toInt16(a0);
  out[pendingAt[q + 1] as number] = toInt16(a1);
  out[pendingAt[q + 2] as number] = toInt16(a2);
  out[pendingAt[q + 3] as number] = toInt16(a3);
}

/** Outputs out[at + j·outStride], j < 4, on contiguous inputs from first + j·inStride. */
function block4(out: Int16Array, at: number, outStride: number, x: Float64Array, first: number, inStride: number, c: Float64Array, begin: number, length: number): void {
  const f1 = first + inStride;
  const f2 = f1 + inStride;
  const f3 = f2 + inStride;
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  for (let k = 0; k < length; k++) {
    const h = c[begin + k] as number;
    a0 += (x[first + k] as number) * h;
    a1 += (x[f1 + k] as number) * h;
    a2 += (x[f2 + k] as number) * h;
    a3 += (x[f3 + k] as number) * h;
  }
  out[at] = toInt16(a0);
  out[at + outStride] = toInt16(a1);
  out[at + 2 * outStride] = toInt16(a2);
  out[at + 3 * outStride] = toInt16(a3);
}

/** As block4, for a row with inner zeros dropped: tap k is at input offset d[begin + k]. */
function sparseBlock4(
  out: Int16Array,
  at: number,
  outStride: number,
  x: Float64Array,
  first: number,
  inStride: number,
  c: Float64Array,
  d: Int32Array,
  begin: number,
  length: number,
): void {
  const f1 = first + inStride;
  const f2 = f1 + inStride;
  const f3 = f2 + inStride;
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  for (let k = begin; k < begin + length; k++) {
    const h = c[k] as number;
    const o = d[k] as number;
    a0 += (x[first + o] as number) * h;
    a1 += (x[f1 + o] as number) * h;
    a2 += (x[f2 + o] as number) * h;
    a3 += (x[f3 + o] as number) * h;
  }
  out[at] = toInt16(a0);
  out[at + outStride] = toInt16(a1);
  out[at + 2 * outStride] = toInt16(a2);
  out[at + 3 * outStride] = toInt16(a3);
}

/** One output. */
function sparseDot(x: Float64Array, first: number, c: Float64Array, d: Int32Array, begin: number, length: number): number {
  let a = 0;
  for (let k = begin; k < begin + length; k++) a += (x[first + (d[k] as number)] as number) * (c[k] as number);
  return a;
}
