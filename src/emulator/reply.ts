/**
 * What a response says: an echo of the user's last utterance, a deterministic sentence about a
 * text message, and the `response.create` overrides the emulator honours.
 */
import type { Conversation } from './conversation.js';
import * as errors from './errors.js';
import { convertAudio, toneAudio } from './formats.js';
import { newId } from './ids.js';
import type { ResponsePlan } from './response-objects.js';
import type { ApiError, AudioFormat, OutputModality, SessionConfig } from './types.js';

/** Tone length per word of a text reply, so that longer replies have longer audio. */
const TONE_MS_PER_WORD = 60;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

export interface ResponseOverrides {
  modalities?: OutputModality[];
  instructions?: string;
  outOfBand: boolean;
  voice?: string;
  format?: AudioFormat;
}

/** Reads the optional `response` object of `response.create`. */
export function parseOverrides(value: unknown): { ok: true; overrides: ResponseOverrides } | { ok: false; error: ApiError } {
  const overrides: ResponseOverrides = { outOfBand: false };
  if (value === undefined || value === null) return { ok: true, overrides };
  if (!isObject(value)) return { ok: false, error: errors.invalidType('response', 'an object', value) };
  const modalities = value.output_modalities;
  if (modalities !== undefined) {
    const valid =
      Array.isArray(modalities) && modalities.length === 1 && (modalities[0] === 'audio' || modalities[0] === 'text');
    if (!valid) return { ok: false, error: errors.invalidValue('response.output_modalities', modalities, [['audio'], ['text']]) };
    overrides.modalities = modalities as OutputModality[];
  }
  if (value.instructions !== undefined) {
    if (typeof value.instructions !== 'string') {
      return { ok: false, error: errors.invalidType('response.instructions', 'a string', value.instructions) };
    }
    overrides.instructions = value.instructions;
  }
  if (value.conversation !== undefined) {
    if (value.conversation !== 'auto' && value.conversation !== 'none') {
      return { ok: false, error: errors.invalidValue('response.conversation', value.conversation, ['auto', 'none']) };
    }
    overrides.outOfBand = value.conversation === 'none';
  }
  const output = isObject(value.audio) && isObject(value.audio.output) ? value.audio.output : undefined;
  if (typeof output?.voice === 'string') overrides.voice = output.voice;
  if (isObject(output?.format)) {
    const type = output.format.type;
    if (type === 'audio/pcm') overrides.format = { type, rate: 24000 };
    else if (type === 'audio/pcmu' || type === 'audio/pcma') overrides.format = { type };
  }
  return { ok: true, overrides };
}

/** "I heard 1.2 seconds of audio." for an utterance of `ms`. */
export function voiceReplyText(ms: number): string {
  return `I heard ${(ms / 1000).toFixed(1)} seconds of audio.`;
}

/** `You said: "<text>".` for a text message. */
export function textReplyText(text: string): string {
  return `You said: "${text}".`;
}

export const GREETING_TEXT = 'Hello from the realtime emulator.';

/** The deterministic transcript of a committed utterance, e.g. "(1.24 seconds of speech)". */
export function transcriptText(ms: number): string {
  return `(${(ms / 1000).toFixed(2)} seconds of speech)`;
}

/** Plans the next response of a session: ids, modalities, text and (lazily converted) audio. */
export function planResponse(config: SessionConfig, conversation: Conversation, overrides: ResponseOverrides, conversationId: string): ResponsePlan {
  const modalities = overrides.modalities ?? config.output_modalities;
  const outputFormat = overrides.format ?? config.audio.output.format;
  const instructions = overrides.instructions ?? config.instructions;
  const source = conversation.lastUser();
  let text = GREETING_TEXT;
  let audio: () => Promise<Buffer> = () => Promise.resolve(toneAudio(outputFormat, TONE_MS_PER_WORD * text.split(' ').length));
  if (source?.audio !== undefined && source.audioFormat !== undefined) {
    const { audio: bytes, audioFormat } = source;
    text = voiceReplyText(source.audioMs ?? 0);
    audio = () => convertAudio(bytes, audioFormat, outputFormat);
  } else if (source?.text !== undefined) {
    text = textReplyText(source.text);
    const words = text.split(' ').length;
    audio = () => Promise.resolve(toneAudio(outputFormat, TONE_MS_PER_WORD * words));
  }
  return {
    id: newId('resp'),
    itemId: newId('item'),
    model: config.model,
    conversationId: overrides.outOfBand ? null : conversationId,
    modalities,
    outputFormat,
    voice: overrides.voice ?? config.audio.output.voice,
    maxOutputTokens: config.max_output_tokens,
    text,
    audio: modalities.includes('audio') ? audio() : Promise.resolve(Buffer.alloc(0)),
    inputTokens: {
      text: Math.ceil(instructions.length / 4) + Math.ceil((source?.text?.length ?? 0) / 4),
      audio: Math.ceil((source?.audioMs ?? 0) / 100),
    },
  };
}
