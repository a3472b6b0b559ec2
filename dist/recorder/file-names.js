/** Longest identifier kept in a file name; the rest is cut (ids are long random strings, the prefix is enough). */
export const MAX_ID_LENGTH = 64;
/** The raw layout of an upstream audio format. */
export function rawFormatOf(format) {
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
export function rawDurationMs(bytes, format) {
    return (bytes * 1000) / (format.sampleRateHz * format.bytesPerSample * format.channels);
}
/** `24000hz_s16le_mono`, `8000hz_mulaw_mono`, `8000hz_alaw_mono`. */
export function formatSuffix(format) {
    return `${format.sampleRateHz}hz_${format.encoding}_mono`;
}
/** Keeps `[A-Za-z0-9_-]` of an identifier, capped at `maxLength`; `unknown` when nothing is left. */
export function sanitizeId(id, maxLength = MAX_ID_LENGTH) {
    const kept = id.replace(/[^A-Za-z0-9_-]/g, '').slice(0, Math.max(1, maxLength));
    return kept.length > 0 ? kept : 'unknown';
}
/** UTC time for file names, sortable and free of `:`: `2026-11-24T06-59-41-123Z`. */
export function fileTimestamp(at) {
    return at.toISOString().replace(/[:.]/g, '-');
}
/**
 * Base name (no extension) of a recording: `<UTC time>_<sessionId>_<part>_<rate>hz_<encoding>_mono`, where
 * `part` is a response id or `input`.
 */
export function recordingBaseName(options) {
    return [fileTimestamp(options.at), sanitizeId(options.sessionId), sanitizeId(options.part), formatSuffix(options.format)].join('_');
}
