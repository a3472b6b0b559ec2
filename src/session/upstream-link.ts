/**
 * One upstream connection as a session uses it: the socket (with its heartbeat), the handshake that configures it
 * (`session.created` → the first, whole session.update; the first `session.updated` → ready) within a deadline, the
 * upstream's error events sorted (harmless, told to the client, or the end), storms of errors or malformed frames,
 * and client audio under backpressure. It ends once, with the end its cause calls for. A session may hold more than
 * one in its life: each is configured from the same `SessionConfig`, and nothing of the session lives here.
 */
import type { UpstreamConfig } from '../config/index.js';
import type { ErrorCode } from '../errors/index.js';
import type { Logger } from '../logger/index.js';
import type { Metrics } from '../metrics/index.js';
import { UpstreamConnection } from '../upstream/connection.js';
import type { EffectiveSession, UpstreamErrorBody, UpstreamEvent } from '../upstream/events.js';
import type { UpstreamRequest } from '../upstream/requests.js';
import { BurstCounter } from './rate-limiter.js';
import { SessionUpdates, type SessionConfig, type UpdateMoment } from './session-config.js';
import { endForUpstream, errorEventOutcome, isTransientEnd, sessionEnd, type SessionEnd } from './upstream-outcomes.js';

export interface LinkSettings {
  readonly upstream: UpstreamConfig;
  /** The socket handshake's budget; the whole handshake (to the first `session.updated`) gets twice it. */
  readonly connectTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** Client audio queued in the socket beyond this many bytes is dropped: a stuck upstream must not grow our memory. */
  readonly highWaterBytes: number;
}

/** What a link tells its session. None is called after `lost`, or after the session closed the link. */
export interface LinkEvents {
  /** The upstream session is configured (its first `session.updated`): what it has in effect. */
  ready(session: EffectiveSession): void;
  /** Every later event but errors (`session.updated` answers to configs included). */
  event(event: UpstreamEvent): void;
  /** An error the client is told while the session goes on. */
  error(error: { readonly code: ErrorCode; readonly message?: string; readonly upstreamCode: string }): void;
  /**
   * The link is gone, and the session with it unless it opens another. `transient`: another connection may well work
   * (a drop, a server fault, a lost heartbeat, a handshake that did not finish); never for a refusal.
   */
  lost(end: SessionEnd, transient: boolean): void;
}

/** More upstream error events or malformed frames than this within a second is a storm: the link is lost. */
const UPSTREAM_FAULT_LIMIT = 20;

export class UpstreamLink {
  private readonly connection: UpstreamConnection;
  private readonly updates: SessionUpdates;
  private readonly faults = new BurstCounter(UPSTREAM_FAULT_LIMIT, 1000);
  private readonly handshakeDeadline: NodeJS.Timeout;
  private configured = false;
  private closed = false;
  private sessionId: string | undefined;
  private slowLogged = false;

