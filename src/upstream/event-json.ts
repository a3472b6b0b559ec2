/**
 * One upstream text frame as a JSON object, cheaply. Audio deltas are tens of kilobytes of base64 inside JSON;
 * parsing them whole with `JSON.parse` costs a copy of the payload into a JS string property plus the object.
 * Instead the `delta` string is located with `indexOf`, sliced out, and only the small remainder is parsed.
 * Older (beta) event names are renamed to their GA names here, once.
 */

/** A freshly parsed event object: ours alone (`redact.ts` scrubs it in place, `events.ts` types it in place). */
export interface RawEvent {
  type: string;
  [key: string]: unknown;
}

export type JsonResult = { readonly ok: true; readonly event: RawEvent } | { readonly ok: false; readonly reason: string };

/** Older (beta) event names some servers still send, mapped to their GA names. Input only: we never send them. */
export const BETA_EVENT_ALIASES: Readonly<Record<string, string>> = {
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

/** Parses one upstream text frame into an event object with a string `type` (GA name); never throws. */
export function parseEventJson(text: string): JsonResult {
  const event = text.length >= FAST_PATH_MIN_CHARS ? parseWithLargeDelta(text) : parseWhole(text);
  if (event === undefined) return { ok: false, reason: 'malformed JSON' };
  if (typeof event.type !== 'string') return { ok: false, reason: 'event without a type' };
  const alias = BETA_EVENT_ALIASES[event.type];
  if (alias !== undefined) event.type = alias;
  return { ok: true, event: event as RawEvent };
}

/** True for a JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseWhole(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function parseWithLargeDelta(text: string): Record<string, unknown> | undefined {
  const keyAt = text.indexOf(DELTA_KEY);
  if (keyAt < 0) return parseWhole(text);
  const start = keyAt + DELTA_KEY.length;
  const end = text.indexOf('"', start);
  if (end < 0) return undefined;
  const delta = text.slice(start, end);
  // Base64 never needs escaping; an escape means this is not a plain base64 string, so take the slow, exact path.
  if (delta.includes('\\')) return parseWhole(text);
  const rest = parseWhole(`${text.slice(0, start)}${text.slice(end)}`);
  if (rest === undefined) return undefined;
  // A fresh object from JSON.parse, ours alone: setting the field is cheaper than copying the event around it.
  rest.delta = delta;
  return rest;
}
