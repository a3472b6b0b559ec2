/**
 * G.711 μ-law and A-law, bit-exact with the ITU-T G.191 STL reference (`g711.c`:
 * `ulaw_compress`, `ulaw_expand`, `alaw_compress`, `alaw_expand`).
 *
 * How a 16-bit PCM sample maps: G.191 takes 16-bit words whose most significant 14 (μ-law) or
 * 13 (A-law) bits are significant, i.e. plain PCM16. The encoder ignores the low 2 (μ) or 3 (A)
 * bits: μ-law works on `x >> 2` (14-bit, −8192..8191), A-law on `x >> 3` (13-bit, −4096..4095;
 * G.191 folds it to a sign and a 12-bit magnitude `x >> 4`, since A-law's finest step is two 13-bit
 * units, so in effect the low 4 bits never matter). Negative inputs are folded with
 * the one's complement (`~x`, i.e. −x−1), not negation, so `x` and `−x−1` get the same magnitude
 * and opposite signs; the decision thresholds are symmetric around −0.5, so −4..−1 (μ) encode to
 * 0x7F (which decodes to 0, like 0..3 → 0xFF) and −16..−1 (A) to 0x55 (−8, mirroring 0..15 → 0xD5, +8).
 * Libraries that negate instead (e.g. the classic Sun `g711.c` μ-law encoder) differ from G.191
 * on negative inputs that sit exactly on a decision boundary; the tests compare all 65 536 inputs
 * against a literal transcription of G.191 and against sox (which also rounds before encoding).
 *
 * The decoders return PCM16 (G.191's expanders already produce 16-bit left-justified values:
 * μ-law ±32124 full scale, A-law ±32256), including the half-step reconstruction offset.
 *
 * Encoding and decoding are table-driven: 256-entry Int16 decode tables and 16 384-entry (μ,
 * indexed by `x >> 2`) / 8 192-entry (A, indexed by `x >> 3`) Uint8 encode tables, built once at
 * module load from the arithmetic definitions below.
 */
/** μ-law code → PCM16, per G.191 `ulaw_expand`. */
function ulawExpandCode(code) {
    const inverted = ~code & 0xff;
    const exponent = (inverted >> 4) & 0x07;
    const mantissa = inverted & 0x0f;
    const stepSize = 4 << (exponent + 1);
    const magnitude = (0x80 << exponent) + stepSize * mantissa + stepSize / 2 - 4 * 33;
    return code < 0x80 ? -magnitude : magnitude;
}
/** A-law code → PCM16, per G.191 `alaw_expand`. */
function alawExpandCode(code) {
    const toggled = (code ^ 0x55) & 0x7f;
    const exponent = toggled >> 4;
    let mantissa = toggled & 0x0f;
    if (exponent > 0)
        mantissa += 16;
    mantissa = (mantissa << 4) + 8;
    if (exponent > 1)
        mantissa <<= exponent - 1;
    return code > 0x7f ? mantissa : -mantissa;
}
/** PCM16 → μ-law code, per G.191 `ulaw_compress` (segment search written as a bit-length). */
function ulawCompressSample(sample) {
    // One's complement folds negatives (see the module comment); 33 is the μ-law bias in 14-bit units.
    const folded = sample < 0 ? ~sample : sample;
    const biased = Math.min((folded >> 2) + 33, 0x1fff);
    // Segment = bit length of (biased >> 6) plus one; biased ≥ 33 so segment is 1..8.
    const segment = 33 - Math.clz32(biased >> 6);
    const highNibble = 8 - segment;
    const lowNibble = 0x0f - ((biased >> segment) & 0x0f);
    const code = (highNibble << 4) | lowNibble;
    return sample >= 0 ? code | 0x80 : code;
}
/** PCM16 → A-law code, per G.191 `alaw_compress`. */
function alawCompressSample(sample) {
    const folded = sample < 0 ? ~sample : sample;
    const magnitude12 = folded >> 4; // 0..2047
    let code;
    if (magnitude12 <= 15) {
        code = magnitude12;
    }
    else {
        const exponent = 28 - Math.clz32(magnitude12); // 16..31 → 1, 32..63 → 2, …, 1024..2047 → 7
        code = (exponent << 4) | ((magnitude12 >> (exponent - 1)) & 0x0f);
    }
    if (sample >= 0)
        code |= 0x80;
    return code ^ 0x55;
}
const ULAW_DECODE = new Int16Array(256);
const ALAW_DECODE = new Int16Array(256);
for (let code = 0; code < 256; code++) {
    ULAW_DECODE[code] = ulawExpandCode(code);
    ALAW_DECODE[code] = alawExpandCode(code);
}
// Indexed by the 14-bit (μ) / 13-bit (A) two's-complement value the encoder actually looks at.
const ULAW_ENCODE = new Uint8Array(1 << 14);
const ALAW_ENCODE = new Uint8Array(1 << 13);
for (let index = 0; index < 1 << 14; index++) {
    const sample = ((index << 18) >> 16) | 0; // sign-extend 14 bits, back to a 16-bit sample (low bits 0)
    ULAW_ENCODE[index] = ulawCompressSample(sample);
}
for (let index = 0; index < 1 << 13; index++) {
    const sample = ((index << 19) >> 16) | 0;
    ALAW_ENCODE[index] = alawCompressSample(sample);
}
/** One PCM16 sample (clamped to −32768..32767, truncated to an integer) → μ-law code. */
export function linearToUlaw(sample) {
    const clamped = sample > 32767 ? 32767 : sample < -32768 ? -32768 : sample | 0;
    return ULAW_ENCODE[(clamped >> 2) & 0x3fff] ?? 0;
}
/** One μ-law code (0..255) → PCM16 sample. */
export function ulawToLinear(code) {
    return ULAW_DECODE[code & 0xff] ?? 0;
}
/** One PCM16 sample (clamped to −32768..32767, truncated to an integer) → A-law code. */
export function linearToAlaw(sample) {
    const clamped = sample > 32767 ? 32767 : sample < -32768 ? -32768 : sample | 0;
    return ALAW_ENCODE[(clamped >> 3) & 0x1fff] ?? 0;
}
/** One A-law code (0..255) → PCM16 sample. */
export function alawToLinear(code) {
    return ALAW_DECODE[code & 0xff] ?? 0;
}
/** μ-law bytes → PCM16 samples (new array). */
export function ulawDecode(bytes) {
    const out = new Int16Array(bytes.length);
    for (let i = 0; i < bytes.length; i++)
        out[i] = ULAW_DECODE[bytes[i]];
    return out;
}
/** A-law bytes → PCM16 samples (new array). */
export function alawDecode(bytes) {
    const out = new Int16Array(bytes.length);
    for (let i = 0; i < bytes.length; i++)
        out[i] = ALAW_DECODE[bytes[i]];
    return out;
}
/** PCM16 samples → μ-law bytes (new array). */
export function ulawEncode(samples) {
    const out = new Uint8Array(samples.length);
    for (let i = 0; i < samples.length; i++)
        out[i] = ULAW_ENCODE[(samples[i] >> 2) & 0x3fff];
    return out;
}
/** PCM16 samples → A-law bytes (new array). */
export function alawEncode(samples) {
    const out = new Uint8Array(samples.length);
    for (let i = 0; i < samples.length; i++)
        out[i] = ALAW_ENCODE[(samples[i] >> 3) & 0x1fff];
    return out;
}
