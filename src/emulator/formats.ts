/** Audio of the GA session's formats: decoding for the VAD, conversion between formats, a tone for text replies. */
import { alawDecode, alawEncode, ulawDecode, ulawEncode } from '../audio/g711.js';
import { createResampler, initAudio } from '../audio/resampler.js';
import { upstreamRate } from '../audio/upstream-formats.js';
import type { AudioFormat } from './types.js';

/** PCM16 samples of `bytes` (a view when the bytes are aligned, else a copy). Assumes a little-endian host. */
export function decodeToPcm16(format: AudioFormat, bytes: Uint8Array): Int16Array {
  if (format.type === 'audio/pcmu') return ulawDecode(bytes);
  if (format.type === 'audio/pcma') return alawDecode(bytes);
  const samples = bytes.byteLength >> 1;
  if (bytes.byteOffset % 2 === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, samples);
  return new Int16Array(bytes.slice(0, samples * 2).buffer);
}

/** Encodes PCM16 samples (already at the format's rate) into `format`. */
export function encodePcm16(format: AudioFormat, samples: Int16Array): Buffer {
  if (format.type === 'audio/pcmu') return Buffer.from(ulawEncode(samples));
  if (format.type === 'audio/pcma') return Buffer.from(alawEncode(samples));
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
}

/** `bytes` of `from` re-encoded as `to`; the same bytes when the formats match. */
export async function convertAudio(bytes: Buffer, from: AudioFormat, to: AudioFormat): Promise<Buffer> {
  if (from.type === to.type) return bytes;
  let pcm = decodeToPcm16(from, bytes);
  const fromRate = upstreamRate(from);
  const toRate = upstreamRate(to);
  if (fromRate !== toRate) {
    await initAudio();
    const resampler = createResampler(fromRate, toRate);
    const pcmBytes = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
    const out = Buffer.concat([resampler.push(pcmBytes), resampler.flush()]);
    pcm = decodeToPcm16({ type: 'audio/pcm', rate: 24000 }, out);
  }
  return encodePcm16(to, pcm);
}

/** A quiet 440 Hz tone of `ms` milliseconds in `format`: the emulator's "speech" for text replies. */
export function toneAudio(format: AudioFormat, ms: number): Buffer {
  const rate = upstreamRate(format);
  const samples = new Int16Array(Math.round((rate * ms) / 1000));
  const amplitude = 32767 * 10 ** (-30 / 20);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(amplitude * Math.sin((2 * Math.PI * 440 * i) / rate));
  return encodePcm16(format, samples);
}
