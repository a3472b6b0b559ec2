/**
 * `session.update` validation: checks the GA shape field by field and returns the deep-merged
 * effective session, or the first error with the parameter path the real service names.
 */
import { defaultSemanticVad, defaultServerVad, VOICES } from './defaults.js';
import * as errors from './errors.js';
import type { ApiError, AudioFormat, SessionConfig, Transcription, TurnDetection } from './types.js';

export type UpdateResult = { ok: true; session: SessionConfig } | { ok: false; error: ApiError };

/** What the session's state forbids right now. */
export interface UpdateContext {
  /** Assistant audio has been sent: the voice can no longer change (`cannot_update_voice`). */
  readonly audioOutputStarted: boolean;
  /** A response is in progress: the speed can only change between turns (`cannot_update_speed`). */
  readonly responseActive: boolean;
  /** OpenAI checks the transcription model by name; on Azure it names a deployment, checked only when used. */
  readonly checkTranscriptionModel: boolean;
}

/** Transcription models the `openai` SDK's GA types list (`AudioTranscription.model`, openai-node 7.5). */
export const TRANSCRIPTION_MODELS = [
  'whisper-1',
  'gpt-transcribe',
  'gpt-live-transcribe',
  'gpt-4o-mini-transcribe',
  'gpt-4o-mini-transcribe-2025-12-15',
  'gpt-4o-transcribe',
  'gpt-4o-transcribe-diarize',
  'gpt-realtime-whisper',
] as const;

type Json = Record<string, unknown>;

/** Thrown inside this module only, to unwind the nested checks; never escapes `applySessionUpdate`. */
class Invalid extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
  }
}

function fail(error: ApiError): never {
  throw new Invalid(error);
}

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function object(value: unknown, param: string): Json {
  if (!isObject(value)) fail(errors.invalidType(param, 'an object', value));
  return value;
}

function onlyKeys(value: Json, allowed: readonly string[], param: string): void {
  for (const key of Object.keys(value)) if (!allowed.includes(key)) fail(errors.unknownParameter(`${param}.${key}`));
}

function string(value: unknown, param: string): string {
  if (typeof value !== 'string') fail(errors.invalidType(param, 'a string', value));
  return value;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], param: string): T {
  if (typeof value !== 'string') fail(errors.invalidType(param, 'one of ' + allowed.join(', '), value));
  if (!(allowed as readonly string[]).includes(value)) fail(errors.invalidValue(param, value, allowed));
  return value as T;
}

function number(value: unknown, param: string, min: number, max: number, integer = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(errors.invalidType(param, 'a number', value));
  if (integer && !Number.isInteger(value)) fail(errors.invalidType(param, 'an integer', value));
  if (value < min || value > max) fail(errors.outOfRange(param, value, min, max));
  return value;
}

function boolean(value: unknown, param: string): boolean {
  if (typeof value !== 'boolean') fail(errors.invalidType(param, 'a boolean', value));
  return value;
}

/** `{type:'audio/pcm', rate:24000}` or G.711 `{type:'audio/pcmu'|'audio/pcma'}` (rate absent or 8000). */
function format(value: unknown, param: string): AudioFormat {
  const body = object(value, param);
  onlyKeys(body, ['type', 'rate'], param);
  const type = oneOf(body.type, ['audio/pcm', 'audio/pcmu', 'audio/pcma'] as const, `${param}.type`);
  if (type === 'audio/pcm') {
    if (body.rate !== undefined && body.rate !== 24000) fail(errors.invalidValue(`${param}.rate`, body.rate, [24000]));
    return { type, rate: 24000 };
  }
  if (body.rate !== undefined && body.rate !== 8000) fail(errors.invalidValue(`${param}.rate`, body.rate, [8000]));
  return { type };
}

