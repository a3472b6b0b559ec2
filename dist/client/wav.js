/** RIFF/WAVE reading (PCM 8/16/24/32-bit, float 32/64, any rate and channel count, downmixed to mono) and PCM16 writing. */
import { endianness } from 'node:os';
const FORMAT_PCM = 0x0001;
const FORMAT_FLOAT = 0x0003;
const FORMAT_EXTENSIBLE = 0xfffe;
const HEADER_BYTES = 44;
/** The input is not a WAV file this reader understands; the message says why. */
export class WavFormatError extends Error {
    name = 'WavFormatError';
}
/** Parses a RIFF/WAVE file into mono PCM16. Throws `WavFormatError` for anything it cannot read. */
export function readWav(bytes) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.byteLength < 12 || fourCc(view, 0) !== 'RIFF' || fourCc(view, 8) !== 'WAVE') {
        throw new WavFormatError('not a RIFF/WAVE file');
    }
    let format;
    let offset = 12;
    while (offset + 8 <= bytes.byteLength) {
        const id = fourCc(view, offset);
        const declaredBytes = view.getUint32(offset + 4, true);
        const bodyOffset = offset + 8;
        // Streaming writers leave the size at 0 or 0xFFFFFFFF; a truncated file still holds what it holds.
        const bodyBytes = Math.min(declaredBytes, bytes.byteLength - bodyOffset);
        if (id === 'fmt ') {
            format = parseFormat(view, bodyOffset, bodyBytes);
        }
        else if (id === 'data') {
            if (!format)
                throw new WavFormatError('data chunk before fmt chunk');
            const dataBytes = declaredBytes === 0 || declaredBytes === 0xffffffff ? bytes.byteLength - bodyOffset : bodyBytes;
            return {
                rate: format.rate,
                samples: decodeToMono(view, bodyOffset, dataBytes, format),
                channels: format.channels,
                bitsPerSample: format.bitsPerSample,
                encoding: format.encoding,
            };
        }
        offset = bodyOffset + declaredBytes + (declaredBytes & 1); // chunks are word-aligned
    }
    throw new WavFormatError(format ? 'no data chunk' : 'no fmt chunk');
}
/** Encodes mono PCM16 samples as a canonical 44-byte-header WAV file. */
export function encodeWav(samples, rate) {
    const dataBytes = samples.length * 2;
    const out = Buffer.alloc(HEADER_BYTES + dataBytes);
    out.write('RIFF', 0, 'ascii');
    out.writeUInt32LE(HEADER_BYTES - 8 + dataBytes, 4);
    out.write('WAVE', 8, 'ascii');
    out.write('fmt ', 12, 'ascii');
    out.writeUInt32LE(16, 16);
    out.writeUInt16LE(FORMAT_PCM, 20);
    out.writeUInt16LE(1, 22);
    out.writeUInt32LE(rate, 24);
    out.writeUInt32LE(rate * 2, 28);
    out.writeUInt16LE(2, 32);
    out.writeUInt16LE(16, 34);
    out.write('data', 36, 'ascii');
    out.writeUInt32LE(dataBytes, 40);
    for (let i = 0; i < samples.length; i++)
        out.writeInt16LE(samples[i] ?? 0, HEADER_BYTES + i * 2);
    return out;
}
/** Little-endian PCM16 bytes of `samples` (a view without copying on little-endian hosts). */
export function samplesToPcm16(samples) {
    if (endianness() === 'LE')
        return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
    const out = Buffer.alloc(samples.length * 2);
    for (let i = 0; i < samples.length; i++)
        out.writeInt16LE(samples[i] ?? 0, i * 2);
    return out;
}
/** Little-endian PCM16 bytes to samples (copies; ignores a trailing odd byte). */
export function pcm16ToSamples(bytes) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out = new Int16Array(bytes.byteLength >> 1);
    for (let i = 0; i < out.length; i++)
        out[i] = view.getInt16(i * 2, true);
    return out;
}
/** Duration of `samples` at `rate`, in milliseconds. */
export function durationMs(samples, rate) {
    return (samples.length * 1000) / rate;
}
function parseFormat(view, offset, bytes) {
    if (bytes < 16)
        throw new WavFormatError('fmt chunk too short');
    let tag = view.getUint16(offset, true);
    const channels = view.getUint16(offset + 2, true);
    const rate = view.getUint32(offset + 4, true);
    const blockAlign = view.getUint16(offset + 12, true);
    const bitsPerSample = view.getUint16(offset + 14, true);
    if (tag === FORMAT_EXTENSIBLE) {
        // WAVE_FORMAT_EXTENSIBLE: the real format tag is the first two bytes of the sub-format GUID.
        if (bytes < 40)
            throw new WavFormatError('extensible fmt chunk too short');
        tag = view.getUint16(offset + 24, true);
    }
    if (channels < 1)
        throw new WavFormatError('zero channels');
    if (rate < 1)
        throw new WavFormatError('zero sample rate');
    let encoding;
    if (tag === FORMAT_PCM && [8, 16, 24, 32].includes(bitsPerSample))
        encoding = 'pcm';
    else if (tag === FORMAT_FLOAT && (bitsPerSample === 32 || bitsPerSample === 64))
        encoding = 'float';
    else
        throw new WavFormatError(`unsupported encoding: format tag ${tag} with ${bitsPerSample} bits per sample`);
    if (blockAlign < (channels * bitsPerSample) / 8)
        throw new WavFormatError(`block align ${blockAlign} too small`);
    return { encoding, channels, rate, blockAlign, bitsPerSample };
}
function decodeToMono(view, offset, bytes, format) {
    const frames = Math.floor(bytes / format.blockAlign);
    const read = sampleReader(view, format);
    const bytesPerSample = format.bitsPerSample / 8;
    const out = new Int16Array(frames);
    for (let frame = 0; frame < frames; frame++) {
        const frameOffset = offset + frame * format.blockAlign;
        let sum = 0;
        for (let channel = 0; channel < format.channels; channel++)
            sum += read(frameOffset + channel * bytesPerSample);
        out[frame] = floatToInt16(sum / format.channels);
    }
    return out;
}
/** Returns a reader of one sample as a float in [-1, 1). */
function sampleReader(view, format) {
    if (format.encoding === 'float') {
        return format.bitsPerSample === 32 ? (o) => view.getFloat32(o, true) : (o) => view.getFloat64(o, true);
    }
    switch (format.bitsPerSample) {
        case 8:
            return (o) => (view.getUint8(o) - 128) / 128; // 8-bit WAV is unsigned
        case 16:
            return (o) => view.getInt16(o, true) / 32768;
        case 24:
            return (o) => ((view.getUint8(o) | (view.getUint8(o + 1) << 8) | (view.getInt8(o + 2) << 16)) / 8388608);
        default:
            return (o) => view.getInt32(o, true) / 2147483648;
    }
}
function floatToInt16(value) {
    const scaled = Math.round(value * 32768);
    return scaled > 32767 ? 32767 : scaled < -32768 ? -32768 : scaled;
}
function fourCc(view, offset) {
    return String.fromCharCode(view.getUint8(offset), view.getUint8(offset + 1), view.getUint8(offset + 2), view.getUint8(offset + 3));
}
