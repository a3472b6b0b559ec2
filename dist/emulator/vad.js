/**
 * A pure energy voice-activity detector standing in for the service's server VAD.
 *
 * The audio is cut into 10 ms windows. A window is loud when its RMS level, in dBFS, reaches the
 * level that `threshold` maps to: `thresholdToDbfs(t) = -60 + 50·t` (0 → −60 dBFS, 0.5 → −35 dBFS,
 * 1 → −10 dBFS). Speech starts after two loud windows in a row (so a single click does not count);
 * `audioStartMs` is the start of the first of them minus `prefixPaddingMs`, floored at 0. Speech
 * stops once `silenceDurationMs` of quiet windows have followed it; `audioEndMs` is where that
 * silence ends, which, as the service documents, "includes the silence duration".
 */
export const VAD_WINDOW_MS = 10;
/** Loud windows in a row needed before speech counts as started. */
const ONSET_WINDOWS = 2;
const FULL_SCALE = 32768;
/** The RMS level in dBFS a window must reach to count as speech, for a `threshold` in 0..1. */
export function thresholdToDbfs(threshold) {
    return -60 + 50 * threshold;
}
/** Incremental detector over PCM16 samples at `rate`; times are ms since `originMs`. */
export class EnergyVad {
    rate;
    settings;
    originMs;
    windowSamples;
    minMeanSquare;
    windowSum = 0;
    windowFill = 0;
    /** Index of the next complete window. */
    windowIndex = 0;
    speaking = false;
    loudRun = 0;
    loudRunStartMs = 0;
    silenceStartMs = null;
    constructor(rate, settings, originMs = 0) {
        this.rate = rate;
        this.settings = settings;
        this.originMs = originMs;
        this.windowSamples = Math.max(1, Math.round((rate * VAD_WINDOW_MS) / 1000));
        const amplitude = FULL_SCALE * 10 ** (thresholdToDbfs(settings.threshold) / 20);
        this.minMeanSquare = amplitude * amplitude;
    }
    /** True between `speech_started` and `speech_stopped`. */
    get inSpeech() {
        return this.speaking;
    }
    /** Feeds samples; returns the events they complete, in order. */
    push(samples) {
        const events = [];
        for (let i = 0; i < samples.length; i++) {
            const s = samples[i] ?? 0;
            this.windowSum += s * s;
            if (++this.windowFill === this.windowSamples) {
                this.endWindow(this.windowSum / this.windowSamples >= this.minMeanSquare, events);
                this.windowSum = 0;
                this.windowFill = 0;
            }
        }
        return events;
    }
    /** Forgets any speech in progress (after a manual commit or clear); the clock keeps running. */
    reset() {
        this.speaking = false;
        this.loudRun = 0;
        this.silenceStartMs = null;
    }
    endWindow(loud, events) {
        const startMs = this.originMs + this.windowIndex * VAD_WINDOW_MS;
        const endMs = startMs + VAD_WINDOW_MS;
        this.windowIndex++;
        if (!this.speaking) {
            if (!loud) {
                this.loudRun = 0;
                return;
            }
            if (this.loudRun++ === 0)
                this.loudRunStartMs = startMs;
            if (this.loudRun >= ONSET_WINDOWS) {
                this.speaking = true;
                this.silenceStartMs = null;
                events.push({ type: 'speech_started', audioStartMs: Math.max(0, this.loudRunStartMs - this.settings.prefixPaddingMs) });
            }
            return;
        }
        if (loud) {
            this.silenceStartMs = null;
            return;
        }
        this.silenceStartMs ??= startMs;
        if (endMs - this.silenceStartMs >= this.settings.silenceDurationMs) {
            this.speaking = false;
            this.loudRun = 0;
            this.silenceStartMs = null;
            events.push({ type: 'speech_stopped', audioEndMs: endMs });
        }
    }
}
