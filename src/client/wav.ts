/**
 * RIFF/WAVE reading (PCM 8/16/24/32-bit, float 32/64, G.711 μ-law and A-law; any rate and channel count, downmixed
 * to mono) and writing (PCM16, G.711).
 */
import { endianness } from 'node:os';
import { alawToLinear, ulawToLinear } from '../audio/g711.js';

const FORMAT_PCM = 0x0001;
const FORMAT_FLOAT = 0x0003;
const FORMAT_ALAW = 0x0006;
const FORMAT_MULAW = 0x0007;
const FORMAT_EXTENSIBLE = 0xfffe;
const HEADER_BYTES = 44;

/** A WAV file's audio as mono PCM16, with what the file itself declared. */
export interface WavAudio {
  readonly rate: number;
  /** Mono samples: the file's channels averaged, converted to 16-bit. */
  readonly samples: Int16Array;
  /** Channel count in the file (before the downmix). */
  readonly channels: number;
  readonly bitsPerSample: number;
  readonly encoding: Encoding;
  /** A mono 8 kHz G.711 file's bytes as they are, to send untouched (the telephony path). */
  readonly g711?: Uint8Array;
}

type Encoding = 'pcm' | 'float' | 'g711_ulaw' | 'g711_alaw';

/** The input is not a WAV file this reader understands; the message says why. */
export class WavFormatError extends Error {
  override readonly name = 'WavFormatError';
}

interface FormatChunk {
  readonly encoding: Encoding;
  readonly channels: number;
  readonly rate: number;
  readonly blockAlign: number;
  readonly bitsPerSample: number;
}

/** Parses a RIFF/WAVE file into mono PCM16. Throws `WavFormatError` for anything it cannot read. */
export function readWav(bytes: Uint8Array): WavAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 12 || fourCc(view, 0) !== 'RIFF' || fourCc(view, 8) !== 'WAVE') {
    throw new WavFormatError('not a RIFF/WAVE file');
  }
  let format: FormatChunk | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.byteLength) {
    const id = fourCc(view, offset);
    const declaredBytes = view.getUint32(offset + 4, true);
    const bodyOffset = offset + 8;
    // Streaming writers leave the size at 0 or 0xFFFFFFFF; a truncated file still holds what it holds.
    const bodyBytes = Math.min(declaredBytes, bytes.byteLength - bodyOffset);
    if (id === 'fmt ') {
      format = parseFormat(view, bodyOffset, bodyBytes);
    } else if (id === 'data') {
      if (!format) throw new WavFormatError('data chunk before fmt chunk');
      const dataBytes = declaredBytes === 0 || declaredBytes === 0xffffffff ? bytes.byteLength - bodyOffset : bodyBytes;
      const passThrough = (format.encoding === 'g711_ulaw' || format.encoding === 'g711_alaw') && format.channels === 1 && format.rate === 8000;
      return {
        rate: format.rate,
        samples: decodeToMono(view, bodyOffset, dataBytes, format),
        channels: format.channels,
        bitsPerSample: format.bitsPerSample,
        encoding: format.encoding,
        ...(passThrough ? { g711: bytes.slice(bodyOffset, bodyOffset + dataBytes) } : {}),
      };
    }
    offset = bodyOffset + declaredBytes + (declaredBytes & 1); // chunks are word-aligned
  }
  throw new WavFormatError(format ? 'no data chunk' : 'no fmt chunk');
}

/** Encodes mono PCM16 samples as a canonical 44-byte-header WAV file. */
export function encodeWav(samples: Int16Array, rate: number): Buffer {
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
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i] ?? 0, HEADER_BYTES + i * 2);
  return out;
}

/** Encodes mono G.711 bytes as a WAV file (format tag 7 μ-law or 6 A-law, 8 bits; with the `fact` chunk non-PCM needs). */
export function encodeG711Wav(bytes: Uint8Array, law: 'g711_ulaw' | 'g711_alaw', rate = 8000): Buffer {
  const header = Buffer.alloc(58);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(header.length - 8 + bytes.byteLength + (bytes.byteLength & 1), 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(18, 16);
  header.writeUInt16LE(law === 'g711_ulaw' ? FORMAT_MULAW : FORMAT_ALAW, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate, 28);
  header.writeUInt16LE(1, 32);
  header.writeUInt16LE(8, 34);
  header.writeUInt16LE(0, 36); // cbSize
  header.write('fact', 38, 'ascii');
  header.writeUInt32LE(4, 42);
  header.writeUInt32LE(bytes.byteLength, 46);
  header.write('data', 50, 'ascii');
  header.writeUInt32LE(bytes.byteLength, 54);
  return Buffer.concat([header, bytes, Buffer.alloc(bytes.byteLength & 1)]);
}

/** Little-endian PCM16 bytes of `samples` (a view without copying on little-endian hosts). */
export function samplesToPcm16(samples: Int16Array): Buffer {
  if (endianness() === 'LE') return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const out = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i] ?? 0, i * 2);
  return out;
}

