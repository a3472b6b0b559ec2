/**
 * Recording file names: pure functions. A name states everything an audio tool needs to import the raw bytes
 * (`<UTC time>_<sessionId>_<responseId>_24000hz_s16le_mono.raw`), and no identifier can escape the directory.
 */
import type { UpstreamAudioFormat } from '../audio/upstream-formats.js';

/** How raw bytes are laid out, as an audio tool's import dialog asks for it. */
export interface RawFormat {
  /** `s16le` (signed 16-bit little-endian PCM), `mulaw` or `alaw` (G.711, one byte per sample). */
  readonly encoding: 's16le' | 'mulaw' | 'alaw';
  readonly sampleRateHz: number;
  readonly channels: 1;
  readonly bytesPerSample: number;
}

/** Longest identifier kept in a file name; the rest is cut (ids are long random strings, the prefix is enough). */
export const MAX_ID_LENGTH = 64;

/** The raw layout of an upstream audio format. */
export function rawFormatOf(format: UpstreamAudioFormat): RawFormat {
  switch (format.type) {
    case 'audio/pcm':
      return { encoding: 's16le', sampleRateHz: format.rate, channels: 1, bytesPerSample: 2 };
    case 'audio/pcmu':
      return { encoding: 'mulaw', sampleRateHz: 8000, channels: 1, bytesPerSample: 1 };
    case 'audio/pcma':
      return { encoding: 'alaw', sampleRateHz: 8000, channels: 1, bytesPerSample: 1 };
  }
}

/** Duration in ms of `bytes` of raw audio (24 kHz s16le: bytes / 48). */
export function rawDurationMs(bytes: number, format: RawFormat): number {
  return (bytes * 1000) / (format.sampleRateHz * format.bytesPerSample * format.channels);
}

/** `24000hz_s16le_mono`, `8000hz_mulaw_mono`, `8000hz_alaw_mono`. */
export function formatSuffix(format: RawFormat): string {
  return `${format.sampleRateHz}hz_${format.encoding}_mono`;
}

/** Keeps `[A-Za-z0-9_-]` of an identifier, capped at `maxLength`; `unknown` when nothing is left. */
export function sanitizeId(id: string, maxLength = MAX_ID_LENGTH): string {
  const kept = id.replace(/[^A-Za-z0-9_-]/g, '').slice(0, Math.max(1, maxLength));
  return kept.length > 0 ? kept : 'unknown';
}

/** UTC time for file names, sortable and free of `:`: `2026-11-24T06-59-41-123Z`. */
export function fileTimestamp(at: Date): string {
  return at.toISOString().replace(/[:.]/g, '-');
}

/**
 * Base name (no extension) of a recording: `<UTC time>_<sessionId>_<part>_<rate>hz_<encoding>_mono`, where
 * `part` is a response id or `input`.
 */
export function recordingBaseName(options: { at: Date; sessionId: string; part: string; format: RawFormat }): string {
  return [fileTimestamp(options.at), sanitizeId(options.sessionId), sanitizeId(options.part), formatSuffix(options.format)].join('_');
}
