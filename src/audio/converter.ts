/**
 * Per-session audio converters between a client's format and the upstream's: decode → resample → encode, or
 * nothing at all when both sides already agree (the input Buffer is returned as is, no copy).
 */
import { G711_RATE, UPSTREAM_PCM_RATE, type AudioFormat } from './formats.js';
import { alawDecode, alawEncode, ulawDecode, ulawEncode } from './g711.js';
import { createResampler } from './resampler.js';

export type UpstreamAudioFormat = { readonly type: 'audio/pcm'; readonly rate: 24000 } | { readonly type: 'audio/pcmu' } | { readonly type: 'audio/pcma' };

export interface AudioConverter {
  /** Converts a chunk; may return an empty Buffer while a resampler fills its filter. */
  push(chunk: Buffer): Buffer;
  /** Emits what the converter still holds (the resampler's tail) and resets it. */
  flush(): Buffer;
  readonly passThrough: boolean;
}

const UPSTREAM_PCM: UpstreamAudioFormat = { type: 'audio/pcm', rate: UPSTREAM_PCM_RATE };

/**
 * The upstream formats for a session: when input and output use the same G.711 law, that law both ways (the
 * realtime API accepts it natively, so bytes pass untouched); otherwise 24 kHz PCM. `passThrough` is true when
 * neither direction converts anything.
 */
export function chooseUpstreamFormat(
  input: AudioFormat,
  output: AudioFormat,
): { input: UpstreamAudioFormat; output: UpstreamAudioFormat; passThrough: boolean } {
  if (input.encoding === output.encoding && input.encoding !== 'pcm16') {
    const law: UpstreamAudioFormat = input.encoding === 'g711_ulaw' ? { type: 'audio/pcmu' } : { type: 'audio/pcma' };
    return { input: law, output: law, passThrough: true };
  }
  const passThrough = isPcm24k(input) && isPcm24k(output);
  return { input: UPSTREAM_PCM, output: UPSTREAM_PCM, passThrough };
}

/** Client → upstream. */
export function createInboundConverter(client: AudioFormat, upstream: UpstreamAudioFormat): AudioConverter {
  if (sameFormat(client, upstream)) return PASS_THROUGH;
  return chain(decoderFor(client), createResampler(client.rate, upstreamRate(upstream)), encoderFor(upstream));
}

/** Upstream → client. */
export function createOutboundConverter(upstream: UpstreamAudioFormat, client: AudioFormat): AudioConverter {
  if (sameFormat(client, upstream)) return PASS_THROUGH;
  return chain(decoderForUpstream(upstream), createResampler(upstreamRate(upstream), client.rate), encoderForClient(client));
}

const PASS_THROUGH: AudioConverter = { push: (chunk) => chunk, flush: () => Buffer.alloc(0), passThrough: true };

type Stage = (data: Buffer) => Buffer;
const identity: Stage = (data) => data;

function chain(decode: Stage, resampler: { push(pcm: Buffer): Buffer; flush(): Buffer; fromRate: number; toRate: number }, encode: Stage): AudioConverter {
  const same = resampler.fromRate === resampler.toRate;
  return {
    passThrough: false,
    push: (chunk) => encode(same ? decode(chunk) : resampler.push(decode(chunk))),
    flush: () => (same ? Buffer.alloc(0) : encode(resampler.flush())),
  };
}

function isPcm24k(format: AudioFormat): boolean {
  return format.encoding === 'pcm16' && format.rate === UPSTREAM_PCM_RATE;
}

function sameFormat(client: AudioFormat, upstream: UpstreamAudioFormat): boolean {
  if (upstream.type === 'audio/pcm') return isPcm24k(client);
  return client.encoding === (upstream.type === 'audio/pcmu' ? 'g711_ulaw' : 'g711_alaw');
}

function upstreamRate(upstream: UpstreamAudioFormat): number {
  return upstream.type === 'audio/pcm' ? upstream.rate : G711_RATE;
}

function decoderFor(client: AudioFormat): Stage {
  if (client.encoding === 'g711_ulaw') return (data) => pcmBytes(ulawDecode(data));
  if (client.encoding === 'g711_alaw') return (data) => pcmBytes(alawDecode(data));
  return identity;
}

function decoderForUpstream(upstream: UpstreamAudioFormat): Stage {
  if (upstream.type === 'audio/pcmu') return (data) => pcmBytes(ulawDecode(data));
  if (upstream.type === 'audio/pcma') return (data) => pcmBytes(alawDecode(data));
  return identity;
}

function encoderFor(upstream: UpstreamAudioFormat): Stage {
  if (upstream.type === 'audio/pcmu') return (pcm) => Buffer.from(ulawEncode(pcmSamples(pcm)).buffer);
  if (upstream.type === 'audio/pcma') return (pcm) => Buffer.from(alawEncode(pcmSamples(pcm)).buffer);
  return identity;
}

function encoderForClient(client: AudioFormat): Stage {
  if (client.encoding === 'g711_ulaw') return (pcm) => Buffer.from(ulawEncode(pcmSamples(pcm)).buffer);
  if (client.encoding === 'g711_alaw') return (pcm) => Buffer.from(alawEncode(pcmSamples(pcm)).buffer);
  return identity;
}

/** Int16 samples as little-endian bytes, sharing memory (this host is little-endian; Node on x86/ARM is). */
function pcmBytes(samples: Int16Array): Buffer {
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
}

/** PCM16LE bytes as Int16 samples; copies only when the Buffer is not 2-byte aligned. */
function pcmSamples(pcm: Buffer): Int16Array {
  if ((pcm.byteOffset & 1) === 0) return new Int16Array(pcm.buffer, pcm.byteOffset, pcm.length >> 1);
  const copy = new Int16Array(pcm.length >> 1);
  for (let i = 0; i < copy.length; i++) copy[i] = pcm.readInt16LE(i * 2);
  return copy;
}

/** Bytes per ms of an upstream format: 48 for 24 kHz PCM16, 8 for G.711. */
export function upstreamBytesPerMs(format: UpstreamAudioFormat): number {
  return format.type === 'audio/pcm' ? (format.rate * 2) / 1000 : G711_RATE / 1000;
}
