/** Rounds to nearest and clamps to int16. */
export function toInt16(value) {
    const rounded = Math.round(value);
    return rounded > 32767 ? 32767 : rounded < -32768 ? -32768 : rounded;
}
/**
 * Fills `out` with the outputs from cycle index `index` of the cycle whose input 0 is at
 * `cycleBase` in `history`. Kept out of the stateful class so V8 optimises it on its own feedback.
 */
export function filterInto(out, table, history, cycleBase, index) {
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
        const row = rowOf[cycleIndex];
        const begin = rowStart[row];
        const length = rowLength[row];
        let first = base + baseOf[cycleIndex] + rowFirst[row];
        let at = n;
        // Column n holds outputs n, n + L, … < count: `at + span ≤ count + L − 1` means "4 left".
        if (rowContiguous[row] === 1) {
            for (; at + span <= count + phases - 1; at += span, first += 4 * step)
                block4(out, at, phases, history, first, step, coefficients, begin, length);
        }
        else {
            for (; at + span <= count + phases - 1; at += span, first += 4 * step)
                sparseBlock4(out, at, phases, history, first, step, coefficients, offsets, begin, length);
        }
        // The 0–3 left over: with 1–6 outputs per column (44.1, 22.05, 11.025 kHz) that is most of them.
        for (let b = first - rowFirst[row]; at < count; at += phases, b += step) {
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
            if (shared)
                twoByTwo(out, history, windowed, width, lookBack, q);
            else
                quad(out, history, windowed, width, lookBack, q);
        }
    }
    for (; q < pending; q++) {
        const row = rowOf[pendingCycleIndex[q]];
        const first = pendingBase[q] + rowFirst[row];
        out[pendingAt[q]] = toInt16(sparseDot(history, first, coefficients, offsets, rowStart[row], rowLength[row]));
    }
}
/** Column remainders (output index, base input, cycle index): scratch reused across calls. */
let pendingAt = new Int32Array(0);
let pendingBase = new Int32Array(0);
let pendingCycleIndex = new Int32Array(0);
/** As quad, when outputs q, q + 1 share a row and so do q + 2, q + 3: two coefficient loads per step, not four. */
function twoByTwo(out, x, c, width, lookBack, q) {
    const x0 = pendingBase[q] - lookBack;
    const x1 = pendingBase[q + 1] - lookBack;
    const x2 = pendingBase[q + 2] - lookBack;
    const x3 = pendingBase[q + 3] - lookBack;
    const c0 = pendingCycleIndex[q] * width;
    const c2 = pendingCycleIndex[q + 2] * width;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let k = 0; k < width; k++) {
        const h = c[c0 + k];
        const g = c[c2 + k];
        a0 += x[x0 + k] * h;
        a1 += x[x1 + k] * h;
        a2 += x[x2 + k] * g;
        a3 += x[x3 + k] * g;
    }
    out[pendingAt[q]] = toInt16(a0);
    out[pendingAt[q + 1]] = toInt16(a1);
    out[pendingAt[q + 2]] = toInt16(a2);
    out[pendingAt[q + 3]] = toInt16(a3);
}
/** Four pending outputs of any rows, over the whole window (`windowed` rows of `width` taps). */
function quad(out, x, c, width, lookBack, q) {
    const x0 = pendingBase[q] - lookBack;
    const x1 = pendingBase[q + 1] - lookBack;
    const x2 = pendingBase[q + 2] - lookBack;
    const x3 = pendingBase[q + 3] - lookBack;
    const c0 = pendingCycleIndex[q] * width;
    const c1 = pendingCycleIndex[q + 1] * width;
    const c2 = pendingCycleIndex[q + 2] * width;
    const c3 = pendingCycleIndex[q + 3] * width;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let k = 0; k < width; k++) {
        a0 += x[x0 + k] * c[c0 + k];
        a1 += x[x1 + k] * c[c1 + k];
        a2 += x[x2 + k] * c[c2 + k];
        a3 += x[x3 + k] * c[c3 + k];
    }
    out[pendingAt[q]] = toInt16(a0);
    out[pendingAt[q + 1]] = toInt16(a1);
    out[pendingAt[q + 2]] = toInt16(a2);
    out[pendingAt[q + 3]] = toInt16(a3);
}
/** Outputs out[at + j·outStride], j < 4, on contiguous inputs from first + j·inStride. */
function block4(out, at, outStride, x, first, inStride, c, begin, length) {
    const f1 = first + inStride;
    const f2 = f1 + inStride;
    const f3 = f2 + inStride;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let k = 0; k < length; k++) {
        const h = c[begin + k];
        a0 += x[first + k] * h;
        a1 += x[f1 + k] * h;
        a2 += x[f2 + k] * h;
        a3 += x[f3 + k] * h;
    }
    out[at] = toInt16(a0);
    out[at + outStride] = toInt16(a1);
    out[at + 2 * outStride] = toInt16(a2);
    out[at + 3 * outStride] = toInt16(a3);
}
/** As block4, for a row with inner zeros dropped: tap k is at input offset d[begin + k]. */
function sparseBlock4(out, at, outStride, x, first, inStride, c, d, begin, length) {
    const f1 = first + inStride;
    const f2 = f1 + inStride;
    const f3 = f2 + inStride;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let k = begin; k < begin + length; k++) {
        const h = c[k];
        const o = d[k];
        a0 += x[first + o] * h;
        a1 += x[f1 + o] * h;
        a2 += x[f2 + o] * h;
        a3 += x[f3 + o] * h;
    }
    out[at] = toInt16(a0);
    out[at + outStride] = toInt16(a1);
    out[at + 2 * outStride] = toInt16(a2);
    out[at + 3 * outStride] = toInt16(a3);
}
/** One output. */
function sparseDot(x, first, c, d, begin, length) {
    let a = 0;
    for (let k = begin; k < begin + length; k++)
        a += x[first + d[k]] * c[k];
    return a;
}