function transcription(value: unknown, param: string, checkModel: boolean): Transcription | null {
  if (value === null) return null;
  const body = object(value, param);
  onlyKeys(body, ['model', 'language', 'prompt'], param);
  if (body.model === undefined) fail(errors.missingParameter(`${param}.model`));
  const model = checkModel ? oneOf(body.model, TRANSCRIPTION_MODELS, `${param}.model`) : string(body.model, `${param}.model`);
  const result: Transcription = { model };
  if (body.language !== undefined) result.language = string(body.language, `${param}.language`);
  if (body.prompt !== undefined) result.prompt = string(body.prompt, `${param}.prompt`);
  return result;
}

/** A turn-detection object merges onto the previous one of the same type, else onto that type's defaults. */
function turnDetection(value: unknown, previous: TurnDetection, param: string): TurnDetection {
  if (value === null) return null;
  const body = object(value, param);
  const type = oneOf(body.type ?? previous?.type ?? 'server_vad', ['server_vad', 'semantic_vad'] as const, `${param}.type`);
  const common = ['type', 'create_response', 'interrupt_response'];
  const create = (base: { create_response: boolean; interrupt_response: boolean }): void => {
    if (body.create_response !== undefined) base.create_response = boolean(body.create_response, `${param}.create_response`);
    if (body.interrupt_response !== undefined) {
      base.interrupt_response = boolean(body.interrupt_response, `${param}.interrupt_response`);
    }
  };
  if (type === 'semantic_vad') {
    onlyKeys(body, [...common, 'eagerness'], param);
    const next = previous?.type === 'semantic_vad' ? { ...previous } : defaultSemanticVad();
    if (body.eagerness !== undefined) next.eagerness = oneOf(body.eagerness, ['low', 'medium', 'high', 'auto'] as const, `${param}.eagerness`);
    create(next);
    return next;
  }
  onlyKeys(body, [...common, 'threshold', 'prefix_padding_ms', 'silence_duration_ms', 'idle_timeout_ms'], param);
  const next = previous?.type === 'server_vad' ? { ...previous } : defaultServerVad();
  if (body.threshold !== undefined) next.threshold = number(body.threshold, `${param}.threshold`, 0, 1);
  if (body.prefix_padding_ms !== undefined) {
    next.prefix_padding_ms = number(body.prefix_padding_ms, `${param}.prefix_padding_ms`, 0, 10_000, true);
  }
  if (body.silence_duration_ms !== undefined) {
    next.silence_duration_ms = number(body.silence_duration_ms, `${param}.silence_duration_ms`, 0, 10_000, true);
  }
  if (body.idle_timeout_ms !== undefined) {
    next.idle_timeout_ms =
      body.idle_timeout_ms === null ? null : number(body.idle_timeout_ms, `${param}.idle_timeout_ms`, 5000, 30_000, true);
  }
  create(next);
  return next;
}

function audioInput(value: unknown, session: SessionConfig, param: string, context: UpdateContext): void {
  const body = object(value, param);
  onlyKeys(body, ['format', 'transcription', 'noise_reduction', 'turn_detection'], param);
  const input = session.audio.input;
  if (body.format !== undefined) input.format = format(body.format, `${param}.format`);
  if (body.transcription !== undefined) {
    input.transcription = transcription(body.transcription, `${param}.transcription`, context.checkTranscriptionModel);
  }
  if (body.noise_reduction !== undefined) {
    if (body.noise_reduction === null) input.noise_reduction = null;
    else {
      const nr = object(body.noise_reduction, `${param}.noise_reduction`);
      onlyKeys(nr, ['type'], `${param}.noise_reduction`);
      input.noise_reduction = { type: oneOf(nr.type, ['near_field', 'far_field'] as const, `${param}.noise_reduction.type`) };
    }
  }
  if (body.turn_detection !== undefined) {
    input.turn_detection = turnDetection(body.turn_detection, input.turn_detection, `${param}.turn_detection`);
  }
}

