/**
 * Client input on its way upstream: done at once while the upstream is ready (`live`, `draining`), held in the
 * state's `PreopenQueue` while it opens (`connecting`) or is replaced (`switching`), and done in order once it is
 * ready. What does not fit the queue is dropped, counted, and the client told once. The state is the bridge's:
 * this module reads it and never changes it.
 */
import { durationMs, type AudioFormat } from '../audio/formats.js';
import type { Metrics } from '../metrics/index.js';
import type { SessionRecorder } from '../recorder/types.js';
import type { ClientChannel } from './client-channel.js';
import { PREOPEN_MAX_MESSAGES, type PendingInput, type PreopenQueue } from './preopen-queue.js';
import type { SessionState } from './session-state.js';

/** What delivery needs of its session. */
export interface DeliveryParts {
  /** The session's state now. */
  state(): SessionState;
  /** Does work on the upstream, which is ready (`ClientInputHandler.perform`). */
  perform(work: PendingInput): void;
  /** The client's input format: what the held audio's limit counts in. */
  readonly clientInput: AudioFormat;
  /** The most client audio held while the upstream is not ready, ms. */
  readonly preopenBufferMs: number;
  readonly client: ClientChannel;
  readonly recorder: SessionRecorder | undefined;
  readonly metrics: Metrics;
}

export class InputDelivery {
  constructor(private readonly parts: DeliveryParts) {}

  /**
   * Client audio for the upstream (its upstream form, from `clientBytes` of client audio): sent while the upstream is
   * ready, held while it opens (the excess dropped and told once).
   */
  audio(audio: Buffer, clientBytes: number): void {
    const { parts } = this;
    const state = parts.state();
    if (state.phase === 'live' || state.phase === 'draining') {
      if (state.link.appendAudio(audio)) parts.recorder?.inputAudio(audio);
      return;
    }
    if (state.phase !== 'connecting' && state.phase !== 'switching') return;
    if (state.held.holdAudio(audio, durationMs(clientBytes, parts.clientInput))) return;
    parts.metrics.audioDroppedBytes.inc({ reason: 'preopen_overflow' }, clientBytes);
    if (state.held.firstOverflow('audio')) {
      parts.client.sendError(
        'audio_buffer_overflow',
        `More than ${parts.preopenBufferMs} ms of audio arrived before the session was ready; the excess was dropped.`,
      );
    }
  }

  /** Work for the upstream: done while it is ready, held while it opens (messages past the limit dropped, told once). */
  work(work: Exclude<PendingInput, { kind: 'audio' }>): void {
    const state = this.parts.state();
    if (state.phase === 'live' || state.phase === 'draining') {
      this.parts.perform(work);
      return;
    }
    if (state.phase !== 'connecting' && state.phase !== 'switching') return;
    if (work.kind === 'session_update') {
      state.held.holdSessionUpdate();
      return;
    }
    if (state.held.holdMessage(work.message) || !state.held.firstOverflow('messages')) return;
    this.parts.client.sendError(
      'message_buffer_overflow',
      `More than ${PREOPEN_MAX_MESSAGES} control messages arrived before the session was ready; the excess was dropped.`,
    );
  }

  /** What the client sent while the upstream was not ready goes upstream now, in order (stopping if the session closes). */
  performHeld(held: PreopenQueue): void {
    for (const work of held.takeAll()) {
      if (this.parts.state().phase === 'closed') return;
      this.parts.perform(work);
    }
  }
}
