/**
 * What the proxy sends the upstream (GA client events), as one union: held against the vendor's types with the
 * events it reads (test/upstream/events.test.ts). `input_audio_buffer.append` is not here: it is built straight
 * into bytes on the audio path (`UpstreamConnection.appendAudio`).
 */

import type { UpstreamAudioFormat } from '../audio/upstream-formats.js';

/** Turn detection as the GA session takes it (`null`: off). */
export type TurnDetectionWire =
  | {
      readonly type: 'server_vad';
      readonly threshold: number;
      readonly prefix_padding_ms: number;
      readonly silence_duration_ms: number;
      readonly create_response: boolean;
      readonly interrupt_response: boolean;
    }
  | { readonly type: 'semantic_vad'; readonly eagerness: string; readonly create_response: boolean; readonly interrupt_response: boolean };

/** The settings of a `session.update`: only what changes (`upstream/session-config.ts` plans it). */
export interface SessionBody {
  readonly type: 'realtime';
  readonly instructions?: string;
  readonly output_modalities?: readonly string[];
  readonly audio?: {
    readonly input?: {
      readonly format?: UpstreamAudioFormat;
      readonly transcription?: { readonly model: string; readonly language?: string } | null;
      readonly turn_detection?: TurnDetectionWire | null;
    };
    readonly output?: { readonly format?: UpstreamAudioFormat; readonly voice?: string; readonly speed?: number };
  };
}

export interface SessionUpdateRequest {
  readonly type: 'session.update';
  /** Ours, numbered, so the upstream's answers and refusals can be told apart in its logs. */
  readonly event_id?: string;
  readonly session: SessionBody;
}

export type UpstreamRequest =
  | SessionUpdateRequest
  | { readonly type: 'input_audio_buffer.commit' }
  | { readonly type: 'input_audio_buffer.clear' }
  | {
      readonly type: 'conversation.item.create';
      /** A user's text (typed, or a voice turn's transcript in a replay), or an assistant's turn in a replay. */
      readonly item:
        | { readonly type: 'message'; readonly role: 'user'; readonly content: readonly [{ readonly type: 'input_text'; readonly text: string }] }
        | { readonly type: 'message'; readonly role: 'assistant'; readonly content: readonly [{ readonly type: 'output_text'; readonly text: string }] };
    }
  | { readonly type: 'conversation.item.truncate'; readonly item_id: string; readonly content_index: number; readonly audio_end_ms: number }
  | { readonly type: 'conversation.item.delete'; readonly item_id: string }
  | { readonly type: 'response.create' }
  | { readonly type: 'response.cancel' };
