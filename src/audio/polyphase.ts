/**
 * Polyphase windowed-sinc (Kaiser) filter design: the per-rate-pair tables the streaming resampler
 * (resampler.ts) filters with. See resampler.ts for the design figures and stream semantics; the
 * kernel that runs the tables is polyphase-simd.wat (laid out for it by polyphase-simd.ts).
 *
 * Rates are reduced to L/M (16→24 is 3/2, 48→24 is 1/2, 8→24 is 3/1, 44.1→24 is 80/147). One
 * coefficient row per output phase is precomputed per rate pair (Float64Array), and the
 * phase/input-step sequence of one L-output cycle is tabulated, so the hot loop is integer stepping
 * plus a dot product. Integer ratios are just the small-L cases of the same tables.
 */

const PASS_EDGE = 0.425; // × lowRate
const STOP_EDGE = 0.575; // × lowRate: symmetric about lowRate/2, which makes a Nyquist (L-th band) filter
const STOPBAND_DB = 96;
/** Largest number of polyphase rows we accept (11025↔24000 needs 320). */
const MAX_PHASES = 2000;

export interface PolyphaseTable {
  readonly phases: number; // L
  readonly step: number; // M
  /** Look-ahead in input samples: the last input index any row touches, relative to the output's base. */
  readonly lookAhead: number;
  /** Look-back in input samples: the first input index any row touches is base − lookBack. */
  readonly lookBack: number;
  /**
   * Rows with the prototype's exact zeros trimmed (a cutoff at lowRate/2 zeroes every L-th tap;
   * for 16→24 one row in three is a single 1.0), and inner zeros dropped where that saves a
   * quarter of the row (24→8, 48→24). Row p's taps are `coefficients[rowStart[p] ..
   * rowStart[p] + rowLength[p])`, applied to input indices base + rowFirst[p] + offsets[...]
   * — or, when `rowContiguous[p]`, to consecutive inputs from base + rowFirst[p].
   */
  readonly coefficients: Float64Array;
  readonly offsets: Int32Array;
  readonly rowStart: Int32Array;
  readonly rowLength: Int32Array;
  readonly rowFirst: Int32Array;
  readonly rowContiguous: Uint8Array;
  /** For output i of a cycle: its row. */
  readonly rowOf: Int32Array;
  /** For output i of a cycle: floor(i·M/L), its base input index within the cycle. */
  readonly baseOf: Int32Array;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (series; converges fast for β ≤ 12). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const half = x / 2;
  for (let k = 1; k < 50; k++) {
    term *= (half / k) * (half / k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

const tables = new Map<string, PolyphaseTable>();

function buildTable(fromRate: number, toRate: number): PolyphaseTable {
  const divisor = gcd(fromRate, toRate);
  const phases = toRate / divisor;
  const step = fromRate / divisor;
  if (phases > MAX_PHASES) throw new RangeError(`resampling ${fromRate} → ${toRate} Hz needs ${phases} filter phases (max ${MAX_PHASES})`);
  const lowRate = Math.min(fromRate, toRate);
  // Kaiser design: transition width in cycles per lowRate sample → prototype length in lowRate samples.
  const transition = STOP_EDGE - PASS_EDGE;
  const lengthLow = (STOPBAND_DB - 7.95) / (2.285 * 2 * Math.PI * transition);
  const beta = 0.1102 * (STOPBAND_DB - 8.7);
  const cutoffLow = (PASS_EDGE + STOP_EDGE) / 2; // × lowRate, the −6 dB point
  // Everything below is in input-sample time units.
  const scale = fromRate / lowRate; // > 1 when downsampling: the kernel widens
  const halfWidth = (lengthLow / 2) * scale;
  const cutoff = cutoffLow / scale; // cycles per input sample
  const reach = Math.ceil(halfWidth);
  const i0Beta = besselI0(beta);
  const rows: { first: number; taps: number[]; offsets: number[] }[] = [];
  let lookAhead = 0;
  let lookBack = 0;
  for (let p = 0; p < phases; p++) {
    const frac = p / phases; // output time = base + frac
    const taps: number[] = [];
    const offsets: number[] = [];
    let sum = 0;
    for (let k = -reach; k <= reach + 1; k++) {
      const tau = frac - k; // output time − input index
      const ratio = tau / halfWidth;
      if (Math.abs(ratio) >= 1) continue;
      const x = 2 * cutoff * tau;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const value = 2 * cutoff * sinc * (besselI0(beta * Math.sqrt(1 - ratio * ratio)) / i0Beta);
      taps.push(Math.abs(value) < 1e-12 ? 0 : value); // exact zeros of the sinc
      offsets.push(k);
      sum += value;
    }
    // Trim zeros at both ends; drop inner zeros only when that saves at least a quarter of the row. (The SIMD
    // kernel runs every row dense again, zeros included: polyphase-simd.ts lays them out.)
    while (taps.length > 1 && taps[0] === 0) {
      taps.shift();
      offsets.shift();
    }
    while (taps.length > 1 && taps[taps.length - 1] === 0) {
      taps.pop();
      offsets.pop();
    }
    const nonZero = taps.filter((t) => t !== 0).length;
    const sparse = nonZero <= 0.75 * taps.length;
    const keptTaps = sparse ? taps.filter((t) => t !== 0) : taps;
    const keptOffsets = sparse ? offsets.filter((_, i) => taps[i] !== 0) : offsets;
    // Unity DC gain on every phase, so a constant input gives a constant output.
    const first = keptOffsets[0] ?? 0;
    rows.push({ first, taps: keptTaps.map((t) => t / sum), offsets: keptOffsets.map((k) => k - first) });
    lookBack = Math.max(lookBack, -first);
    lookAhead = Math.max(lookAhead, keptOffsets[keptOffsets.length - 1] ?? 0);
  }
  const total = rows.reduce((n, row) => n + row.taps.length, 0);
  const coefficients = new Float64Array(total);
  const offsets = new Int32Array(total);
  const rowStart = new Int32Array(phases);
  const rowLength = new Int32Array(phases);
  const rowFirst = new Int32Array(phases);
  const rowContiguous = new Uint8Array(phases);
  const rowOf = new Int32Array(phases);
  const baseOf = new Int32Array(phases);
  for (let i = 0; i < phases; i++) {
    rowOf[i] = (i * step) % phases;
    baseOf[i] = Math.floor((i * step) / phases);
  }
  // Rows are laid out in the order a cycle uses them, not by phase: with 80–320 rows (44.1, 22.05,
  // 11.025 kHz) the table outgrows L1, and a sequential walk lets the prefetcher keep up.
  let at = 0;
  for (const p of rowOf) {
    const row = rows[p] as (typeof rows)[number];
    rowStart[p] = at;
    rowLength[p] = row.taps.length;
    rowFirst[p] = row.first;
    rowContiguous[p] = row.offsets.every((k, i) => k === i) ? 1 : 0;
    coefficients.set(row.taps, at);
    offsets.set(row.offsets, at);
    at += row.taps.length;
  }
  return { phases, step, lookAhead, lookBack, coefficients, offsets, rowStart, rowLength, rowFirst, rowContiguous, rowOf, baseOf };
}

/** The (cached) table of a rate pair. */
export function tableFor(fromRate: number, toRate: number): PolyphaseTable {
  const key = `${fromRate}>${toRate}`;
  let table = tables.get(key);
  if (table === undefined) {
    table = buildTable(fromRate, toRate);
    tables.set(key, table);
  }
  return table;
}

/**
 * The filter a rate pair uses, as one impulse response at the common rate L·fromRate (rows
 * interleaved back into the prototype), for analysis: its spectrum is the resampler's frequency
 * response (DC gain L).
 */
export function prototypeImpulseResponse(fromRate: number, toRate: number): { rate: number; taps: Float64Array } {
  const { phases, lookAhead, lookBack, coefficients, offsets, rowStart, rowLength, rowFirst, rowContiguous } = tableFor(fromRate, toRate);
  // Row p, input offset d (τ = p/L − d) is prototype sample j = p − d·L; index from the most negative j.
  const minJ = -lookAhead * phases;
  const taps = new Float64Array((lookAhead + lookBack + 1) * phases);
  for (let p = 0; p < phases; p++) {
    const begin = rowStart[p] as number;
    for (let k = 0; k < (rowLength[p] as number); k++) {
      const d = (rowFirst[p] as number) + (rowContiguous[p] === 1 ? k : (offsets[begin + k] as number));
      taps[p - d * phases - minJ] = coefficients[begin + k] as number;
    }
  }
  return { rate: fromRate * phases, taps };
}
