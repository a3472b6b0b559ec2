/**
 * The upstream → client direction of a session: what each typed upstream event means for the client (protocol v1
 * events), for the responses (`ResponseRelay`) and for the session config. Handshake events and errors never get
 * here (`UpstreamLink` sorts them); the end of a response goes back to the session, which decides what follows it.
 */
import type { Logger } from '../logger/index.js';
import type { UpstreamEvent } from '../upstream/events.js';
import type { SessionUsage } from '../usage/meter.js';
import type { ClientChannel } from './client-channel.js';
import type { ConversationHistory } from './conversation-history.js';
import type { ResponseError, ResponseRelay } from './response-relay.js';
import type { SessionConfig } from './session-config.js';

export interface RouterParts {
  readonly client: ClientChannel;
  readonly responses: ResponseRelay;
  readonly config: SessionConfig;
  /** The conversation as words, for a new upstream session (renewal, recovery). */
  readonly history: ConversationHistory;
  readonly log: Logger;
  readonly usage: SessionUsage;
  /** A response ended upstream; `failed` is the error the client is owed when it did not complete. */
  responseDone(failed: ResponseError | undefined): void;
}

/** Acts on one upstream event. */
export function routeUpstreamEvent(event: UpstreamEvent, parts: RouterParts): void {
  const { client, responses } = parts;
  switch (event.type) {
    case 'response.output_audio.delta':
      responses.onAudioDelta(event);
      return;
    case 'session.updated':
      // The answer to a client `config` (or to an update that waited for a response to end).
      parts.config.takeEffect(event.session);
      client.send(parts.config.answer());
      return;
    case 'input_audio_buffer.speech_started':
      parts.history.speechStarted();
      responses.interrupt('speech');
      client.send({ type: 'event', name: 'AISpeechDetected', audioStartMs: event.audio_start_ms });
      return;
    case 'input_audio_buffer.speech_stopped':
      parts.history.speechStopped();
      responses.markTurnEnded();
      if (parts.config.upstreamCreatesResponse) responses.expectResponse();
      client.send({ type: 'event', name: 'AISpeechEnded', audioEndMs: event.audio_end_ms });
      return;
    case 'conversation.item.input_audio_transcription.delta':
      client.send({ type: 'transcriptDelta', itemId: event.item_id, text: event.delta });
      return;
    case 'input_audio_buffer.committed':
      parts.history.voiceTurn(event.item_id);
      return;
    case 'conversation.item.input_audio_transcription.completed':
      parts.usage.transcription(event.usage);
      parts.history.transcript(event.item_id, event.transcript);
      client.send({ type: 'event', name: 'UserTranscript', itemId: event.item_id, text: event.transcript });
      return;
    case 'conversation.item.input_audio_transcription.failed':
      if (event.item_id !== undefined) parts.history.transcript(event.item_id, null);
      client.sendError('upstream_error', `Transcription failed: ${event.error.message ?? 'no reason given'}`, event.error.code ?? 'transcription_failed');
      return;
    case 'response.created':
      responses.onCreated(event.response.id);
      return;
    case 'response.output_item.added':
      responses.onOutputItem(event.response_id, event.item.id);
      return;
    case 'response.output_audio_transcript.delta':
    case 'response.output_text.delta':
      responses.onTextDelta(event.response_id, event.delta);
      return;
    case 'response.done':
      // Counted before anything else: every response the upstream ends was paid for, tracked by the relay or not.
      parts.responseDone(responses.onDone(event.response, parts.usage.response(event.response.usage)));
      return;
    case 'unread':
      parts.log.trace({ type: event.name }, 'upstream event not relayed');
      return;
    case 'session.created':
    case 'error':
      // The link's: the handshake, and errors sorted before they reach the session.
      return;
  }
}
