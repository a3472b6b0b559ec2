/**
 * The one scrubbing point for upstream text. An upstream (or a gateway in front of it) may echo the API key in any
 * string it sends: an error's message, code or param, a transcription failure, a close reason, a response's
 * `status_details`. Every such string passes through here once, before anything past the upstream connection sees
 * it.
 *
 * How to use it: `UpstreamConnection` applies `event()` to every parsed event and `text()` to every close reason
 * before calling its handlers. Code past the connection (the bridge, `session/upstream-outcomes.ts`) therefore
 * receives clean strings and may pass any of them to clients and logs as they are, including fields read later
 * (e.g. new `status_details`): no scrubbing there, and no need to remember it. Upstream text that does not come
 * through those two paths (a handshake response body, a raw frame) must not be passed on at all, or only through
 * `text()`.
 */
import type { RawEvent } from './event-json.js';

/** Strings inside `error` and `status_details` objects, and close reasons, are cut to this many characters. */
export const MAX_DIAGNOSTIC_CHARS = 500;

/** Anything shaped like an OpenAI secret key, masked or not. */
const KEY_PATTERN = /\bsk-[A-Za-z0-9_*.-]{6,}/g;
const KEY_PREFIX = 'sk-';
/** Objects whose strings are diagnostics shown to clients and logs: bounded as well as scrubbed. */
const DIAGNOSTIC_KEYS = new Set(['error', 'status_details']);
/** The base64 audio payload is never shown as text (and scanning 30 KB per frame would cost the hot path). */
const AUDIO_DELTA_TYPE = 'response.output_audio.delta';

export interface UpstreamScrubber {
  /**
   * Scrubs every string of a freshly parsed event in place (the audio payload excepted) and cuts the strings inside
   * `error` and `status_details` objects to MAX_DIAGNOSTIC_CHARS. Never throws, however deep the event.
   */
  event(event: RawEvent): RawEvent;
  /** One upstream string, scrubbed and cut to `maxChars`. */
  text(text: string, maxChars?: number): string;
}

/** A scrubber for the values of the upstream request headers (the API key) and key-shaped strings. */
export function createUpstreamScrubber(headers: Readonly<Record<string, string>>): UpstreamScrubber {
  const scrub = createSecretScrubber(headers);
  const clean = (text: string, maxChars: number): string => {
    const scrubbed = scrub(text);
    return scrubbed.length > maxChars ? `${scrubbed.slice(0, maxChars)}…` : scrubbed;
  };
  return {
    text: (text, maxChars = MAX_DIAGNOSTIC_CHARS) => clean(text, maxChars),
    event: (event) => {
      // Iterative, not recursive: JSON.parse accepts nesting far deeper than the call stack.
      const root: Record<string, unknown> = event;
      // Arrays are walked as objects keyed by index.
      const pending = [{ node: root, bounded: false }];
      for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
        const { node, bounded } = item;
        // for-in, not Object.keys: no array per node (audio deltas pass here on every frame); parsed JSON has no inherited keys.
        for (const key in node) {
          if (node === root && key === 'delta' && event.type === AUDIO_DELTA_TYPE) continue;
          const value = node[key];
          if (typeof value === 'string') node[key] = bounded ? clean(value, MAX_DIAGNOSTIC_CHARS) : scrub(value);
          else if (typeof value === 'object' && value !== null) {
            pending.push({ node: value as Record<string, unknown>, bounded: bounded || DIAGNOSTIC_KEYS.has(key) });
          }
        }
      }
      return event;
    },
  };
}

/** A function that removes the values of the upstream request headers (the API key) and key-shaped strings. */
export function createSecretScrubber(headers: Readonly<Record<string, string>>): (text: string) => string {
  const secrets = Object.values(headers)
    .map((value) => value.replace(/^Bearer\s+/i, '').trim())
    .filter((value) => value.length >= 8);
  return (text) => {
    // Most strings hold no secret: test cheaply before building a new one.
    if (!text.includes(KEY_PREFIX) && !secrets.some((secret) => text.includes(secret))) return text;
    let scrubbed = text;
    for (const secret of secrets) scrubbed = scrubbed.split(secret).join('[redacted]');
    return scrubbed.replace(KEY_PATTERN, 'sk-[redacted]');
  };
}
