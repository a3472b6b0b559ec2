/**
 * Parsing of upstream (OpenAI Realtime GA) server events.
 *
 * Audio deltas are tens of kilobytes of base64 inside JSON. Parsing them whole with `JSON.parse` costs a copy of
 * the payload into a JS string property plus the object; instead the `delta` string is located with `indexOf`,
 * sliced out, and only the small remainder of the event is parsed.
 */
/** Older (beta) event names some servers still send, mapped to their GA names. Input only: we never send them. */
export const BETA_EVENT_ALIASES = {
    'response.audio.delta': 'response.output_audio.delta',
    'response.audio.done': 'response.output_audio.done',
    'response.audio_transcript.delta': 'response.output_audio_transcript.delta',
    'response.audio_transcript.done': 'response.output_audio_transcript.done',
    'response.text.delta': 'response.output_text.delta',
    'response.text.done': 'response.output_text.done',
    'conversation.item.created': 'conversation.item.added',
};
const DELTA_KEY = '"delta":"';
/** Events smaller than this are parsed whole: the slicing only pays off for audio-sized payloads. */
const FAST_PATH_MIN_CHARS = 1024;
/** Parses one upstream text frame; never throws. */
export function parseServerEvent(text) {
    const event = text.length >= FAST_PATH_MIN_CHARS ? parseWithLargeDelta(text) : parseWhole(text);
    if (event === undefined)
        return { ok: false, reason: 'malformed JSON' };
    if (typeof event.type !== 'string')
        return { ok: false, reason: 'event without a type' };
    const alias = BETA_EVENT_ALIASES[event.type];
    return { ok: true, event: alias === undefined ? event : { ...event, type: alias } };
}
/** True for an audio delta with the fields the bridge needs. */
export function isAudioDelta(event) {
    return (event.type === 'response.output_audio.delta' &&
        typeof event.delta === 'string' &&
        typeof event.response_id === 'string' &&
        typeof event.item_id === 'string');
}
function parseWhole(text) {
    try {
        const value = JSON.parse(text);
        return isObject(value) ? value : undefined;
    }
    catch {
        return undefined;
    }
}
function parseWithLargeDelta(text) {
    const keyAt = text.indexOf(DELTA_KEY);
    if (keyAt < 0)
        return parseWhole(text);
    const start = keyAt + DELTA_KEY.length;
    const end = text.indexOf('"', start);
    if (end < 0)
        return undefined;
    const delta = text.slice(start, end);
    // Base64 never needs escaping; an escape means this is not a plain base64 string, so take the slow, exact path.
    if (delta.includes('\\'))
        return parseWhole(text);
    const rest = parseWhole(`${text.slice(0, start)}${text.slice(end)}`);
    if (rest === undefined)
        return undefined;
    return { ...rest, delta };
}
function isObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
/** Reads a string field, or undefined. */
export function str(source, key) {
    if (!isObject(source))
        return undefined;
    const value = source[key];
    return typeof value === 'string' ? value : undefined;
}
/** Reads a finite number field, or undefined. */
export function num(source, key) {
    if (!isObject(source))
        return undefined;
    const value = source[key];
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
/** Reads an object field, or undefined. */
export function obj(source, key) {
    if (!isObject(source))
        return undefined;
    const value = source[key];
    return isObject(value) ? value : undefined;
}
