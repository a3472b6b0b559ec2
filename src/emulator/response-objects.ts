/**
 * The objects a response carries: the `realtime.response` itself, its `status_details`, its `usage`, and the
 * `rate_limits.updated` list that follows `response.created`. Shapes from the `openai` SDK's GA types
 * (`RealtimeResponse`, `RealtimeResponseStatus`, `RateLimitsUpdatedEvent`) and the reports cited in docs/emulator.md.
 */
import type { ResponseFault } from './behaviour.js';
import type { AudioFormat, OutputModality } from './types.js';

/** What a response will be: fixed when it is created. */
export interface ResponsePlan {
  id: string;
  itemId: string;
  model: string;
  /** null for an out-of-band response (`response.conversation: "none"`): no conversation events. */
  conversationId: string | null;
  modalities: OutputModality[];
  outputFormat: AudioFormat;
  voice: string;
  maxOutputTokens: number | 'inf';
  /** The reply text: the audio transcript, or the text itself for text-only output. */
  text: string;
  /** Reply audio in the output format (ignored for text-only output). */
  audio: Promise<Buffer>;
  inputTokens: { text: number; audio: number };
}

export type ResponseStatus = 'completed' | 'cancelled' | 'incomplete' | 'failed';
export type CancelReason = 'turn_detected' | 'client_cancelled';

/** `status_details` as the service sends it; null for a completed response. */
export type StatusDetails =
  | null
  | { type: 'cancelled'; reason: CancelReason }
  | { type: 'incomplete'; reason: 'max_output_tokens' | 'content_filter' }
  | { type: 'failed'; error: { type: string; code: string | null; message: string } };

const FAILURES: Record<Extract<ResponseFault, { status: 'failed' }>['error'], (model: string) => { type: string; code: string | null; message: string }> = {
  // Rate limits arrive as a failed response, not an error event (livekit/agents#2967; openai-agents-js#1022 for the wording).
  rate_limit: (model) => ({
    type: 'invalid_request_error',
    code: 'inference_rate_limit_exceeded',
    message: `Rate limit reached for ${model} in organization org-emulator on tokens per min (TPM): Limit 40000, Used 40000, Requested 1200. Please try again in 1.8s.`,
  }),
  // Verbatim shape of a community report (community.openai.com/t/1005042).
  quota: () => ({
    type: 'insufficient_quota',
    code: 'insufficient_quota',
    message:
      'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
  }),
  server_error: () => ({
    type: 'server_error',
    code: null,
    message: 'The server had an error while processing your request. Sorry about that!',
  }),
};

/** The `status_details` of a response that fails or stops short. */
export function faultDetails(fault: ResponseFault, model: string): StatusDetails {
  if (fault.status === 'failed') return { type: 'failed', error: FAILURES[fault.error](model) };
  return { type: 'incomplete', reason: fault.reason };
}

/** The `realtime.response` object of `response.created` / `response.done`. */
export function responseObject(plan: ResponsePlan, status: ResponseStatus | 'in_progress', details: StatusDetails, output: unknown[], usage: unknown): Record<string, unknown> {
  return {
    object: 'realtime.response',
    id: plan.id,
    status,
    status_details: details,
    output,
    conversation_id: plan.conversationId,
    output_modalities: plan.modalities,
    max_output_tokens: plan.maxOutputTokens,
    audio: { output: { format: plan.outputFormat, voice: plan.voice } },
    usage,
    metadata: null,
  };
}

/** Simplified, deterministic counts: 4 characters a text token, 100 ms of input / 50 ms of output audio a token. */
export function usage(plan: ResponsePlan, text: string, sentAudioMs: number): Record<string, unknown> {
  const input = plan.inputTokens;
  const outputText = Math.ceil(text.length / 4);
  const outputAudio = Math.ceil(sentAudioMs / 50);
  return usageObject(input.text, input.audio, outputText, outputAudio);
}

/** What a failed response reports: nothing was used. */
export function zeroUsage(): Record<string, unknown> {
  return usageObject(0, 0, 0, 0);
}

function usageObject(inText: number, inAudio: number, outText: number, outAudio: number): Record<string, unknown> {
  return {
    total_tokens: inText + inAudio + outText + outAudio,
    input_tokens: inText + inAudio,
    output_tokens: outText + outAudio,
    input_token_details: {
      text_tokens: inText,
      audio_tokens: inAudio,
      image_tokens: 0,
      cached_tokens: 0,
      cached_tokens_details: { text_tokens: 0, audio_tokens: 0, image_tokens: 0 },
    },
    output_token_details: { text_tokens: outText, audio_tokens: outAudio },
  };
}

/** A per-minute token budget the emulator pretends to have; only its shape matters. */
const TOKENS_PER_MINUTE = 40_000;
/** Output tokens a response reserves when it starts (the service "reserves" them, then settles at the end). */
const RESERVED_OUTPUT_TOKENS = 4096;

/**
 * The `rate_limits` list after `response.created`. Only `tokens`: users report that the service sends no
 * `requests` entry although the type allows one (openai-agents-js#1022).
 */
export function rateLimits(plan: ResponsePlan): Array<Record<string, unknown>> {
  const used = plan.inputTokens.text + plan.inputTokens.audio + RESERVED_OUTPUT_TOKENS;
  const remaining = Math.max(0, TOKENS_PER_MINUTE - used);
  return [{ name: 'tokens', limit: TOKENS_PER_MINUTE, remaining, reset_seconds: Math.round((used / TOKENS_PER_MINUTE) * 60 * 1000) / 1000 }];
}
