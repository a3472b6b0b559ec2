/**
 * The realtime API's audio formats (GA `audio/pcm` at 24 kHz, `audio/pcmu`, `audio/pcma`): what the proxy sends
 * and receives upstream, what the recorder writes, and what the emulator speaks. Sizes and rates of each, and which
 * of them a session uses for a client's formats.
 */
import { G711_RATE, UPSTREAM_PCM_RATE, type AudioFormat } from './formats.js';

export type UpstreamAudioFormat = { readonly type: 'audio/pcm'; readonly rate: 24000 } | { readonly type: 'audio/pcmu' } | { readonly type: 'audio/pcma' };

/** The formats of one session's upstream side; `passThrough` when neither direction converts anything. */
export interface UpstreamFormats {
  readonly input: UpstreamAudioFormat;
  readonly output: UpstreamAudioFormat;
  readonly passThrough: boolean;
}

const UPSTREAM_PCM: UpstreamAudioFormat = { type: 'audio/pcm', rate: UPSTREAM_PCM_RATE };

/** Samples per second: 24 000 for `audio/pcm`, 8 000 for G.711. */
export function upstreamRate(format: UpstreamAudioFormat): number {
  return format.type === 'audio/pcm' ? format.rate : G711_RATE;
}

/** Bytes per sample: 2 for PCM16, 1 for G.711. */
export function upstreamBytesPerSample(format: UpstreamAudioFormat): number {
  return format.type === 'audio/pcm' ? 2 : 1;
}

/** Bytes per ms: 48 for 24 kHz PCM16, 8 for G.711. */
export function upstreamBytesPerMs(format: UpstreamAudioFormat): number {
  return (upstreamRate(format) * upstreamBytesPerSample(format)) / 1000;
}

/**
 * The upstream formats for a session: when input and output use the same G.711 law, that law both ways (the
 * realtime API accepts it natively, so bytes pass untouched); otherwise 24 kHz PCM.
 */
export function chooseUpstreamFormat(input: AudioFormat, output: AudioFormat): UpstreamFormats {
  if (input.encoding === output.encoding && input.encoding !== 'pcm16') {
    const law: UpstreamAudioFormat = input.encoding === 'g711_ulaw' ? { type: 'audio/pcmu' } : { type: 'audio/pcma' };
    return { input: law, output: law, passThrough: true };
  }
  const passThrough = isPcm24k(input) && isPcm24k(output);
  return { input: UPSTREAM_PCM, output: UPSTREAM_PCM, passThrough };
}

/** True when a client format is the upstream's PCM as it is (16-bit at 24 kHz). */
export function isPcm24k(format: AudioFormat): boolean {
  return format.encoding === 'pcm16' && format.rate === UPSTREAM_PCM_RATE;
}
