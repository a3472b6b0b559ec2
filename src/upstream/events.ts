/**
 * The upstream (OpenAI Realtime GA) events the proxy reads, as one discriminated union with the GA names and
 * fields, each read once from the untrusted JSON here: past this file nothing looks a field up by name. An event the
 * proxy does not read, or one too malformed to act on, is `unread`. The audio delta is typed in place (no copy, no
 * new object): it passes here on every frame.
 */
import { isObject, type RawEvent } from './event-json.js';

/** An audio delta with its payload still base64 (decoded only when needed). */
export interface AudioDeltaEvent {
  readonly type: 'response.output_audio.delta';
  readonly response_id: string;
  readonly item_id: string;
  /** 0 when the upstream left it out. */
  readonly content_index: number;
  readonly delta: string;
}

/** The body of an upstream `error` (an error event's, a failed transcription's, a failed response's). */
export interface UpstreamErrorBody {
  readonly type?: string;
  readonly code?: string;
  readonly message?: string;
}

/** Token counts as the service reports them (`usage`): numbers, nested by kind; nothing else is kept. */
export interface Counts {
  readonly [name: string]: number | Counts;
}

/** The `response` of a `response.done`: only what the proxy reads. */
export interface ResponseBody {
  readonly id?: string;
  readonly status?: string;
  readonly status_details?: { readonly type?: string; readonly reason?: string; readonly error?: UpstreamErrorBody };
  readonly usage?: Counts;
}

/** Turn detection in effect, as `session.updated` reports it. */
export interface TurnDetectionInEffect {
  readonly type?: string;
  readonly threshold?: number;
  readonly prefix_padding_ms?: number;
  readonly silence_duration_ms?: number;
  readonly eagerness?: string;
  readonly create_response?: boolean;
  readonly interrupt_response?: boolean;
}

/** The session in effect, as `session.updated` reports it: only what the proxy reads. */
export interface EffectiveSession {
  readonly instructions?: string;
  readonly output_modalities?: readonly string[];
  readonly audio?: {
    readonly input?: {
      readonly turn_detection?: TurnDetectionInEffect;
      readonly transcription?: { readonly model?: string; readonly language?: string };
    };
    readonly output?: { readonly voice?: string; readonly speed?: number };
  };
}

export type UpstreamEvent =
  | AudioDeltaEvent
  /** `session.id` ("sess_…"): the upstream's id for the session, for the logs. */
  | { readonly type: 'session.created'; readonly session: { readonly id?: string } }
  | { readonly type: 'input_audio_buffer.committed'; readonly item_id: string }
  | { readonly type: 'session.updated'; readonly session: EffectiveSession }
  | { readonly type: 'input_audio_buffer.speech_started'; readonly audio_start_ms: number }
  | { readonly type: 'input_audio_buffer.speech_stopped'; readonly audio_end_ms: number }
  | { readonly type: 'conversation.item.input_audio_transcription.delta'; readonly item_id: string; readonly delta: string }
  | {
      readonly type: 'conversation.item.input_audio_transcription.completed';
      readonly item_id: string;
      readonly transcript: string;
      readonly usage?: Counts;
    }
  | { readonly type: 'conversation.item.input_audio_transcription.failed'; readonly item_id?: string; readonly error: UpstreamErrorBody }
  | { readonly type: 'response.created'; readonly response: { readonly id: string } }
  | { readonly type: 'response.output_item.added'; readonly response_id?: string; readonly item: { readonly id?: string } }
  | { readonly type: 'response.output_audio_transcript.delta' | 'response.output_text.delta'; readonly response_id?: string; readonly delta: string }
  | { readonly type: 'response.done'; readonly response: ResponseBody }
  | { readonly type: 'error'; readonly error: UpstreamErrorBody }
  /** An event the proxy does not act on (`name` is its type), or one without the fields it would need. */
  | { readonly type: 'unread'; readonly name: string };

