/**
 * One client connection bridged to its own upstream realtime session: client audio in (converted to the
 * upstream format), upstream events out (translated to protocol v1), barge-in, and one idempotent close path.
 */
import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import type { SessionDefaults, UpstreamConfig } from '../config/index.js';
import type { ClientConfigKey } from '../config/constants.js';
import { bytesPerMs, durationMs } from '../audio/formats.js';
import { createInboundConverter, type AudioConverter } from '../audio/converter.js';
import { chooseUpstreamFormat, upstreamBytesPerMs, type UpstreamAudioFormat, type UpstreamFormats } from '../audio/upstream-formats.js';
import { CloseCode, endingFor, ERRORS, type ErrorCode, type SessionOutcome } from '../errors/index.js';
import type { Logger } from '../logger/index.js';
import type { Metrics } from '../metrics/index.js';
import type { SessionRecorder } from '../recorder/types.js';
import { UpstreamConnection, type UpstreamFailure } from '../upstream/connection.js';
import type { EffectiveSession, ResponseBody, UpstreamErrorBody, UpstreamEvent } from '../upstream/events.js';
import { toClientSessionView, upstreamCreatesResponse, upstreamInterruptsOnSpeech } from './session-view.js';
import type { ClientFormats } from '../ws/query.js';
import { parseClientMessage, type ClientMessage } from '../ws/client-messages.js';
import { ClientChannel } from './client-channel.js';
import { PreopenQueue } from './preopen-queue.js';
import { endForClose, endForFailure, errorEventOutcome } from './upstream-outcomes.js';
import { BurstCounter, ControlRateLimiter } from './rate-limiter.js';
import { SessionTimers } from './session-timers.js';
import { SessionUpdates } from './session-updates.js';
import { ResponseRelay, type ResponseError } from './response-relay.js';

export interface BridgeSettings {
  readonly upstream: UpstreamConfig;
  readonly sessionDefaults: SessionDefaults;
  readonly preopenBufferMs: number;
  readonly upstreamConnectTimeoutMs: number;
  readonly clientConfigKeys: readonly ClientConfigKey[];
  /** Unread response audio (ms) allowed in the client socket before audio is dropped. */
  readonly clientHighWaterMs: number;
  readonly maxSessionMs: number;
  /** No client audio or message for this long ends the session. */
  readonly idleTimeoutMs: number;
  /** Control (text) messages per second, sustained. */
  readonly controlMessagesPerSecond: number;
  /** Upstream ping interval; a ping unanswered by the next one ends the session. */
  readonly heartbeatIntervalMs: number;
}

export interface BridgeDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Creates this session's recorder (absent when recording is off). */
  readonly createRecorder?: (sessionId: string, formats: { input: UpstreamAudioFormat; output: UpstreamAudioFormat }) => SessionRecorder;
  /** Called once, after the session has fully closed. */
  readonly onClosed?: (bridge: SessionBridge) => void;
}

type Phase = 'connecting' | 'ready' | 'closed';

/** A session that ends without an error event. */
export type QuietEnd = Extract<SessionOutcome, 'normal' | 'client_dropped' | 'client_error' | 'shutdown'>;

/** An error that ends the session: told to the client as fatal; close code and outcome from the error table unless given. */
export interface EndingError {
  readonly code: ErrorCode;
  readonly message?: string;
  readonly upstreamCode?: string;
  readonly closeCode?: number;
}

/** More upstream error events or malformed frames than this within a second is a storm: the session ends. */
const UPSTREAM_FAULT_LIMIT = 20;

