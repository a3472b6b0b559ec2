/** The `error` bodies the emulator sends, worded like the real service's. */
import type { ApiError } from './types.js';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'boolean') return 'a boolean';
  return `a ${typeof value}`;
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function unknownParameter(param: string): ApiError {
  return { code: 'unknown_parameter', message: `Unknown parameter: '${param}'.`, param };
}

export function missingParameter(param: string): ApiError {
  return { code: 'missing_required_parameter', message: `Missing required parameter: '${param}'.`, param };
}

export function invalidType(param: string, expected: string, value: unknown): ApiError {
  return {
    code: 'invalid_type',
    message: `Invalid type for '${param}': expected ${expected}, but got ${describe(value)} instead.`,
    param,
  };
}

export function invalidValue(param: string, value: unknown, supported: readonly unknown[]): ApiError {
  const list = supported.map((s) => `'${show(s)}'`).join(', ');
  return { code: 'invalid_value', message: `Invalid value: '${show(value)}'. Supported values are: ${list}.`, param };
}

export function outOfRange(param: string, value: number, min: number, max: number): ApiError {
  const kind = Number.isInteger(value) ? 'integer' : 'decimal';
  if (value < min) {
    return {
      code: `${kind}_below_min_value`,
      message: `Invalid '${param}': ${kind} below minimum value. Expected a value >= ${min}, but got ${value} instead.`,
      param,
    };
  }
  return {
    code: `${kind}_above_max_value`,
    message: `Invalid '${param}': ${kind} above maximum value. Expected a value <= ${max}, but got ${value} instead.`,
    param,
  };
}

export function invalidJson(): ApiError {
  return {
    code: 'invalid_json',
    message:
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
    param: null,
  };
}

export function commitTooSmall(bufferedMs: number): ApiError {
  return {
    code: 'input_audio_buffer_commit_empty',
    message: `Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has ${bufferedMs.toFixed(2)}ms of audio.`,
    param: null,
  };
}

export function cancelNotActive(): ApiError {
  return { code: 'response_cancel_not_active', message: 'Cancellation failed: no active response found', param: null };
}

export function alreadyHasActiveResponse(responseId: string): ApiError {
  return {
    code: 'conversation_already_has_active_response',
    message: `Conversation already has an active response in progress: ${responseId}. Wait until the response is finished before creating a new one.`,
    param: null,
  };
}

export function itemNotFound(itemId: string): ApiError {
  return { code: 'invalid_value', message: `Item with item_id '${itemId}' not found.`, param: 'item_id' };
}

export function deleteUnknownItem(itemId: string): ApiError {
  return {
    code: 'item_delete_invalid_item_id',
    message: `Error deleting item: the item with id '${itemId}' does not exist.`,
    param: 'item_id',
  };
}

export function truncateTooLong(audioMs: number, requestedMs: number): ApiError {
  return {
    code: 'invalid_value',
    message: `Audio content of ${Math.floor(audioMs)}ms is already shorter than ${requestedMs}ms`,
    param: 'audio_end_ms',
  };
}

export function truncateNotAudio(): ApiError {
  return { code: 'unsupported_content_type', message: 'Only model output audio messages can be truncated', param: null };
}

export function cannotUpdateVoice(): ApiError {
  return {
    code: 'cannot_update_voice',
    message: "Cannot update a conversation's voice if assistant audio is present.",
    param: 'session.audio.output.voice',
  };
}

export function invalidBase64(): ApiError {
  return { code: 'invalid_value', message: "Invalid 'audio'. Expected base64-encoded audio data.", param: 'audio' };
}

export function binaryFrame(): ApiError {
  return {
    code: 'invalid_json',
    message: 'Binary frames are not supported. Send JSON text frames with base64 audio.',
    param: null,
  };
}

export function missingModel(): ApiError {
  return {
    code: 'missing_model',
    message: "You must provide a model parameter, e.g. '/v1/realtime?model=gpt-realtime'.",
    param: null,
  };
}

/** Wording as a user captured it from the service (jsboige/CoursIA#13149). */
export function betaShapeDisabled(): ApiError {
  return {
    code: 'beta_api_shape_disabled',
    message: 'The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API.',
    param: null,
  };
}

/** A wrong key seen after the upgrade; the service masks all but the key's ends (chatanywhere/GPT_API_free#427). */
export function invalidApiKey(key: string): ApiError {
  const masked = key.length > 12 ? `${key.slice(0, 6)}${'*'.repeat(key.length - 10)}${key.slice(-4)}` : '***';
  return {
    code: 'invalid_api_key',
    message: `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    param: null,
  };
}

/** The docs say speed can only change between turns; the refusal's wording is ours. */
export function cannotUpdateSpeed(): ApiError {
  return {
    code: 'cannot_update_speed',
    message: 'Cannot update the speed while a response is in progress; it can only change between model turns.',
    param: 'session.audio.output.speed',
  };
}

/** Truncating or deleting the item of a response still in progress; the service's answer is undocumented, this one is ours. */
export function itemInProgress(itemId: string): ApiError {
  return {
    code: 'item_in_progress',
    message: `Item '${itemId}' belongs to a response that is still in progress; wait for response.done.`,
    param: 'item_id',
  };
}

/** The body of `conversation.item.input_audio_transcription.failed`, worded like a reported one (type and message only). */
export function transcriptionFailed(itemId: string, cause: string): { type: string; message: string } {
  return { type: 'server_error', message: `Input transcription failed for item '${itemId}'. ${cause}` };
}

export function unknownEventType(type: unknown, supported: readonly string[]): ApiError {
  return invalidValue('type', type, supported);
}
