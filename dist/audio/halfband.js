import { toInt16 } from './polyphase-kernels.js';
/** Coefficient of row `row` at input offset `offset` (relative to the output's base), 0 where none. */
function tapAt(table, row, offset) {
    const begin = table.rowStart[row];
    const length = table.rowLength[row];
    const first = table.rowFirst[row];
    for (let k = 0; k < length; k++) {
        const at = first + (table.rowContiguous[row] === 1 ? k : table.offsets[begin + k]);
        if (at === offset)
            return table.coefficients[begin + k];
    }
    return 0;
}
/**
 * The half-band kernel of a 2:1 or 1:2 table, or undefined for other ratios (or if the table
 * is not the expected half-band shape, so a design change cannot silently break these kernels).
 * The blocked loop takes two pairs per step, so the pair count must be even (20 today).
 */
export function halfBandKernel(table) {
    const kernel = halfBandShape(table);
    return kernel !== undefined && kernel.pairs.length % 2 === 0 ? kernel : undefined;
}
function halfBandShape(table) {
    const { phases, step, lookAhead, lookBack } = table;
    if (phases === 1 && step === 2 && lookAhead === lookBack && lookAhead % 2 === 1) {
        // Taps at offsets ±1, ±3, … ±lookAhead and 0; zero at the other even offsets.
        const pairs = new Float64Array((lookAhead + 1) / 2);
        for (let k = 0; k < pairs.length; k++)
            pairs[k] = (tapAt(table, 0, -1 - 2 * k) + tapAt(table, 0, 1 + 2 * k)) / 2;
        for (let d = 2; d <= lookAhead; d += 2)
            if (tapAt(table, 0, d) !== 0 || tapAt(table, 0, -d) !== 0)
                return undefined;
        return { kind: 'decimate', pairs, centre: tapAt(table, 0, 0) };
    }
    if (phases === 2 && step === 1 && lookAhead === lookBack + 1 && table.rowLength[0] === 1 && tapAt(table, 0, 0) === 1) {
        // Row 1 (output halfway between inputs 0 and 1): taps at offsets −k and 1 + k.
        const pairs = new Float64Array(lookAhead);
        for (let k = 0; k < pairs.length; k++)
            pairs[k] = (tapAt(table, 1, -k) + tapAt(table, 1, 1 + k)) / 2;
        return { kind: 'interpolate', pairs, centre: 0 };
    }
    return undefined;
}
/**
 * Same contract as polyphase.ts `filterInto`: fills `out` with the outputs from cycle index
 * `index` of the cycle whose input 0 is at `cycleBase` in `history`.
 */
export function halfBandInto(out, kernel, history, cycleBase, index) {
    const count = out.length;
    if (kernel.kind === 'decimate') {
        // One output per cycle, centred on input 0 of its cycle; s = the inputs at odd offsets.
        symmetricRun(out, 0, 1, history, cycleBase - 1, 2, count, kernel.pairs, kernel.centre);
        return;
    }
    // Interpolation: even outputs copy input n, odd outputs are halfway between n and n + 1.
    let at = 0;
    let base = cycleBase;
    if (index === 1 && count > 0) {
        symmetricRun(out, 0, 1, history, base, 1, 1, kernel.pairs, 0);
        at = 1;
        base += 1;
    }
    const copies = (count - at + 1) >> 1;
    for (let n = 0; n < copies; n++)
        out[at + 2 * n] = history[base + n];
    symmetricRun(out, at + 1, 2, history, base, 1, (count - at) >> 1, kernel.pairs, 0);
}
/**
 * Outputs j = 0 … count − 1 into out[outAt + j·outStride], with s[i] = x[first + i·stride]:
 *   y[j] = Σₖ pairs[k]·(s[j − k] + s[j + 1 + k]) + centre·x[first + j·stride + 1]
 * (pairs.length even; each sum is added left to right, in blocks and singly alike).
 */
function symmetricRun(out, outAt, outStride, x, first, stride, count, pairs, centre) {
    const taps = pairs.length;
    let j = 0;
    for (; j + 4 <= count; j += 4) {
        const p = first + j * stride; // s[j]
        // Steps k and k + 1 together (half the register moves of one step at a time). Window
        // A = s[j − k − 1 …] (5 left operands), B = s[j + 1 + k …] (5 right ones): output i uses
        // (A[i + 1], B[i]) at step k and (A[i], B[i + 1]) at step k + 1; each iteration shifts both
        // windows by two and loads two new samples on each side.
        // Entering, as if after steps −2 and −1: A0..A2 = s[j + 1 …], B2..B4 = s[j + 1 …].
        let aa0 = x[p + stride];
        let aa1 = x[p + 2 * stride];
        let aa2 = x[p + 3 * stride];
        let aa3 = 0;
        let aa4 = 0;
        let b0 = 0;
        let b1 = 0;
        let b2 = aa0;
        let b3 = aa1;
        let b4 = aa2;
        let left = p;
        let right = p + 4 * stride;
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        for (let k = 0; k < taps; k += 2) {
            aa4 = aa2;
            aa3 = aa1;
            aa2 = aa0;
            aa1 = x[left];
            aa0 = x[left - stride];
            left -= 2 * stride;
            b0 = b2;
            b1 = b3;
            b2 = b4;
            b3 = x[right];
            b4 = x[right + stride];
            right += 2 * stride;
            const c = pairs[k];
            const d = pairs[k + 1];
            a0 = a0 + c * (aa1 + b0) + d * (aa0 + b1);
            a1 = a1 + c * (aa2 + b1) + d * (aa1 + b2);
            a2 = a2 + c * (aa3 + b2) + d * (aa2 + b3);
            a3 = a3 + c * (aa4 + b3) + d * (aa3 + b4);
        }
        if (centre !== 0) {
            a0 += centre * x[p + 1];
            a1 += centre * x[p + stride + 1];
            a2 += centre * x[p + 2 * stride + 1];
            a3 += centre * x[p + 3 * stride + 1];
        }
        const o = outAt + j * outStride;
        out[o] = toInt16(a0);
        out[o + outStride] = toInt16(a1);
        out[o + 2 * outStride] = toInt16(a2);
        out[o + 3 * outStride] = toInt16(a3);
    }
    for (; j < count; j++) {
        const p = first + j * stride;
        let a = 0;
        for (let k = 0; k < taps; k++)
            a += pairs[k] * (x[p - k * stride] + x[p + (k + 1) * stride]);
        if (centre !== 0)
            a += centre * x[p + 1];
        out[outAt + j * outStride] = toInt16(a);
    }
}