export class SessionBridge {
  readonly id = randomUUID();
  /** Monotonic clock (ms) for every latency the bridge measures: sub-millisecond, immune to clock steps. */
  readonly startedAt = performance.now();
  private phase: Phase = 'connecting';
  private readonly log: Logger;
  private readonly upstream: UpstreamConnection;
  private readonly upstreamFormats: UpstreamFormats;
  private readonly inbound: AudioConverter;
  private readonly updates: SessionUpdates;
  private effectiveSession: EffectiveSession | undefined;
  private configsAwaitingAnswer = 0;
  private readonly pending: PreopenQueue;
  private overflowReported = false;
  private readonly out: ClientChannel;
  /** The per-frame counter child, bound once (resolving labels on every frame costs a hash lookup). */
  private readonly bytesIn;
  private readonly responses: ResponseRelay;
  private deferredResponseCreate = false;
  private draining = false;
  private readonly timers: SessionTimers;
  private readonly controlRate: ControlRateLimiter;
  private readonly upstreamFaults = new BurstCounter(UPSTREAM_FAULT_LIMIT, 1000);
  private upstreamPongPending = false;
  private upstreamSlowLogged = false;
  /** The same bound as toward the client, in base64 upstream bytes: a stuck upstream must not grow our memory. */
  private readonly upstreamHighWaterBytes: number;
  private readonly recorder: SessionRecorder | undefined;
  private recorderClosed: Promise<void> = Promise.resolve();
  /** The close code the client's side ended the connection with, when it did. */
  private clientCloseCode: number | undefined;

  constructor(
    client: WebSocket,
    readonly formats: ClientFormats,
    private readonly settings: BridgeSettings,
    private readonly deps: BridgeDeps,
  ) {
    this.log = deps.logger.child({ sessionId: this.id });
    this.upstreamFormats = chooseUpstreamFormat(formats.input, formats.output);
    this.inbound = createInboundConverter(formats.input, this.upstreamFormats.input);
    this.updates = new SessionUpdates(settings.sessionDefaults, this.upstreamFormats);
    this.recorder = deps.createRecorder?.(this.id, this.upstreamFormats);
    this.pending = new PreopenQueue(settings.preopenBufferMs);
    this.upstreamHighWaterBytes = Math.max(64 * 1024, settings.clientHighWaterMs * upstreamBytesPerMs(this.upstreamFormats.input) * 2);
    this.bytesIn = deps.metrics.audioBytes.labels({ direction: 'in' });
    this.out = new ClientChannel(client, deps.metrics, settings.clientHighWaterMs * bytesPerMs(formats.output), settings.clientHighWaterMs);
    this.responses = new ResponseRelay({
      out: this.out,
      sendUpstream: (event) => this.upstream.send(event),
      metrics: deps.metrics,
      log: this.log,
      recorder: this.recorder,
      upstreamOutput: this.upstreamFormats.output,
      clientOutput: formats.output,
      upstreamInterruptsOnSpeech: () => upstreamInterruptsOnSpeech(this.effectiveSession),
    });
    deps.metrics.sessionsActive.inc();
    this.log.info({ input: formats.input, output: formats.output, audioPath: this.audioPath }, 'session opened');

    this.controlRate = new ControlRateLimiter(settings.controlMessagesPerSecond);
    this.timers = new SessionTimers(
      {
        // Twice the socket handshake's own timeout, so that one names a hung handshake first.
        connectTimeoutMs: settings.upstreamConnectTimeoutMs * 2,
        maxSessionMs: settings.maxSessionMs,
        idleTimeoutMs: settings.idleTimeoutMs,
        heartbeatIntervalMs: settings.heartbeatIntervalMs,
        stallCheckMs: Math.min(1000, settings.clientHighWaterMs / 2),
      },
      {
        // The socket handshake has its own timeout; this one also covers an upstream that accepts and then never
        // sends session.created / session.updated.
        onConnectTimeout: () =>
          this.guarded(() => {
            if (this.phase === 'connecting') {
              this.close({ code: 'upstream_unavailable', message: 'The upstream did not open the session in time.' });
            }
          }),
        onExpiryWarning: (graceMs) => this.guarded(() => this.out.send({ type: 'event', name: 'ServerShuttingDown', graceMs, reason: 'max_session' })),
        onExpired: () =>
          this.guarded(() =>
            this.close({ code: 'session_expired', message: `The session reached its maximum duration (${settings.maxSessionMs / 1000} s).` }),
          ),
        onIdle: () =>
          this.guarded(() => this.close({ code: 'idle_timeout', message: `No audio or message arrived for ${settings.idleTimeoutMs / 1000} s.` })),
        onHeartbeat: () => this.guarded(() => this.upstreamHeartbeat()),
        onStallCheck: () => this.guarded(() => this.checkClientStall()),
      },
    );

    client.on('message', (data: Buffer, isBinary) => this.guarded(() => this.onClientFrame(data, isBinary)));
    client.on('ping', () => this.guarded(() => this.checkClientStall()));
    client.on('close', (code) => this.guarded(() => this.onClientClosed(code)));
    client.on('error', (error) => this.log.debug({ err: error.message }, 'client socket error'));

    this.upstream = new UpstreamConnection(settings.upstream, settings.upstreamConnectTimeoutMs, {
      onOpen: () => this.log.debug('upstream socket open'),
      onEvent: (event) => this.guarded(() => this.onUpstreamEvent(event)),
      onMalformed: (reason) => this.guarded(() => this.onUpstreamMalformed(reason)),
      onFailure: (failure) => this.guarded(() => this.onUpstreamFailure(failure)),
      onClose: (code, reason) => this.guarded(() => this.onUpstreamClose(code, reason)),
    });
    this.upstream.onPong(() => {
      this.upstreamPongPending = false;
    });
  }

