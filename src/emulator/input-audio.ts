/**
 * The input audio buffer of one session: bytes appended since the last commit or clear, the
 * session's audio clock (ms appended since the session started, format-aware) and the VAD.
 */
import { upstreamBytesPerMs, upstreamBytesPerSample, upstreamRate } from '../audio/upstream-formats.js';
import { decodeToPcm16 } from './formats.js';
import type { AudioFormat, TurnDetection } from './types.js';
import { EnergyVad } from './vad.js';
import type { VadEvent, VadSettings } from './vad.js';

/** Silence kept in the buffer while VAD waits for speech (older audio can no longer be committed). */
const IDLE_KEEP_MS = 5000;
const IDLE_TRIM_AT_MS = 20_000;
/** semantic_vad is emulated by the energy VAD with a silence duration chosen by eagerness. */
const EAGERNESS_SILENCE_MS = { low: 1000, medium: 500, auto: 500, high: 250 } as const;

/** The energy VAD's settings for a session's turn detection; null when it is off. */
export function vadSettings(turnDetection: TurnDetection): VadSettings | null {
  if (turnDetection === null) return null;
  if (turnDetection.type === 'semantic_vad') {
    return { threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: EAGERNESS_SILENCE_MS[turnDetection.eagerness] };
  }
  return {
    threshold: turnDetection.threshold,
    prefixPaddingMs: turnDetection.prefix_padding_ms,
    silenceDurationMs: turnDetection.silence_duration_ms,
  };
}

export class InputAudio {
  private chunks: Buffer[] = [];
  private bufferBytes = 0;
  /** Session time (ms) of the first byte in the buffer. */
  private bufferStartMs = 0;
  /** Session time (ms) at the end of everything appended so far. */
  private clockMs = 0;
  private vad: EnergyVad | null;
  private settings: VadSettings | null;
  /** A PCM16 byte left over from an odd-sized append, so the VAD stays on sample boundaries. */
  private oddByte: Buffer | null = null;

  constructor(
    private format: AudioFormat,
    turnDetection: TurnDetection,
  ) {
    this.settings = vadSettings(turnDetection);
    this.vad = this.settings === null ? null : new EnergyVad(upstreamRate(format), this.settings);
  }

  /** ms of audio waiting in the buffer. */
  get bufferedMs(): number {
    return this.bufferBytes / upstreamBytesPerMs(this.format);
  }

  /**
   * Applies the session's format and turn detection. A format change empties the buffer (its bytes
   * would be misread); a change of VAD settings restarts detection. Returns true when either happened.
   */
  configure(format: AudioFormat, turnDetection: TurnDetection): boolean {
    const settings = vadSettings(turnDetection);
    const formatChanged = format.type !== this.format.type;
    if (formatChanged) {
      this.clear();
      this.oddByte = null;
    }
    const settingsChanged = JSON.stringify(settings) !== JSON.stringify(this.settings);
    if (!formatChanged && !settingsChanged) return false;
    this.format = format;
    this.settings = settings;
    this.vad = settings === null ? null : new EnergyVad(upstreamRate(format), settings, this.clockMs);
    return true;
  }

  /** Appends decoded bytes; returns the VAD events they complete (start times clamped to the buffer). */
  append(bytes: Buffer): VadEvent[] {
    this.chunks.push(bytes);
    this.bufferBytes += bytes.length;
    this.clockMs += bytes.length / upstreamBytesPerMs(this.format);
    if (this.vad === null) return [];
    const events = this.vad.push(decodeToPcm16(this.format, this.wholeSamples(bytes)));
    for (const event of events) {
      if (event.type === 'speech_started') event.audioStartMs = Math.max(event.audioStartMs, Math.ceil(this.bufferStartMs));
    }
    if (!this.vad.inSpeech && this.bufferedMs > IDLE_TRIM_AT_MS) this.dropBefore(this.clockMs - IDLE_KEEP_MS);
    return events;
  }

  /** Takes the audio between two session times out of the buffer, dropping everything before `endMs`. */
  takeRange(startMs: number, endMs: number): Buffer {
    this.dropBefore(startMs);
    const bytes = this.joined().subarray(0, this.offsetOf(endMs));
    this.dropBefore(endMs);
    return Buffer.from(bytes);
  }

  /** Takes the whole buffer (a manual commit); the VAD forgets any speech in progress. */
  takeAll(): Buffer {
    const bytes = this.joined();
    this.clear();
    return bytes;
  }

  /** Empties the buffer (`input_audio_buffer.clear`). */
  clear(): void {
    this.chunks = [];
    this.bufferBytes = 0;
    this.bufferStartMs = this.clockMs;
    this.vad?.reset();
  }

  private wholeSamples(bytes: Buffer): Buffer {
    if (upstreamBytesPerSample(this.format) === 1) return bytes;
    let whole = this.oddByte === null ? bytes : Buffer.concat([this.oddByte, bytes]);
    this.oddByte = null;
    if (whole.length % 2 === 1) {
      this.oddByte = Buffer.from(whole.subarray(whole.length - 1));
      whole = whole.subarray(0, whole.length - 1);
    }
    return whole;
  }

  private joined(): Buffer {
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks, this.bufferBytes)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  /** Byte offset in the buffer of session time `ms`, on a sample boundary, within the buffer. */
  private offsetOf(ms: number): number {
    const sample = upstreamBytesPerSample(this.format);
    const raw = Math.round((ms - this.bufferStartMs) * upstreamBytesPerMs(this.format));
    return Math.min(this.bufferBytes, Math.max(0, Math.floor(raw / sample) * sample));
  }

  private dropBefore(ms: number): void {
    const offset = this.offsetOf(ms);
    if (offset === 0) return;
    const rest = this.joined().subarray(offset);
    this.chunks = [rest];
    this.bufferBytes = rest.length;
    this.bufferStartMs += offset / upstreamBytesPerMs(this.format);
  }
}
