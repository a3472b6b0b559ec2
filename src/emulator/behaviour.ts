/**
 * How an emulated session behaves where timing and failures matter. Every session gets its own copy
 * (`emulator.sessions[i].behaviour`), so a test can switch one session into a mode while it runs;
 * `EmulatorOptions.behaviour` sets the starting values for all of them. docs/emulator.md gives the sources.
 */

/** A response that does not complete: `failed` right after `response.created`, or `incomplete` part-way. */
export type ResponseFault =
  | { readonly status: 'failed'; readonly error: 'rate_limit' | 'quota' | 'server_error' }
  | { readonly status: 'incomplete'; readonly reason: 'max_output_tokens' | 'content_filter'; readonly afterDeltas?: number };

export interface SessionBehaviour {
  /**
   * The model's think time, ms: from the end of a turn (or `response.create`) to the response's first output.
   * `response.created` comes sooner (`RESPONSE_CREATED_MS`). 0: everything in the same tick.
   */
  modelLatencyMs: number;
  /** From a cancel (client or turn detection) to the cancelled response's `.done` events, ms; audio keeps flowing meanwhile. 0: at once. */
  cancelLatencyMs: number;
  /** The assistant's transcript trails its audio by this much audio, ms. 0: each piece goes out just before its audio. */
  transcriptLagMs: number;
  /** The user's transcription: 20 ms after the commit (`with_response`), or after the answering response's `response.done`. */
  transcriptionTiming: 'with_response' | 'after_response';
  /** `rate_limits.updated` after every `response.created`. */
  rateLimits: boolean;
  /** Outcomes of the next responses, one taken per response; an empty list means responses complete. */
  responseFaults: ResponseFault[];
  /** Every input transcription fails (`conversation.item.input_audio_transcription.failed`). */
  failTranscription: boolean;
  /** `error` events carry no `event_id`, neither their own nor the client event's (some real ones arrive so). */
  errorsWithoutEventId: boolean;
}

/** The think time used unless told otherwise: a few hundred ms, as a real model's time to first audio. */
export const REALISTIC_MODEL_LATENCY_MS = 300;
/** `response.created` follows the turn this much sooner than the first output (never later than the output). */
export const RESPONSE_CREATED_MS = 20;

/** The realistic defaults; `loopback` (the latency bench) gets no simulated latency at all. */
export function defaultBehaviour(loopback: boolean): SessionBehaviour {
  return {
    modelLatencyMs: loopback ? 0 : REALISTIC_MODEL_LATENCY_MS,
    cancelLatencyMs: loopback ? 0 : 40,
    transcriptLagMs: loopback ? 0 : 200,
    transcriptionTiming: 'with_response',
    rateLimits: true,
    responseFaults: [],
    failTranscription: false,
    errorsWithoutEventId: false,
  };
}

/** Timing switched off: responses start, cancel and transcribe in the same tick (tests that need speed). */
export const INSTANT: Readonly<Partial<SessionBehaviour>> = Object.freeze({ modelLatencyMs: 0, cancelLatencyMs: 0, transcriptLagMs: 0 });
