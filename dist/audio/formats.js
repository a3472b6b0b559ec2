/** Client audio formats: what a frontend may send and receive, and byte/duration arithmetic for them. */
import { echoClientText } from '../errors/index.js';
/** PCM16 client rates the resampler supports (each to and from the upstream rate). */
export const PCM16_RATES = Object.freeze([8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000]);
/** The OpenAI Realtime API PCM rate. */
export const UPSTREAM_PCM_RATE = 24000;
/** G.711 is only defined at 8 kHz. */
export const G711_RATE = 8000;
const ENCODINGS = ['pcm16', 'g711_ulaw', 'g711_alaw'];
/** Bytes per sample of an encoding: 2 for PCM16, 1 for G.711. */
export function bytesPerSample(format) {
    return format.encoding === 'pcm16' ? 2 : 1;
}
/** Bytes per millisecond (pcm16: rate·2/1000, may be fractional, e.g. 88.2 at 44.1 kHz; G.711: 8). */
export function bytesPerMs(format) {
    return (format.rate * bytesPerSample(format)) / 1000;
}
/** Duration in ms of `bytes` of audio in `format`. */
export function durationMs(bytes, format) {
    return bytes / bytesPerMs(format);
}
/** Bytes holding `ms` of audio, rounded down to a whole sample. */
export function bytesForMs(ms, format) {
    // The small epsilon keeps exact products (e.g. 20 ms at 44.1 kHz = 882 samples) from flooring one short.
    const samples = Math.floor((ms * format.rate) / 1000 + 1e-9);
    return Math.max(0, samples) * bytesPerSample(format);
}
/** Parses an (encoding, rate) pair from untrusted input into a format or a message saying what is wrong. */
export function validateFormat(encoding, rate) {
    if (!ENCODINGS.includes(encoding)) {
        return { ok: false, message: `unsupported audio encoding "${echoClientText(encoding)}" (expected one of ${ENCODINGS.join(', ')})` };
    }
    const typed = encoding;
    if (typed === 'pcm16') {
        if (!PCM16_RATES.includes(rate)) {
            return { ok: false, message: `unsupported pcm16 sample rate ${rate} (expected one of ${PCM16_RATES.join(', ')})` };
        }
    }
    else if (rate !== G711_RATE) {
        return { ok: false, message: `${typed} requires a sample rate of ${G711_RATE}, got ${rate}` };
    }
    return { ok: true, format: Object.freeze({ encoding: typed, rate }) };
}
