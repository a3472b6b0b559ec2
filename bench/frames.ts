/**
 * Benchmark audio frames with a sequence marker in their first three samples, for both wire forms: binary PCM16
 * frames to the proxy, and `input_audio_buffer.append` JSON (base64) straight to the upstream.
 *
 * Marker: samples 0..2 = [0x00A5, seq & 0xFF, seq >> 8 & 0xFF]. The values are tiny (< 256) so that the marker
 * does not look like speech to a level-based VAD; the rest of the frame is a quiet 440 Hz tone. Six bytes are a
 * whole number of base64 quanta, so the JSON form is `head (8 chars, per frame) + tail (precomputed)`.
 */

export const MARKER_MAGIC = 0xa5;
export const MARKER_BYTES = 6;
/** Sequence numbers wrap at 2^16 frames (21 min at 20 ms): far beyond any stream here. */
export const MAX_SEQ = 0x10000;
/** The upstream (OpenAI Realtime) PCM rate. */
export const UPSTREAM_RATE = 24000;

const TONE_HZ = 440;
const TONE_AMPLITUDE = 300;

/** PCM16LE bytes of `frameMs` at `rate`. */
export function frameBytes(rate: number, frameMs: number): number {
  return Math.round((rate * frameMs) / 1000) * 2;
}

/** One frame of quiet tone (no marker yet). */
export function toneFrame(rate: number, frameMs: number): Buffer {
  const bytes = frameBytes(rate, frameMs);
  const frame = Buffer.alloc(bytes);
  for (let i = 0; i < bytes / 2; i++) {
    frame.writeInt16LE(Math.round(TONE_AMPLITUDE * Math.sin((2 * Math.PI * TONE_HZ * i) / rate)), i * 2);
  }
  return frame;
}

/** Writes the marker of `seq` into the first six bytes of `frame`. */
export function writeMarker(frame: Buffer, seq: number): void {
  frame[0] = MARKER_MAGIC;
  frame[1] = 0;
  frame[2] = seq & 0xff;
  frame[3] = 0;
  frame[4] = (seq >>> 8) & 0xff;
  frame[5] = 0;
}

/** The sequence number in a binary frame's marker, or -1 when the frame carries none. */
export function readMarker(frame: Buffer): number {
  if (frame.length < MARKER_BYTES || frame[0] !== MARKER_MAGIC || frame[1] !== 0 || frame[3] !== 0 || frame[5] !== 0) return -1;
  return (frame[2] as number) | ((frame[4] as number) << 8);
}

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUE = new Int16Array(128).fill(-1);
for (let i = 0; i < BASE64_ALPHABET.length; i++) BASE64_VALUE[BASE64_ALPHABET.charCodeAt(i)] = i;

/** Precomputed pieces of one session's append events. */
export interface AppendTemplate {
  /** `{"type":"input_audio_buffer.append","audio":"` */
  readonly prefix: string;
  /** base64 of the frame after the marker, plus `"}` */
  readonly suffix: string;
}

export function appendTemplate(frameMs: number): AppendTemplate {
  const frame = toneFrame(UPSTREAM_RATE, frameMs);
  return {
    prefix: '{"type":"input_audio_buffer.append","audio":"',
    suffix: `${frame.subarray(MARKER_BYTES).toString('base64')}"}`,
  };
}

const markerScratch = Buffer.alloc(MARKER_BYTES);

/** The append event of frame `seq` as text. */
export function appendEvent(template: AppendTemplate, seq: number): string {
  writeMarker(markerScratch, seq);
  return template.prefix + markerScratch.toString('base64') + template.suffix;
}

const DELTA_TYPE = Buffer.from('"type":"response.output_audio.delta"');
const DELTA_KEY = Buffer.from('"delta":"');

/**
 * For an upstream text frame: the sequence number carried by an audio delta's first samples, -1 for a delta
 * without a marker, or -2 when the frame is not an audio delta. Reads 8 base64 characters; never parses the JSON.
 */
export function deltaSequence(text: Buffer): number {
  if (text.indexOf(DELTA_TYPE) < 0) return -2;
  const at = text.indexOf(DELTA_KEY);
  if (at < 0) return -2;
  const start = at + DELTA_KEY.length;
  if (text.length < start + 8) return -1;
  let bits = 0;
  const bytes = markerScratch;
  for (let group = 0; group < 2; group++) {
    bits = 0;
    for (let j = 0; j < 4; j++) {
      const code = text[start + group * 4 + j] as number;
      const value = code < 128 ? (BASE64_VALUE[code] as number) : -1;
      if (value < 0) return -1;
      bits = (bits << 6) | value;
    }
    bytes[group * 3] = (bits >>> 16) & 0xff;
    bytes[group * 3 + 1] = (bits >>> 8) & 0xff;
    bytes[group * 3 + 2] = bits & 0xff;
  }
  return readMarker(bytes);
}