  constructor(
    private readonly settings: LinkSettings,
    config: SessionConfig,
    private readonly events: LinkEvents,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {
    this.updates = new SessionUpdates(config);
    // Twice the socket handshake's own timeout, so that one names a hung handshake first; this one also covers an
    // upstream that accepts and then never sends session.created / session.updated.
    this.handshakeDeadline = setTimeout(
      () => this.lose(sessionEnd('upstream_unavailable', 'The upstream did not open the session in time.'), true),
      settings.connectTimeoutMs * 2,
    );
    this.handshakeDeadline.unref();
    this.connection = new UpstreamConnection(
      settings.upstream,
      { handshakeTimeoutMs: settings.connectTimeoutMs, heartbeatIntervalMs: settings.heartbeatIntervalMs },
      {
        onOpen: () => log.debug('upstream socket open'),
        onEvent: (event) => this.onEvent(event),
        onMalformed: (reason) => this.onMalformed(reason),
        onEnd: (end) => {
          if (end.kind === 'failed') log.warn({ kind: end.failure.kind, status: end.failure.status, reason: end.failure.message }, 'upstream connection failed');
          else if (end.kind === 'closed') log.info({ code: end.code, reason: end.reason }, 'upstream closed');
          else log.warn('upstream missed a heartbeat; terminated');
          this.lose(endForUpstream(end), isTransientEnd(end));
        },
      },
    );
  }

  /** The upstream's id for its session (`session.created`), for the logs. */
  get upstreamSessionId(): string | undefined {
    return this.sessionId;
  }

  /** The first session.update has gone out: a later `config` needs an update of its own. */
  get updatesStarted(): boolean {
    return this.updates.started;
  }

  /** Sends one request (dropped once the link is closed). */
  send(request: UpstreamRequest): void {
    if (!this.closed) this.connection.send(request);
  }

  /** The next session.update (see `SessionUpdates`); `onlyIfChanged` for what waited for a response to end. */
  sendUpdate(moment: UpdateMoment, onlyIfChanged = false): void {
    const update = this.updates.next(moment, onlyIfChanged);
    if (update !== undefined) this.send(update);
  }

  /** Sends client audio (upstream format); false when it was dropped because the upstream is not keeping up. */
  appendAudio(audio: Buffer): boolean {
    if (audio.length === 0 || this.closed) return false;
    const buffered = this.connection.bufferedAmount;
    if (buffered > this.settings.highWaterBytes) {
      this.metrics.audioDroppedBytes.inc({ reason: 'upstream_slow' }, audio.length);
      if (!this.slowLogged) {
        this.slowLogged = true;
        this.log.warn({ bufferedBytes: buffered }, 'upstream not keeping up; dropping client audio');
      }
      return false;
    }
    this.connection.appendAudio(audio);
    return true;
  }

  /** Closes the connection and releases its timers (idempotent); no event follows. */
  close(): void {
    this.closed = true;
    clearTimeout(this.handshakeDeadline);
    this.connection.close();
  }

  private onEvent(event: UpstreamEvent): void {
    if (this.closed) return;
    switch (event.type) {
      case 'session.created':
        this.sessionId ??= event.session.id;
        if (!this.updates.started) this.sendUpdate({ responding: false, audioProduced: false });
        return;
      case 'session.updated':
        if (this.configured) break;
        this.configured = true;
        clearTimeout(this.handshakeDeadline);
        this.events.ready(event.session);
        return;
      case 'error':
        this.onError(event.error);
        return;
      default:
        break;
    }
    this.events.event(event);
  }

  private onError(error: UpstreamErrorBody): void {
    const outcome = errorEventOutcome(error, !this.configured);
    const { code, type, message } = outcome.upstream;
    if (outcome.quiet) {
      this.log.debug({ upstreamCode: code }, 'harmless upstream error');
      return;
    }
    this.log.warn({ upstreamCode: code, upstreamType: type, upstreamMessage: message }, 'upstream error event');
    if (this.faults.add()) {
      this.lose(sessionEnd('upstream_error', 'The upstream sent a storm of errors; the session was ended.', { upstreamCode: code }), false);
      return;
    }
    const reported = outcome.error;
    if (outcome.ends) this.lose(sessionEnd(reported.code, reported.message, { upstreamCode: reported.upstreamCode }), false);
    else this.events.error(reported);
  }

  /** Malformed frames are ignored (the client cannot act on them) unless they come in a storm. */
  private onMalformed(reason: string): void {
    if (this.closed) return;
    this.log.warn({ reason }, 'malformed upstream frame ignored');
    if (this.faults.add()) this.lose(sessionEnd('upstream_error', 'The upstream sent a storm of malformed frames; the session was ended.'), false);
  }

  private lose(end: SessionEnd, transient: boolean): void {
    if (this.closed) return;
    this.close();
    this.events.lost(end, transient);
  }
}
