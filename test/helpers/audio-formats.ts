/** Client and upstream audio formats that the audio tests name again and again. */
import type { AudioFormat } from '../../src/audio/formats.js';
import type { UpstreamAudioFormat } from '../../src/audio/upstream-formats.js';

/** A client's PCM16 format at `rate`. */
export const pcm = (rate: number): AudioFormat => ({ encoding: 'pcm16', rate });
export const ULAW: AudioFormat = { encoding: 'g711_ulaw', rate: 8000 };
export const ALAW: AudioFormat = { encoding: 'g711_alaw', rate: 8000 };
export const UP_PCM: UpstreamAudioFormat = { type: 'audio/pcm', rate: 24000 };
export const UP_PCMU: UpstreamAudioFormat = { type: 'audio/pcmu' };
export const UP_PCMA: UpstreamAudioFormat = { type: 'audio/pcma' };
