/** Strings inside `error` and `status_details` objects, and close reasons, are cut to this many characters. */
export const MAX_DIAGNOSTIC_CHARS = 500;
/** Anything shaped like an OpenAI secret key, masked or not. */
const KEY_PATTERN = /\bsk-[A-Za-z0-9_*.-]{6,}/g;
const KEY_PREFIX = 'sk-';
/** Objects whose strings are diagnostics shown to clients and logs: bounded as well as scrubbed. */
const DIAGNOSTIC_KEYS = new Set(['error', 'status_details']);
/** The base64 audio payload is never shown as text (and scanning 30 KB per frame would cost the hot path). */
const AUDIO_DELTA_TYPE = 'response.output_audio.delta';
/** A scrubber for the values of the upstream request headers (the API key) and key-shaped strings. */
export function createUpstreamScrubber(headers) {
    const scrub = createSecretScrubber(headers);
    const clean = (text, maxChars) => {
        const scrubbed = scrub(text);
        return scrubbed.length > maxChars ? `${scrubbed.slice(0, maxChars)}…` : scrubbed;
    };
    return {
        text: (text, maxChars = MAX_DIAGNOSTIC_CHARS) => clean(text, maxChars),
        event: (event) => {
            // Iterative, not recursive: JSON.parse accepts nesting far deeper than the call stack.
            const root = event;
            // Arrays are walked as objects keyed by index.
            const pending = [{ node: root, bounded: false }];
            for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
                const { node, bounded } = item;
                // for-in, not Object.keys: no array per node (audio deltas pass here on every frame); parsed JSON has no inherited keys.
                for (const key in node) {
                    if (node === root && key === 'delta' && event.type === AUDIO_DELTA_TYPE)
                        continue;
                    const value = node[key];
                    if (typeof value === 'string')
                        node[key] = bounded ? clean(value, MAX_DIAGNOSTIC_CHARS) : scrub(value);
                    else if (typeof value === 'object' && value !== null) {
                        pending.push({ node: value, bounded: bounded || DIAGNOSTIC_KEYS.has(key) });
                    }
                }
            }
            return event;
        },
    };
}
/** A function that removes the values of the upstream request headers (the API key) and key-shaped strings. */
export function createSecretScrubber(headers) {
    const secrets = Object.values(headers)
        .map((value) => value.replace(/^Bearer\s+/i, '').trim())
        .filter((value) => value.length >= 8);
    return (text) => {
        // Most strings hold no secret: test cheaply before building a new one.
        if (!text.includes(KEY_PREFIX) && !secrets.some((secret) => text.includes(secret)))
            return text;
        let scrubbed = text;
        for (const secret of secrets)
            scrubbed = scrubbed.split(secret).join('[redacted]');
        return scrubbed.replace(KEY_PATTERN, 'sk-[redacted]');
    };
}
