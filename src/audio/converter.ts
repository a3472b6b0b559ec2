/**
 * Per-session audio converters between a client's format and the upstream's: decode → resample → encode, or
 * nothing at all when both sides already agree (the input Buffer is returned as is, no copy).
 */
import type { AudioFormat } from './formats.js';
import { alawDecode, alawEncode, ulawDecode, ulawEncode } from './g711.js';
import { pcm16Bytes, pcm16Samples } from './pcm16.js';
import { createResampler, type Resampler } from './resampler.js';
import { isPcm24k, upstreamRate, type UpstreamAudioFormat } from './upstream-formats.js';

export interface AudioConverter {
  /** Converts a chunk; may return an empty Buffer while a resampler fills its filter. */
  push(chunk: Buffer): Buffer;
  /** Emits what the converter still holds (the resampler's tail) and resets it. */
  flush(): Buffer;
  readonly passThrough: boolean;
}

/** Client → upstream. */
export function createInboundConverter(client: AudioFormat, upstream: UpstreamAudioFormat): AudioConverter {
  if (sameFormat(client, upstream)) return PASS_THROUGH;
  return chain(decoder(clientCodec(client)), createResampler(client.rate, upstreamRate(upstream)), encoder(upstreamCodec(upstream)));
}

/** Upstream → client (one per response: it may hold half a sample between deltas). */
export function createOutboundConverter(upstream: UpstreamAudioFormat, client: AudioFormat): AudioConverter {
  const converter = sameFormat(client, upstream)
    ? PASS_THROUGH
    : chain(decoder(upstreamCodec(upstream)), createResampler(upstreamRate(upstream), client.rate), encoder(clientCodec(client)));
  return upstreamCodec(upstream) === 'pcm16' ? wholeSamples(converter) : converter;
}

/**
 * The upstream may split a PCM16 sample across two deltas (an odd byte count). Passed on as it is, a client
 * frame would hold half a sample and every later sample would be shifted by a byte; dropped (as the resampler's
 * Int16 view would), the same. So the odd byte waits for the next delta. An even delta with nothing waiting, the
 * common case, goes through untouched (no copy); only after an odd one are deltas copied to re-pair their bytes.
 * A byte still waiting when the response ends is half a sample: dropped.
 */
function wholeSamples(next: AudioConverter): AudioConverter {
  let carried: number | undefined;
  return {
    passThrough: next.passThrough,
    push: (chunk) => {
      if (carried === undefined || chunk.length === 0) {
        if ((chunk.length & 1) === 0) return next.push(chunk);
        // An odd chunk while nothing waits: keep its last byte.
        carried = chunk[chunk.length - 1];
        return next.push(chunk.subarray(0, chunk.length - 1));
      }
      const pairs = Buffer.allocUnsafe((chunk.length + 1) & ~1);
      pairs[0] = carried;
      chunk.copy(pairs, 1, 0, pairs.length - 1);
      carried = (chunk.length & 1) === 0 ? chunk[chunk.length - 1] : undefined;
      return next.push(pairs);
    },
    flush: () => {
      carried = undefined;
      return next.flush();
    },
  };
}

const PASS_THROUGH: AudioConverter = { push: (chunk) => chunk, flush: () => Buffer.alloc(0), passThrough: true };

/** How the bytes on one side are coded; the client's and the upstream's names for formats both map here. */
type Codec = 'pcm16' | 'ulaw' | 'alaw';
type Stage = (data: Buffer) => Buffer;

function chain(decode: Stage, resampler: Resampler, encode: Stage): AudioConverter {
  const same = resampler.fromRate === resampler.toRate;
  return {
    passThrough: false,
    push: (chunk) => encode(same ? decode(chunk) : resampler.push(decode(chunk))),
    flush: () => (same ? Buffer.alloc(0) : encode(resampler.flush())),
  };
}

function clientCodec(format: AudioFormat): Codec {
  return format.encoding === 'g711_ulaw' ? 'ulaw' : format.encoding === 'g711_alaw' ? 'alaw' : 'pcm16';
}

function upstreamCodec(format: UpstreamAudioFormat): Codec {
  return format.type === 'audio/pcmu' ? 'ulaw' : format.type === 'audio/pcma' ? 'alaw' : 'pcm16';
}

/** Codec bytes → PCM16LE bytes. */
function decoder(codec: Codec): Stage {
  if (codec === 'ulaw') return (data) => pcm16Bytes(ulawDecode(data));
  if (codec === 'alaw') return (data) => pcm16Bytes(alawDecode(data));
  return (data) => data;
}

/** PCM16LE bytes → codec bytes. */
function encoder(codec: Codec): Stage {
  if (codec === 'ulaw') return (pcm) => asBuffer(ulawEncode(pcm16Samples(pcm)));
  if (codec === 'alaw') return (pcm) => asBuffer(alawEncode(pcm16Samples(pcm)));
  return (pcm) => pcm;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function sameFormat(client: AudioFormat, upstream: UpstreamAudioFormat): boolean {
  if (upstream.type === 'audio/pcm') return isPcm24k(client);
  return clientCodec(client) === upstreamCodec(upstream);
}