/** Types a parsed (and scrubbed) upstream event; what it cannot use becomes `unread`. Never throws. */
export function readUpstreamEvent(raw: RawEvent): UpstreamEvent {
  switch (raw.type) {
    case 'response.output_audio.delta':
      if (typeof raw.delta !== 'string' || typeof raw.response_id !== 'string' || typeof raw.item_id !== 'string') return unread(raw);
      // Typed in place: the object is ours (fresh from JSON.parse), and the frame path allocates nothing more.
      if (typeof raw.content_index !== 'number') raw.content_index = 0;
      return raw as unknown as AudioDeltaEvent;
    case 'session.created':
      return { type: raw.type, session: { id: str(raw.session, 'id') } };
    case 'input_audio_buffer.committed': {
      const itemId = str(raw, 'item_id');
      return itemId === undefined ? unread(raw) : { type: raw.type, item_id: itemId };
    }
    case 'session.updated':
      return { type: raw.type, session: readSession(raw.session) };
    case 'input_audio_buffer.speech_started':
      return { type: raw.type, audio_start_ms: num(raw, 'audio_start_ms') ?? 0 };
    case 'input_audio_buffer.speech_stopped':
      return { type: raw.type, audio_end_ms: num(raw, 'audio_end_ms') ?? 0 };
    case 'conversation.item.input_audio_transcription.delta':
      return { type: raw.type, item_id: str(raw, 'item_id') ?? '', delta: str(raw, 'delta') ?? '' };
    case 'conversation.item.input_audio_transcription.completed':
      return { type: raw.type, item_id: str(raw, 'item_id') ?? '', transcript: str(raw, 'transcript') ?? '', usage: isObject(raw.usage) ? readCounts(raw.usage) : undefined };
    case 'conversation.item.input_audio_transcription.failed':
      return { type: raw.type, item_id: str(raw, 'item_id'), error: readError(raw.error) };
    case 'error':
      return { type: raw.type, error: readError(raw.error) };
    case 'response.created': {
      const id = str(raw.response, 'id');
      return id === undefined ? unread(raw) : { type: raw.type, response: { id } };
    }
    case 'response.output_item.added':
      return { type: raw.type, response_id: str(raw, 'response_id'), item: { id: str(raw.item, 'id') } };
    case 'response.output_audio_transcript.delta':
    case 'response.output_text.delta': {
      const delta = str(raw, 'delta');
      return delta === undefined ? unread(raw) : { type: raw.type, response_id: str(raw, 'response_id'), delta };
    }
    case 'response.done':
      return { type: raw.type, response: readResponse(raw.response) };
    default:
      return unread(raw);
  }
}

/** The `response` of a `response.done` (also for tests that build one). */
export function readResponse(value: unknown): ResponseBody {
  if (!isObject(value)) return {};
  const details = value.status_details;
  return {
    id: str(value, 'id'),
    status: str(value, 'status'),
    status_details: isObject(details)
      ? { type: str(details, 'type'), reason: str(details, 'reason'), error: isObject(details.error) ? readError(details.error) : undefined }
      : undefined,
    usage: isObject(value.usage) ? readCounts(value.usage) : undefined,
  };
}

/** An upstream error body; a missing one is empty (every field is optional). */
export function readError(value: unknown): UpstreamErrorBody {
  return { type: str(value, 'type'), code: str(value, 'code'), message: str(value, 'message') };
}

function readSession(value: unknown): EffectiveSession {
  if (!isObject(value)) return {};
  const audio = isObject(value.audio) ? value.audio : {};
  const input = isObject(audio.input) ? audio.input : undefined;
  const output = isObject(audio.output) ? audio.output : undefined;
  const modalities = value.output_modalities;
  return {
    instructions: str(value, 'instructions'),
    output_modalities: Array.isArray(modalities) && modalities.every((m) => typeof m === 'string') ? (modalities) : undefined,
    audio: {
      input: input === undefined ? undefined : { turn_detection: readTurnDetection(input.turn_detection), transcription: readTranscription(input.transcription) },
      output: output === undefined ? undefined : { voice: str(output, 'voice'), speed: num(output, 'speed') },
    },
  };
}

function readTurnDetection(turn: unknown): TurnDetectionInEffect | undefined {
  if (!isObject(turn)) return undefined;
  return {
    type: str(turn, 'type'),
    threshold: num(turn, 'threshold'),
    prefix_padding_ms: num(turn, 'prefix_padding_ms'),
    silence_duration_ms: num(turn, 'silence_duration_ms'),
    eagerness: str(turn, 'eagerness'),
    create_response: bool(turn, 'create_response'),
    interrupt_response: bool(turn, 'interrupt_response'),
  };
}

function readTranscription(transcription: unknown): { model?: string; language?: string } | undefined {
  return isObject(transcription) ? { model: str(transcription, 'model'), language: str(transcription, 'language') } : undefined;
}

/** The numbers of a usage object, however nested (bounded depth: it is untrusted). */
function readCounts(value: Record<string, unknown>, depth = 0): Counts {
  const counts: Record<string, number | Counts> = {};
  for (const [key, field] of Object.entries(value)) {
    if (typeof field === 'number' && Number.isFinite(field)) counts[key] = field;
    else if (isObject(field) && depth < 3) counts[key] = readCounts(field, depth + 1);
  }
  return counts;
}

function unread(raw: RawEvent): UpstreamEvent {
  return { type: 'unread', name: raw.type };
}

function str(source: unknown, key: string): string | undefined {
  const value = isObject(source) ? source[key] : undefined;
  return typeof value === 'string' ? value : undefined;
}

function num(source: unknown, key: string): number | undefined {
  const value = isObject(source) ? source[key] : undefined;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function bool(source: unknown, key: string): boolean | undefined {
  const value = isObject(source) ? source[key] : undefined;
  return typeof value === 'boolean' ? value : undefined;
}