/** Little-endian PCM16 bytes to samples (copies; ignores a trailing odd byte). */
export function pcm16ToSamples(bytes: Uint8Array): Int16Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int16Array(bytes.byteLength >> 1);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true);
  return out;
}

/** Duration of `samples` at `rate`, in milliseconds. */
export function durationMs(samples: Int16Array, rate: number): number {
  return (samples.length * 1000) / rate;
}

function parseFormat(view: DataView, offset: number, bytes: number): FormatChunk {
  if (bytes < 16) throw new WavFormatError('fmt chunk too short');
  let tag = view.getUint16(offset, true);
  const channels = view.getUint16(offset + 2, true);
  const rate = view.getUint32(offset + 4, true);
  const blockAlign = view.getUint16(offset + 12, true);
  const bitsPerSample = view.getUint16(offset + 14, true);
  if (tag === FORMAT_EXTENSIBLE) {
    // WAVE_FORMAT_EXTENSIBLE: the real format tag is the first two bytes of the sub-format GUID.
    if (bytes < 40) throw new WavFormatError('extensible fmt chunk too short');
    tag = view.getUint16(offset + 24, true);
  }
  if (channels < 1) throw new WavFormatError('zero channels');
  if (rate < 1) throw new WavFormatError('zero sample rate');
  let encoding: Encoding;
  if (tag === FORMAT_PCM && [8, 16, 24, 32].includes(bitsPerSample)) encoding = 'pcm';
  else if (tag === FORMAT_FLOAT && (bitsPerSample === 32 || bitsPerSample === 64)) encoding = 'float';
  else if (tag === FORMAT_MULAW && bitsPerSample === 8) encoding = 'g711_ulaw';
  else if (tag === FORMAT_ALAW && bitsPerSample === 8) encoding = 'g711_alaw';
  else throw new WavFormatError(`unsupported encoding: format tag ${tag} with ${bitsPerSample} bits per sample`);
  if (blockAlign < (channels * bitsPerSample) / 8) throw new WavFormatError(`block align ${blockAlign} too small`);
  return { encoding, channels, rate, blockAlign, bitsPerSample };
}

function decodeToMono(view: DataView, offset: number, bytes: number, format: FormatChunk): Int16Array {
  const frames = Math.floor(bytes / format.blockAlign);
  const read = sampleReader(view, format);
  const bytesPerSample = format.bitsPerSample / 8;
  const out = new Int16Array(frames);
  for (let frame = 0; frame < frames; frame++) {
    const frameOffset = offset + frame * format.blockAlign;
    let sum = 0;
    for (let channel = 0; channel < format.channels; channel++) sum += read(frameOffset + channel * bytesPerSample);
    out[frame] = floatToInt16(sum / format.channels);
  }
  return out;
}

/** Returns a reader of one sample as a float in [-1, 1). */
function sampleReader(view: DataView, format: FormatChunk): (offset: number) => number {
  if (format.encoding === 'float') {
    return format.bitsPerSample === 32 ? (o) => view.getFloat32(o, true) : (o) => view.getFloat64(o, true);
  }
  if (format.encoding === 'g711_ulaw') return (o) => ulawToLinear(view.getUint8(o)) / 32768;
  if (format.encoding === 'g711_alaw') return (o) => alawToLinear(view.getUint8(o)) / 32768;
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

function floatToInt16(value: number): number {
  const scaled = Math.round(value * 32768);
  return scaled > 32767 ? 32767 : scaled < -32768 ? -32768 : scaled;
}

function fourCc(view: DataView, offset: number): string {
  return String.fromCharCode(view.getUint8(offset), view.getUint8(offset + 1), view.getUint8(offset + 2), view.getUint8(offset + 3));
}
