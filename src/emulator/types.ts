/** The GA session object as the emulator keeps and sends it (`session.created` / `session.updated`). */

import type { UpstreamAudioFormat } from '../audio/upstream-formats.js';

/** The session's audio formats: the realtime API's own (shared with the proxy's upstream side and the recorder). */
export type AudioFormat = UpstreamAudioFormat;

export interface ServerVad {
  type: 'server_vad';
  threshold: number;
  prefix_padding_ms: number;
  silence_duration_ms: number;
  create_response: boolean;
  interrupt_response: boolean;
  idle_timeout_ms: number | null;
}

export type Eagerness = 'low' | 'medium' | 'high' | 'auto';

export interface SemanticVad {
  type: 'semantic_vad';
  eagerness: Eagerness;
  create_response: boolean;
  interrupt_response: boolean;
}

export type TurnDetection = ServerVad | SemanticVad | null;

export interface Transcription {
  model: string;
  language?: string;
  prompt?: string;
}

export type OutputModality = 'audio' | 'text';

export interface SessionConfig {
  type: 'realtime';
  object: 'realtime.session';
  id: string;
  model: string;
  output_modalities: OutputModality[];
  instructions: string;
  tools: unknown[];
  tool_choice: unknown;
  max_output_tokens: number | 'inf';
  tracing: unknown;
  truncation: unknown;
  prompt: unknown;
  expires_at: number;
  audio: {
    input: {
      format: AudioFormat;
      transcription: Transcription | null;
      noise_reduction: { type: 'near_field' | 'far_field' } | null;
      turn_detection: TurnDetection;
    };
    output: { format: AudioFormat; voice: string; speed: number };
  };
  include: string[] | null;
}

/** The body of an `error` event, minus the client `event_id` the session adds. */
export interface ApiError {
  type?: 'invalid_request_error' | 'server_error';
  code: string;
  message: string;
  param: string | null;
}
