/**
 * Parsing of upstream (OpenAI Realtime GA) server events.
 *
 * Audio deltas are tens of kilobytes of base64 inside JSON. Parsing them whole with `JSON.parse` costs a copy of
 * the payload into a JS string property plus the object; instead the `delta` string is located with `indexOf`,
 * sliced out, and only the small remainder of the event is parsed.
 */

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

/** A parsed server event. Fields are read with the accessors below: upstream input is untrusted. */
export interface ServerEvent {
  readonly type: string;
  readonly [key: string]: unknown;
}

/** An audio delta with its payload still base64 (decoded only when needed). */
export interface AudioDeltaEvent extends ServerEvent {
  readonly type: 'response.output_audio.delta';
  readonly response_id: string;
  readonly item_id: string;
  readonly content_index: number;
  readonly delta: string;
}

export type ParseResult = { readonly ok: true; readonly event: ServerEvent } | { readonly ok: false; readonly reason: string };

const DELTA_KEY = '"delta":"';
/** Events smaller than this are parsed whole: the slicing only pays off for audio-sized payloads. */
const FAST_PATH_MIN_CHARS = 1024;

/** Parses one upstream text frame; never throws. */
export function parseServerEvent(text: string): ParseResult {
  const event = text.length >= FAST_PATH_MIN_CHARS ? parseWithLargeDelta(text) : parseWhole(text);
  if (event === undefined) return { ok: false, reason: 'malformed JSON' };
  if (typeof event.type !== 'string') return { ok: false, reason: 'event without a type' };
  const alias = BETA_EVENT_ALIASES[event.type];
  return { ok: true, event: alias === undefined ? event : { ...event, type: alias } };
}

/** True for an audio delta with the fields the bridge needs. */
export function isAudioDelta(event: ServerEvent): event is AudioDeltaEvent {
  return (
    event.type === 'response.output_audio.delta' &&
    typeof event.delta === 'string' &&
    typeof event.response_id === 'string' &&
    typeof event.item_id === 'string'
  );
}

function parseWhole(text: string): ServerEvent | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? (value as ServerEvent) : undefined;
  } catch {
    return undefined;
  }
}

function parseWithLargeDelta(text: string): ServerEvent | undefined {
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
  (rest as Record<string, unknown>).delta = delta;
  return rest;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a string field, or undefined. */
export function str(source: unknown, key: string): string | undefined {
  if (!isObject(source)) return undefined;
  const value = source[key];
  return typeof value === 'string' ? value : undefined;
}

/** Reads a finite number field, or undefined. */
export function num(source: unknown, key: string): number | undefined {
  if (!isObject(source)) return undefined;
  const value = source[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Reads an object field, or undefined. */
export function obj(source: unknown, key: string): Record<string, unknown> | undefined {
  if (!isObject(source)) return undefined;
  const value = source[key];
  return isObject(value) ? value : undefined;
}