function audioOutput(value: unknown, session: SessionConfig, param: string, context: UpdateContext): void {
  const body = object(value, param);
  onlyKeys(body, ['format', 'voice', 'speed'], param);
  const output = session.audio.output;
  if (body.format !== undefined) output.format = format(body.format, `${param}.format`);
  if (body.voice !== undefined) {
    const voice = oneOf(body.voice, VOICES, `${param}.voice`);
    if (voice !== output.voice && context.audioOutputStarted) fail(errors.cannotUpdateVoice());
    output.voice = voice;
  }
  if (body.speed !== undefined) {
    const speed = number(body.speed, `${param}.speed`, 0.25, 1.5);
    if (speed !== output.speed && context.responseActive) fail(errors.cannotUpdateSpeed());
    output.speed = speed;
  }
}

const SESSION_KEYS = [
  'type', 'model', 'instructions', 'output_modalities', 'audio', 'tools', 'tool_choice', 'max_output_tokens',
  'tracing', 'truncation', 'prompt', 'include',
] as const;

function apply(current: SessionConfig, update: unknown, context: UpdateContext): SessionConfig {
  if (update === undefined) fail(errors.missingParameter('session'));
  const body = object(update, 'session');
  onlyKeys(body, SESSION_KEYS, 'session');
  if (body.type === undefined) fail(errors.missingParameter('session.type'));
  oneOf(body.type, ['realtime'] as const, 'session.type');
  const next = structuredClone(current);
  if (body.model !== undefined) next.model = string(body.model, 'session.model');
  if (body.instructions !== undefined) next.instructions = string(body.instructions, 'session.instructions');
  if (body.output_modalities !== undefined) next.output_modalities = modalities(body.output_modalities);
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) fail(errors.invalidType('session.tools', 'an array', body.tools));
    next.tools = body.tools;
  }
  if (body.tool_choice !== undefined) {
    next.tool_choice = isObject(body.tool_choice)
      ? body.tool_choice
      : oneOf(body.tool_choice, ['auto', 'none', 'required'] as const, 'session.tool_choice');
  }
  if (body.max_output_tokens !== undefined) {
    next.max_output_tokens =
      body.max_output_tokens === 'inf' ? 'inf' : number(body.max_output_tokens, 'session.max_output_tokens', 1, 4096, true);
  }
  if (body.tracing !== undefined) {
    next.tracing = body.tracing === null || isObject(body.tracing) ? body.tracing : oneOf(body.tracing, ['auto'] as const, 'session.tracing');
  }
  if (body.truncation !== undefined) {
    next.truncation = isObject(body.truncation)
      ? body.truncation
      : oneOf(body.truncation, ['auto', 'disabled'] as const, 'session.truncation');
  }
  if (body.prompt !== undefined) next.prompt = body.prompt === null ? null : object(body.prompt, 'session.prompt');
  if (body.include !== undefined) next.include = include(body.include);
  if (body.audio !== undefined) {
    const audio = object(body.audio, 'session.audio');
    onlyKeys(audio, ['input', 'output'], 'session.audio');
    if (audio.input !== undefined) audioInput(audio.input, next, 'session.audio.input', context);
    if (audio.output !== undefined) audioOutput(audio.output, next, 'session.audio.output', context);
  }
  return next;
}

function modalities(value: unknown): SessionConfig['output_modalities'] {
  const param = 'session.output_modalities';
  if (!Array.isArray(value)) fail(errors.invalidType(param, 'an array', value));
  const list = value.map((m, i) => oneOf(m, ['audio', 'text'] as const, `${param}[${i}]`));
  if (list.length !== 1) {
    fail({
      code: 'invalid_value',
      message: `Invalid modalities: ${JSON.stringify(list)}. Supported combinations are: ["text"] and ["audio"].`,
      param,
    });
  }
  return list;
}

function include(value: unknown): string[] | null {
  if (value === null) return null;
  if (!Array.isArray(value)) fail(errors.invalidType('session.include', 'an array', value));
  return value.map((v, i) => oneOf(v, ['item.input_audio_transcription.logprobs'] as const, `session.include[${i}]`));
}

/** Applies a `session.update` body to `current`. Nothing changes on error; `context` says what the moment forbids. */
export function applySessionUpdate(current: SessionConfig, update: unknown, context: UpdateContext): UpdateResult {
  try {
    return { ok: true, session: apply(current, update, context) };
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, error: error.error };
    throw error;
  }
}
