/**
 * Loopback mode for latency benchmarks: every `input_audio_buffer.append` is answered at once by one
 * `response.output_audio.delta` carrying the same base64. Built with string operations so an
 * append costs no `JSON.parse`, no base64 decoding and no `JSON.stringify`.
 */
const APPEND_TYPE = '"type":"input_audio_buffer.append"';
const AUDIO_KEY = '"audio":"';
/**
 * The base64 `audio` of an append event, read without parsing; undefined when the text is not a
 * plain append (then the caller parses it). Inside a JSON string every quote is escaped, so the
 * unescaped pattern can only be the event's own `type` key.
 */
export function extractAppendAudio(text) {
    if (!text.includes(APPEND_TYPE))
        return undefined;
    const start = text.indexOf(AUDIO_KEY);
    if (start < 0)
        return undefined;
    const from = start + AUDIO_KEY.length;
    const end = text.indexOf('"', from);
    if (end < 0)
        return undefined;
    const audio = text.slice(from, end);
    // An escaped character (e.g. `\/`) means the string is not raw base64: leave it to JSON.parse.
    return audio.includes('\\') ? undefined : audio;
}
/** Decoded size of a base64 string, without decoding it. */
export function base64ByteLength(base64) {
    let padding = 0;
    if (base64.endsWith('=='))
        padding = 2;
    else if (base64.endsWith('='))
        padding = 1;
    return Math.max(0, Math.floor((base64.length * 3) / 4) - padding);
}
/** The echo event, as text. */
export function loopbackDelta(eventId, responseId, itemId, base64) {
    return ('{"type":"response.output_audio.delta","event_id":"' + eventId +
        '","response_id":"' + responseId +
        '","item_id":"' + itemId +
        '","output_index":0,"content_index":0,"delta":"' + base64 + '"}');
}
