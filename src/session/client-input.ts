/**
 * The client → upstream direction of a session: what the client sends, checked (the control-message rate limit,
 * whole PCM16 samples, locked config keys), converted to the upstream format, and turned into work for the
 * upstream, which the session does at once or holds until the upstream is ready (`PendingInput`, `input-delivery.ts`).
 * Messages that concern only the proxy (`ping`, `playback`) are answered here at once, whatever the upstream's state.
 */
import { createInboundConverter, type AudioConverter } from '../audio/converter.js';
import type { UpstreamFormats } from '../audio/upstream-formats.js';
import type { ClientConfigKey } from '../config/constants.js';
import type { Logger } from '../logger/index.js';
import type { Metrics } from '../metrics/index.js';
import type { SessionRecorder } from '../recorder/types.js';
import type { ClientMessage, ParsedClientMessage } from '../ws/client-messages.js';
import type { ClientInput } from '../ws/client-transport.js';
import type { ClientFormats } from '../ws/query.js';
import type { ClientChannel } from './client-channel.js';
import type { ConversationHistory } from './conversation-history.js';
import type { PendingInput } from './preopen-queue.js';
import { ControlRateLimiter } from './rate-limiter.js';
import type { ResponseRelay } from './response-relay.js';
import type { SessionConfig } from './session-config.js';
import type { UpstreamLink } from './upstream-link.js';
import { sessionEnd, type SessionEnd } from './upstream-outcomes.js';

/** What the client side needs of the rest of its session. */
export interface InputParts {
  readonly formats: ClientFormats;
  readonly upstreamFormats: UpstreamFormats;
  readonly clientConfigKeys: readonly ClientConfigKey[];
  readonly controlMessagesPerSecond: number;
  readonly client: ClientChannel;
  readonly responses: ResponseRelay;
  readonly config: SessionConfig;
  readonly history: ConversationHistory;
  readonly recorder: SessionRecorder | undefined;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** The client sent something (the idle timer's activity). */
  touched(): void;
  /** Whether the client still reads (its backpressure); ends the session when it stopped. */
  checkStall(): void;
  /** Client audio for the upstream (its upstream form, from `clientBytes` of client audio): sent now, or held. */
  deliverAudio(audio: Buffer, clientBytes: number): void;
  /** Work for the upstream: done now (`perform`), or held until it is ready. */
  deliver(work: Exclude<PendingInput, { kind: 'audio' }>): void;
  /** The current upstream connection (`perform` runs only while it is ready). */
  link(): UpstreamLink;
  /** A `config` now needs a session.update of its own (the upstream has been sent one already, or is being replaced). */
  updatesStarted(): boolean;
  /** Ends the session for a client fault. */
  end(end: SessionEnd): void;
  /** The client's connection ended with `code`. */
  clientClosed(code: number): void;
}

export class ClientInputHandler implements ClientInput {
  private readonly inbound: AudioConverter;
  private readonly controlRate: ControlRateLimiter;
  /** The per-frame counter child, bound once (resolving labels on every frame costs a hash lookup). */
  private readonly bytesIn;

  constructor(private readonly parts: InputParts) {
    this.inbound = createInboundConverter(parts.formats.input, parts.upstreamFormats.input);
    this.controlRate = new ControlRateLimiter(parts.controlMessagesPerSecond);
    this.bytesIn = parts.metrics.audioBytes.labels({ direction: 'in' });
  }

  audio(frame: Buffer): void {
    this.parts.touched();
    const { formats, client } = this.parts;
    if (formats.input.encoding === 'pcm16' && frame.length % 2 !== 0) {
      client.sendError('invalid_audio_frame', `PCM16 frames need an even number of bytes; got ${frame.length}.`);
      return;
    }
    this.bytesIn.inc(frame.length);
    this.parts.deliverAudio(this.inbound.push(frame), frame.length);
  }

