import type { UsageView } from '../ws/server-events.js';

/** What a session tells its recorder. Calls never throw and never wait: recording must not slow live audio. */
export interface ResponseSummary {
  readonly status: string;
  readonly finalText: string;
  readonly interrupted: boolean;
  /** Where the user stopped hearing it (ms of response audio), when interrupted. */
  readonly interruptedAtMs?: number;
  /** The response's usage as the AI service reported it, with its estimated cost. */
  readonly usage?: UsageView;
}

export interface SessionRecorder {
  /** Audio as sent upstream (after conversion), for `SAVE_AUDIO=both`. */
  inputAudio(upstreamBytes: Buffer): void;
  responseStarted(responseId: string): void;
  /** Response audio exactly as the upstream sent it. */
  responseAudio(responseId: string, upstreamBytes: Buffer): void;
  responseEnded(responseId: string, summary: ResponseSummary): void;
  /** Finishes and closes every file; resolves when they are on disk. Idempotent. */
  close(): Promise<void>;
}
