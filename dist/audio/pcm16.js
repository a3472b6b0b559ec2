/** PCM16 little-endian byte buffers ⇄ Int16Array, without unaligned views and with as few copies as possible. */
import { endianness } from 'node:os';
const LITTLE_ENDIAN_HOST = endianness() === 'LE';
/**
 * The whole samples of `data` as an Int16Array: a view when the Buffer sits on an even byte offset
 * (on a little-endian host), otherwise a copy (Node Buffers from `ws` may be slices at any offset,
 * and an Int16Array cannot start on an odd byte). A trailing odd byte is ignored.
 */
export function pcm16Samples(data) {
    const count = data.length >> 1;
    if (LITTLE_ENDIAN_HOST && (data.byteOffset & 1) === 0)
        return new Int16Array(data.buffer, data.byteOffset, count);
    const out = new Int16Array(count);
    for (let i = 0; i < count; i++)
        out[i] = data.readInt16LE(i * 2);
    return out;
}
/** Int16 samples as PCM16LE bytes: a view of the same memory on a little-endian host. */
export function pcm16Bytes(samples) {
    if (LITTLE_ENDIAN_HOST)
        return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
    const out = Buffer.allocUnsafe(samples.length * 2);
    for (let i = 0; i < samples.length; i++)
        out.writeInt16LE(samples[i], i * 2);
    return out;
}
