/** Upstream text (error messages, close reasons) is passed on to clients and logs only with credentials removed. */
/** Anything shaped like an OpenAI secret key, masked or not. */
const KEY_PATTERN = /\bsk-[A-Za-z0-9_*.-]{6,}/g;
/** A function that removes the values of the upstream request headers (the API key) and key-shaped strings. */
export function createSecretScrubber(headers) {
    const secrets = Object.values(headers)
        .map((value) => value.replace(/^Bearer\s+/i, '').trim())
        .filter((value) => value.length >= 8);
    return (text) => {
        let scrubbed = text;
        for (const secret of secrets)
            scrubbed = scrubbed.split(secret).join('[redacted]');
        return scrubbed.replace(KEY_PATTERN, 'sk-[redacted]');
    };
}
