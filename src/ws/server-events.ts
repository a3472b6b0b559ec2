/**
 * Everything the server sends a client as JSON (protocol v1, docs/protocol.md "Messages you receive"), as one
 * discriminated union: the session sends nothing else, the CLI client reads these, and test/ws/server-events.test.ts
 * holds them against the docs (every event and field documented, nothing documented that is not sent). Most are
 * `{"type":"event","name":…}`; streaming text, `pong` and `error` have their own `type`.
 */
import type { ClientAudioEncoding } from '../audio/formats.js';
import type { ClientErrorEvent } from '../errors/index.js';
import type { ResponseEndReason } from '../errors/upstream-failures.js';
import type { ResponseStatus } from '../metrics/index.js';

export type { ClientErrorEvent, ResponseEndReason, ResponseStatus };

/** An audio format as `AIConnected` confirms it. */
export interface FormatView {
  readonly format: ClientAudioEncoding;
  readonly rate: number;
}

/** Tokens by modality. */
export interface ModalityTokens {
  readonly text: number;
  readonly audio: number;
  readonly image: number;
}

/**
 * What one response used, as the AI service reported it in `response.done`: input tokens not served from its cache,
 * cached input tokens, output tokens, and the estimated cost in US dollars (null when the model has no price).
 */
export interface UsageView {
  readonly input: ModalityTokens;
  readonly cachedInput: ModalityTokens;
  readonly output: ModalityTokens;
  readonly costUsd: number | null;
}

/** The effective session as `SessionUpdated` shows it: camelCase, no secrets; `instructions` only when clients may set them. */
export interface SessionView {
  readonly voice?: string;
  readonly speed?: number;
  readonly instructions?: string;
  readonly outputModalities?: unknown;
  readonly turnDetection: Readonly<Record<string, unknown>> | null;
  readonly transcription: Readonly<Record<string, unknown>> | null;
}

export type ServerEvent =
  | {
      readonly type: 'event';
      readonly name: 'AIConnected';
      readonly sessionId: string;
      readonly input: FormatView;
      readonly output: FormatView;
      /** `passthrough` when no conversion happens in either direction. */
      readonly audioPath: 'passthrough' | 'transcode';
    }
  | { readonly type: 'event'; readonly name: 'AISpeechDetected'; readonly audioStartMs: number }
  | { readonly type: 'event'; readonly name: 'AISpeechEnded'; readonly audioEndMs: number }
  | { readonly type: 'transcriptDelta'; readonly itemId: string; readonly text: string }
  | { readonly type: 'event'; readonly name: 'UserTranscript'; readonly itemId: string; readonly text: string }
  | { readonly type: 'event'; readonly name: 'AIResponseStart'; readonly responseId: string }
  | { readonly type: 'textDelta'; readonly responseId: string; readonly text: string }
  | { readonly type: 'event'; readonly name: 'AIInterrupted'; readonly responseId: string; readonly playedMs: number }
  | {
      readonly type: 'event';
      readonly name: 'AIResponseEnd';
      readonly responseId: string;
      readonly status: ResponseStatus;
      readonly finalText: string;
      /** Present when the AI service did not complete the response. */
      readonly reason?: ResponseEndReason;
      /** The response's usage; absent when the operator turned it off (USAGE_IN_RESPONSE_END=false). */
      readonly usage?: UsageView;
    }
  | { readonly type: 'event'; readonly name: 'SessionUpdated'; readonly session: SessionView }
  | { readonly type: 'pong'; readonly id?: string | number }
  | ClientErrorEvent
  | {
      readonly type: 'event';
      readonly name: 'SessionRenewed';
      /** `max_duration`: planned, before the AI service's session cap; `upstream_lost`: after the AI service's session dropped. */
      readonly reason: 'max_duration' | 'upstream_lost';
      /** Conversation items the new AI session was given. */
      readonly replayedItems: number;
      /** How long the client's audio was held (not lost) during the switch, ms. */
      readonly gapMs: number;
    }
  | {
      readonly type: 'event';
      readonly name: 'ServerShuttingDown';
      readonly graceMs: number;
      /** `max_session`: the session reaches MAX_SESSION_SECONDS (not a restart). */
      readonly reason?: 'max_session';
    };

/** The `name` of an `event`-typed message. */
export type ServerEventName = Extract<ServerEvent, { type: 'event' }>['name'];

/** The event of one name, for code that reads what it received. */
export type NamedEvent<N extends ServerEventName> = Extract<ServerEvent, { name: N }>;