  control(parsed: ParsedClientMessage): void {
    this.parts.touched();
    // Audio sent as JSON is audio, not control; everything else (garbage included) counts against the limit.
    if (!(parsed.ok && parsed.message.type === 'audio') && !this.allowControlMessage()) return;
    if (!parsed.ok) {
      this.parts.client.sendError(parsed.code, parsed.message);
      return;
    }
    this.onMessage(parsed.message);
  }

  played(responseId: string, playedMs: number): void {
    this.parts.responses.reportPlayback(responseId, playedMs);
  }

  /** A client pinging may be one that no longer reads (a flood of pings whose pongs pile up): check at once. */
  ping(): void {
    this.parts.checkStall();
  }

  error(message: string): void {
    this.parts.log.debug({ err: message }, 'client socket error');
  }

  closed(code: number): void {
    this.parts.clientClosed(code);
  }

  /** Does held or delivered work on the upstream, which is ready. */
  perform(work: PendingInput): void {
    const { responses } = this.parts;
    const link = this.parts.link();
    if (work.kind === 'audio') {
      if (link.appendAudio(work.data)) this.parts.recorder?.inputAudio(work.data);
      return;
    }
    if (work.kind === 'session_update') {
      link.sendUpdate({ responding: responses.isResponding, audioProduced: responses.audioProduced });
      return;
    }
    const message = work.message;
    switch (message.type) {
      case 'commit':
        link.send({ type: 'input_audio_buffer.commit' });
        responses.markTurnEnded();
        responses.request();
        return;
      case 'clear':
        link.send({ type: 'input_audio_buffer.clear' });
        return;
      case 'cancel':
        responses.interrupt('cancel', message.playedMs);
        return;
      case 'text':
        link.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: message.text }] } });
        this.parts.history.typed(message.text);
        responses.markTurnEnded();
        responses.request();
        return;
      default:
        return;
    }
  }

  /** CONTROL_RATE_LIMIT: false when the message must be dropped (the session may have been closed). */
  private allowControlMessage(): boolean {
    const decision = this.controlRate.take();
    if (decision === 'ok') return true;
    if (decision === 'limited') this.parts.client.sendError('rate_limited');
    else if (decision === 'exceeded') this.parts.end(sessionEnd('rate_limit_exceeded'));
    return false;
  }

  private onMessage(message: ClientMessage): void {
    switch (message.type) {
      case 'ping':
        this.parts.client.send(message.id === undefined ? { type: 'pong' } : { type: 'pong', id: message.id });
        return;
      case 'playback':
        this.parts.responses.reportPlayback(message.responseId, message.playedMs);
        return;
      case 'audio':
        this.audio(message.audio);
        return;
      case 'config':
        this.onConfig(message);
        return;
      default:
        this.parts.deliver({ kind: 'message', message });
    }
  }

  private onConfig(message: Extract<ClientMessage, { type: 'config' }>): void {
    const locked = message.keys.filter((key) => !this.parts.clientConfigKeys.includes(key));
    if (locked.length > 0) {
      this.parts.end(sessionEnd('config_key_locked', `The server does not let clients set: ${locked.join(', ')}.`));
      return;
    }
    this.parts.config.apply(message.patch);
    // Before the first session.update the patch simply rides along with it.
    if (this.parts.updatesStarted()) this.parts.deliver({ kind: 'session_update' });
  }
}

/** `input` with each call run through `guarded` (the session's guard), except `error`, which only logs. */
export function guardedInput(input: ClientInput, guarded: (work: () => void) => void): ClientInput {
  return {
    audio: (frame) => guarded(() => input.audio(frame)),
    control: (message) => guarded(() => input.control(message)),
    played: (responseId, playedMs) => guarded(() => input.played(responseId, playedMs)),
    ping: () => guarded(() => input.ping()),
    error: (message) => input.error(message),
    closed: (code) => guarded(() => input.closed(code)),
  };
}