  /** `passthrough` when no conversion happens in either direction. */
  get audioPath(): 'passthrough' | 'transcode' {
    return this.upstreamFormats.passThrough ? 'passthrough' : 'transcode';
  }

  get isClosed(): boolean {
    return this.phase === 'closed';
  }

  /** Resolves once the session is closed and its recordings are complete on disk. */
  async finished(): Promise<void> {
    await this.recorderClosed;
  }

  /** Starts draining: tells the client, lets an in-flight response finish (the caller enforces the grace). */
  drain(graceMs: number): void {
    if (this.phase === 'closed' || this.draining) return;
    this.draining = true;
    this.out.send({ type: 'event', name: 'ServerShuttingDown', graceMs });
    if (!this.responses.isActiveUpstream) this.close('shutdown');
  }

  /**
   * Ends the session (idempotent): quietly with an outcome, or with an error the client is told first (fatal, whatever
   * the table says about the code elsewhere), whose close code and outcome come from the error table unless given.
   */
  close(why: QuietEnd | EndingError): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.timers.stop();
    let outcome: SessionOutcome;
    let closeCode: number;
    let reason = '';
    if (typeof why === 'string') {
      outcome = why;
      closeCode = why === 'shutdown' ? CloseCode.goingAway : CloseCode.normal;
      if (why === 'shutdown') reason = 'server shutting down';
    } else {
      const ending = endingFor(why.code);
      outcome = ending.outcome;
      closeCode = why.closeCode ?? ending.close;
      reason = why.code;
      this.out.sendError(why.code, why.message, why.upstreamCode, true);
    }
    this.out.close(closeCode, reason);
    this.upstream.close();
    this.pending.takeAll();
    this.responses.abandon();
    this.recorderClosed = this.recorder?.close() ?? Promise.resolve();
    this.deps.metrics.sessionsActive.dec();
    this.deps.metrics.sessionsTotal.inc({ outcome });
    // When the client ended it, what it sent (or 1006: it dropped the connection), not what we would have sent.
    const loggedCode = this.clientCloseCode ?? closeCode;
    this.log.info({ outcome, closeCode: loggedCode, durationMs: Math.round(performance.now() - this.startedAt) }, 'session closed');
    this.deps.onClosed?.(this);
  }

  /**
   * Every socket handler and timer of the session runs here: a bug that throws ends this session with
   * `internal_error` (1011) instead of escaping into the socket's event emitter or the timer, where it would take
   * the whole process and every session down.
   */
  private guarded(work: () => void): void {
    try {
      work();
    } catch (error) {
      this.log.error({ err: error instanceof Error ? (error.stack ?? error.message) : String(error) }, 'session handler failed');
      this.close({ code: 'internal_error' });
    }
  }

  // ---- client → proxy ----

  /** The client's side ended the connection: with a close frame (its code), or by dropping it (1006). */
  private onClientClosed(code: number): void {
    if (this.phase === 'closed') return;
    this.clientCloseCode = code;
    this.close(code === CloseCode.tooBig ? 'client_error' : code === CloseCode.abnormal ? 'client_dropped' : 'normal');
  }

  private onClientFrame(data: Buffer, isBinary: boolean): void {
    if (this.phase === 'closed') return;
    this.timers.touch();
    if (isBinary) {
      this.onClientAudio(data);
      return;
    }
    const parsed = parseClientMessage(data.toString('utf8'));
    // Audio sent as JSON is audio, not control; everything else (garbage included) counts against the limit.
    if (!(parsed.ok && parsed.message.type === 'audio') && !this.allowControlMessage()) return;
    if (!parsed.ok) {
      this.sendError(parsed.code, parsed.message);
      return;
    }
    this.onClientMessage(parsed.message);
  }

  /** CONTROL_RATE_LIMIT: false when the message must be dropped (the session may have been closed). */
  private allowControlMessage(): boolean {
    const decision = this.controlRate.take();
    if (decision === 'ok') return true;
    if (decision === 'limited') this.sendError('rate_limited');
    else if (decision === 'exceeded') this.close({ code: 'rate_limit_exceeded' });
    return false;
  }

  private onClientAudio(frame: Buffer): void {
    if (this.formats.input.encoding === 'pcm16' && frame.length % 2 !== 0) {
      this.sendError('invalid_audio_frame', `PCM16 frames need an even number of bytes; got ${frame.length}.`);
      return;
    }
    this.bytesIn.inc(frame.length);
    const upstreamAudio = this.inbound.push(frame);
    if (this.phase === 'ready') {
      this.sendAudioUpstream(upstreamAudio);
      return;
    }
    if (this.pending.holdAudio(upstreamAudio, durationMs(frame.length, this.formats.input))) return;
    this.deps.metrics.audioDroppedBytes.inc({ reason: 'preopen_overflow' }, frame.length);
    if (!this.overflowReported) {
      this.overflowReported = true;
      this.sendError(
        'audio_buffer_overflow',
        `More than ${this.settings.preopenBufferMs} ms of audio arrived before the session was ready; the excess was dropped.`,
      );
    }
  }

  private onClientMessage(message: ClientMessage): void {
    switch (message.type) {
      case 'ping':
        this.out.send(message.id === undefined ? { type: 'pong' } : { type: 'pong', id: message.id });
        return;
      case 'playback':
        this.responses.reportPlayback(message.responseId, message.playedMs);
        return;
      case 'audio':
        this.onClientAudio(message.audio);
        return;
      case 'config':
        this.onClientConfig(message);
        return;
      default:
        break;
    }
    if (this.phase !== 'ready') {
      this.pending.holdMessage(message);
      return;
    }
    switch (message.type) {
      case 'commit':
        this.upstream.send({ type: 'input_audio_buffer.commit' });
        this.responses.markTurnEnded();
        this.requestResponse();
        return;
      case 'clear':
        this.upstream.send({ type: 'input_audio_buffer.clear' });
        return;
      case 'cancel':
        this.responses.interrupt('cancel', message.playedMs);
        return;
      case 'text':
        this.upstream.send({
          type: 'conversation.item.create',
          item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: message.text }] },
        });
        this.responses.markTurnEnded();
        this.requestResponse();
        return;
    }
  }

  private onClientConfig(message: Extract<ClientMessage, { type: 'config' }>): void {
    const locked = message.keys.filter((key) => !this.settings.clientConfigKeys.includes(key));
    if (locked.length > 0) {
      this.close({ code: 'config_key_locked', message: `The server does not let clients set: ${locked.join(', ')}.` });
      return;
    }
    this.updates.apply(message.patch);
    this.configsAwaitingAnswer += 1;
    // Before the first session.update the patch simply rides along with it.
    if (this.updates.started && this.phase === 'ready') this.sendSessionUpdate();
    else if (this.updates.started) this.pending.holdSessionUpdate();
  }

  /** `response.create`, or later if a response is still running (the upstream would refuse a second one). */
  private requestResponse(): void {
    if (this.responses.isResponding) {
      this.deferredResponseCreate = true;
      return;
    }
    this.upstream.send({ type: 'response.create' });
    this.responses.expectResponse();
  }

  private sendAudioUpstream(audio: Buffer): void {
    if (audio.length === 0) return;
    if (this.upstream.bufferedAmount > this.upstreamHighWaterBytes) {
      this.deps.metrics.audioDroppedBytes.inc({ reason: 'upstream_slow' }, audio.length);
      if (!this.upstreamSlowLogged) {
        this.upstreamSlowLogged = true;
        this.log.warn({ bufferedBytes: this.upstream.bufferedAmount }, 'upstream not keeping up; dropping client audio');
      }
      return;
    }
    this.upstream.appendAudio(audio);
    this.recorder?.inputAudio(audio);
  }

  /** The next session.update (see `SessionUpdates`); `onlyIfChanged` for what waited for a response to end. */
  private sendSessionUpdate(onlyIfChanged = false): void {
    const moment = { responding: this.responses.isResponding, audioProduced: this.responses.audioProduced };
    const event = this.updates.next(moment, onlyIfChanged);
    if (event !== undefined) this.upstream.send(event);
  }

  // ---- upstream → proxy ----

  private onUpstreamEvent(event: UpstreamEvent): void {
    if (this.phase === 'closed') return;
    switch (event.type) {
      case 'response.output_audio.delta':
        this.responses.onAudioDelta(event);
        return;
      case 'session.created':
        if (!this.updates.started) this.sendSessionUpdate();
        return;
      case 'session.updated':
        this.onSessionUpdated(event.session);
        return;
      case 'input_audio_buffer.speech_started':
        this.responses.interrupt('speech');
        this.out.send({ type: 'event', name: 'AISpeechDetected', audioStartMs: event.audio_start_ms });
        return;
      case 'input_audio_buffer.speech_stopped':
        this.responses.markTurnEnded();
        if (upstreamCreatesResponse(this.effectiveSession)) this.responses.expectResponse();
        this.out.send({ type: 'event', name: 'AISpeechEnded', audioEndMs: event.audio_end_ms });
        return;
      case 'conversation.item.input_audio_transcription.delta':
        this.out.send({ type: 'transcriptDelta', itemId: event.item_id, text: event.delta });
        return;
      case 'conversation.item.input_audio_transcription.completed':
        this.out.send({ type: 'event', name: 'UserTranscript', itemId: event.item_id, text: event.transcript });
        return;
      case 'conversation.item.input_audio_transcription.failed':
        this.sendError('upstream_error', `Transcription failed: ${event.error.message ?? 'no reason given'}`, event.error.code ?? 'transcription_failed');
        return;
      case 'response.created':
        this.responses.onCreated(event.response.id);
        return;
      case 'response.output_item.added':
        this.responses.onOutputItem(event.response_id, event.item.id);
        return;
      case 'response.output_audio_transcript.delta':
      case 'response.output_text.delta':
        this.responses.onTextDelta(event.response_id, event.delta);
        return;
      case 'response.done':
        this.onResponseDone(event.response);
        return;
      case 'error':
        this.onUpstreamError(event.error);
        return;
      case 'unread':
        this.log.trace({ type: event.name }, 'upstream event not relayed');
    }
  }

  private onSessionUpdated(session: EffectiveSession): void {
    this.effectiveSession = session;
    if (this.phase === 'connecting') {
      this.phase = 'ready';
      this.deps.metrics.upstreamConnectSeconds.observe((performance.now() - this.startedAt) / 1000);
      this.out.send({
        type: 'event',
        name: 'AIConnected',
        sessionId: this.id,
        input: { format: this.formats.input.encoding, rate: this.formats.input.rate },
        output: { format: this.formats.output.encoding, rate: this.formats.output.rate },
        audioPath: this.audioPath,
      });
      // A config that arrived after the first session.update is still queued: answer it once it has taken effect.
      if (this.configsAwaitingAnswer > 0 && !this.pending.hasSessionUpdate) this.answerConfig();
      this.flushPending();
      return;
    }
    this.answerConfig();
  }

  private answerConfig(): void {
    this.configsAwaitingAnswer = 0;
    const includeInstructions = this.settings.clientConfigKeys.includes('instructions');
    this.out.send({ type: 'event', name: 'SessionUpdated', session: toClientSessionView(this.effectiveSession, includeInstructions) });
  }

  private flushPending(): void {
    for (const item of this.pending.takeAll()) {
      if (this.phase !== 'ready') return;
      if (item.kind === 'audio') this.sendAudioUpstream(item.data);
      else if (item.kind === 'session_update') this.sendSessionUpdate();
      else this.onClientMessage(item.message);
    }
  }

  private onResponseDone(done: ResponseBody): void {
    const failed = this.responses.onDone(done);
    if (failed !== undefined) this.reportUpstreamError(failed);
    if (this.phase === 'closed') return;
    if (this.draining) {
      this.close('shutdown');
      return;
    }
    // What had to wait for the response to end (a speed or voice change) goes now, before the next response.
    this.sendSessionUpdate(true);
    if (this.deferredResponseCreate) {
      this.deferredResponseCreate = false;
      this.requestResponse();
    }
  }

  /** An upstream failure: the session goes on unless `ends` (by default: the code is fatal in the table, a refused key). */
  private reportUpstreamError(error: ResponseError & { readonly message?: string }, ends = ERRORS[error.code].fatal): void {
    if (ends) this.close(error);
    else this.sendError(error.code, error.message, error.upstreamCode);
  }

  private onUpstreamError(error: UpstreamErrorBody): void {
    const outcome = errorEventOutcome(error, this.phase === 'connecting');
    const { code, type, message } = outcome.upstream;
    if (outcome.quiet) {
      this.log.debug({ upstreamCode: code }, 'harmless upstream error');
      return;
    }
    this.log.warn({ upstreamCode: code, upstreamType: type, upstreamMessage: message }, 'upstream error event');
    if (this.upstreamFaults.add()) {
      this.close({ code: 'upstream_error', message: 'The upstream sent a storm of errors; the session was ended.', upstreamCode: code });
      return;
    }
    this.reportUpstreamError(outcome.error, outcome.ends);
  }

  /** Malformed frames are ignored (the client cannot act on them) unless they come in a storm. */
  private onUpstreamMalformed(reason: string): void {
    if (this.phase === 'closed') return;
    this.log.warn({ reason }, 'malformed upstream frame ignored');
    if (this.upstreamFaults.add()) {
      this.close({ code: 'upstream_error', message: 'The upstream sent a storm of malformed frames; the session was ended.' });
    }
  }

  /** HEARTBEAT_INTERVAL_MS toward the upstream: a ping still unanswered at the next tick means the peer is gone. */
  private upstreamHeartbeat(): void {
    if (this.phase === 'closed' || !this.upstream.isOpen) return;
    if (this.upstreamPongPending) {
      this.log.warn('upstream missed a heartbeat; terminating');
      this.upstream.terminate();
      this.close({ code: 'upstream_closed', message: 'The upstream stopped answering heartbeats.' });
      return;
    }
    this.upstreamPongPending = true;
    this.upstream.ping();
  }

  /** Backpressure toward the client: one that stopped reading is closed (1013) and then dropped. */
  private checkClientStall(): void {
    if (this.phase === 'closed' || !this.out.isStalled()) return;
    this.log.warn(this.out.stallInfo(), 'client stopped reading');
    this.close({ code: 'client_stalled' });
    this.out.terminateSoon();
  }

  private onUpstreamFailure(failure: UpstreamFailure): void {
    this.log.warn({ kind: failure.kind, status: failure.status, reason: failure.message }, 'upstream connection failed');
    const end = endForFailure(failure);
    this.close(end.error);
  }

  private onUpstreamClose(code: number, reason: string): void {
    this.log.info({ code, reason }, 'upstream closed');
    const end = endForClose(code, reason);
    this.close(end.error);
  }

  private sendError(code: ErrorCode, message?: string, upstreamCode?: string): void {
    this.out.sendError(code, message, upstreamCode);
  }
}
