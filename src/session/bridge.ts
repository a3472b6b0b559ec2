/**
 * One client bridged to its own upstream realtime session: the session's state and the one place that changes it,
 * its clocks, its drain, and one idempotent close that releases everything. The two directions live beside it:
 * client → upstream in `client-input.ts` (done at once or held while the upstream is not ready: `input-delivery.ts`),
 * upstream → client in `upstream-router.ts`; the upstream connection with its handshake is an `UpstreamLink` the
 * session holds in its state, and the client side a `ClientTransport`.
 */
import { randomUUID } from 'node:crypto';
import { bytesPerMs } from '../audio/formats.js';
import { chooseUpstreamFormat, upstreamBytesPerMs, type UpstreamAudioFormat, type UpstreamFormats } from '../audio/upstream-formats.js';
import { CloseCode, ERRORS, type SessionOutcome } from '../errors/index.js';
import type { Logger } from '../logger/index.js';
import type { Metrics } from '../metrics/index.js';
import type { SessionRecorder } from '../recorder/types.js';
import type { EffectiveSession } from '../upstream/events.js';
import type { SessionUsage, UsageAccounting } from '../usage/meter.js';
import { BudgetWatch, type SessionBudget } from './budget-watch.js';
import type { ClientTransport } from '../ws/client-transport.js';
import type { ClientFormats } from '../ws/query.js';
import { ClientChannel } from './client-channel.js';
import { ClientInputHandler, guardedInput } from './client-input.js';
import { InputDelivery } from './input-delivery.js';
import { PreopenQueue } from './preopen-queue.js';
import { ResponseRelay, type ResponseError } from './response-relay.js';
import { SessionConfig } from './session-config.js';
import { SessionTimers } from './session-timers.js';
import { ConversationHistory } from './conversation-history.js';
import { UpstreamLink } from './upstream-link.js';
import { sessionEnd, type EndingError } from './upstream-outcomes.js';
import { routeUpstreamEvent, type RouterParts } from './upstream-router.js';
import { LinkSwitcher, type SwitchHost } from './link-switcher.js';
import type { SessionState } from './session-state.js';
import type { BridgeSettings } from './settings.js';

export interface BridgeDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Counts and prices what the upstream reports using. */
  readonly accounting: UsageAccounting;
  /** The user's budget, when there is one: every usage is charged to it. */
  readonly budget?: SessionBudget;
  /** Creates this session's recorder (absent when recording is off). */
  readonly createRecorder?: (sessionId: string, formats: { input: UpstreamAudioFormat; output: UpstreamAudioFormat }) => SessionRecorder;
  /** Called once, after the session has fully closed. */
  readonly onClosed?: (bridge: SessionBridge) => void;
}

/** A session that ends without an error event. */
export type QuietEnd = Extract<SessionOutcome, 'normal' | 'client_dropped' | 'client_error' | 'shutdown'>;

export class SessionBridge {
  readonly id = randomUUID();
  /** Monotonic clock (ms) for every latency the session measures: sub-millisecond, immune to clock steps. */
  readonly startedAt = performance.now();
  private state: SessionState;
  private readonly log: Logger;
  private readonly upstreamFormats: UpstreamFormats;
  private readonly client: ClientChannel;
  private readonly config: SessionConfig;
  private readonly responses: ResponseRelay;
  private readonly input: ClientInputHandler;
  private readonly delivery: InputDelivery;
  private readonly router: RouterParts;
  private readonly timers: SessionTimers;
  private readonly history: ConversationHistory;
  private readonly switcher: LinkSwitcher;
  private readonly recorder: SessionRecorder | undefined;
  private readonly usage: SessionUsage;
  private readonly budget: BudgetWatch | undefined;
  private recorderClosed: Promise<void> = Promise.resolve();
  /** The close code the client's side ended the connection with, when it did. */
  private clientCloseCode: number | undefined;

  constructor(
    transport: ClientTransport,
    readonly formats: ClientFormats,
    private readonly settings: BridgeSettings,
    private readonly deps: BridgeDeps,
  ) {
    const { metrics } = deps;
    this.log = deps.logger.child({ sessionId: this.id });
    this.upstreamFormats = chooseUpstreamFormat(formats.input, formats.output);
    this.recorder = deps.createRecorder?.(this.id, this.upstreamFormats);
    this.config = new SessionConfig(settings.sessionDefaults, this.upstreamFormats, settings.clientConfigKeys.includes('instructions'));
    this.usage = deps.accounting.forSession(settings.upstream.model, () => this.config.transcriptionModel);
    this.budget =
      deps.budget &&
      new BudgetWatch(deps.budget, this.usage, {
        responding: () => this.responses.isActiveUpstream,
        end: () => this.guarded(() => this.close(sessionEnd('budget_exhausted').error)),
      });
    this.history = new ConversationHistory(settings.renewal.replayMaxItems);
    this.client = new ClientChannel(transport, metrics, settings.clientHighWaterMs * bytesPerMs(formats.output), settings.clientHighWaterMs);
    this.responses = new ResponseRelay({
      out: this.client,
      sendUpstream: (request) => this.link()?.send(request),
      metrics,
      log: this.log,
      recorder: this.recorder,
      upstreamOutput: this.upstreamFormats.output,
      clientOutput: formats.output,
      upstreamInterruptsOnSpeech: () => this.config.upstreamInterruptsOnSpeech,
      usageToClient: settings.usageInResponseEnd,
      started: (responseId) => this.history.responseStarted(responseId),
      spoken: (responseId, heard) => this.history.responseEnded(responseId, heard),
    });
    this.router = {
      client: this.client,
      responses: this.responses,
      config: this.config,
      history: this.history,
      log: this.log,
      usage: this.usage,
      responseDone: (failed) => this.onResponseDone(failed),
    };
    this.delivery = new InputDelivery({
      state: () => this.state,
      perform: (work) => this.input.perform(work),
      clientInput: formats.input,
      preopenBufferMs: settings.preopenBufferMs,
      client: this.client,
      recorder: this.recorder,
      metrics,
    });
    this.input = new ClientInputHandler({
      formats,
      upstreamFormats: this.upstreamFormats,
      clientConfigKeys: settings.clientConfigKeys,
      controlMessagesPerSecond: settings.controlMessagesPerSecond,
      client: this.client,
      responses: this.responses,
      config: this.config,
      history: this.history,
      recorder: this.recorder,
      metrics,
      log: this.log,
      touched: () => this.timers.touch(),
      checkStall: () => this.checkClientStall(),
      deliverAudio: (audio, clientBytes) => this.delivery.audio(audio, clientBytes),
      deliver: (work) => this.delivery.work(work),
      link: () => this.currentLink(),
      updatesStarted: () => this.state.phase !== 'connecting' || this.state.link.updatesStarted,
      end: (end) => this.close(end.error),
      clientClosed: (code) => this.onClientClosed(code),
    });
    this.switcher = new LinkSwitcher(this.switchHost(), {
      settings: settings.renewal,
      preopenBufferMs: settings.preopenBufferMs,
      config: this.config,
      responses: this.responses,
      history: this.history,
      client: this.client,
      metrics,
      log: this.log,
    });
    this.timers = new SessionTimers(
      { maxSessionMs: settings.maxSessionMs, idleTimeoutMs: settings.idleTimeoutMs, stallCheckMs: Math.min(1000, settings.clientHighWaterMs / 2) },
      {
        onExpiryWarning: (graceMs) => this.guarded(() => this.client.send({ type: 'event', name: 'ServerShuttingDown', graceMs, reason: 'max_session' })),
        onExpired: () => this.guarded(() => this.close(sessionEnd('session_expired', `The session reached its maximum duration (${settings.maxSessionMs / 1000} s).`).error)),
        onIdle: () => this.guarded(() => this.close(sessionEnd('idle_timeout', `No audio or message arrived for ${settings.idleTimeoutMs / 1000} s.`).error)),
        onStallCheck: () => this.guarded(() => this.checkClientStall()),
      },
    );
    metrics.sessionsActive.inc();
    this.log.info({ input: formats.input, output: formats.output, audioPath: this.audioPath }, 'session opened');
    transport.listen(guardedInput(this.input, (work) => this.guarded(work)));
    this.state = { phase: 'connecting', link: this.openLink(), held: new PreopenQueue(settings.preopenBufferMs) };
  }

  /** `passthrough` when no conversion happens in either direction. */
  get audioPath(): 'passthrough' | 'transcode' {
    return this.upstreamFormats.passThrough ? 'passthrough' : 'transcode';
  }

  get isClosed(): boolean {
    return this.state.phase === 'closed';
  }

  /** Resolves once the session is closed and its recordings are complete on disk. */
  async finished(): Promise<void> {
    await this.recorderClosed;
  }

  /** Starts draining: tells the client, lets an in-flight response finish (the caller enforces the grace). */
  drain(graceMs: number): void {
    const state = this.state;
    if (state.phase === 'closed' || state.phase === 'draining') return;
    this.client.send({ type: 'event', name: 'ServerShuttingDown', graceMs });
    if (state.phase === 'live' && this.responses.isActiveUpstream) this.enter({ phase: 'draining', link: state.link });
    else this.close('shutdown');
  }

  /**
   * Ends the session (idempotent): quietly with an outcome, or with an error the client is told first (fatal,
   * whatever the table says about the code elsewhere), then the close code the error's end carries.
   */
  close(why: QuietEnd | EndingError): void {
    const state = this.state;
    if (state.phase === 'closed') return;
    const outcome = typeof why === 'string' ? why : sessionEnd(why.code).outcome;
    this.enter({ phase: 'closed', outcome });
    this.timers.stop();
    this.switcher.stop();
    if (state.phase === 'switching') {
      state.old?.close();
      state.next?.close();
    } else state.link.close();
    if (state.phase === 'connecting' || state.phase === 'switching') state.held.takeAll();
    let closeCode: number = why === 'shutdown' ? CloseCode.goingAway : CloseCode.normal;
    let reason = why === 'shutdown' ? 'server shutting down' : '';
    if (typeof why !== 'string') {
      this.client.sendError(why.code, why.message, why.upstreamCode, true);
      closeCode = why.closeCode;
      reason = why.code;
    }
    this.client.close(closeCode, reason);
    this.responses.abandon();
    this.recorderClosed = this.recorder?.close() ?? Promise.resolve();
    this.deps.metrics.sessionsActive.dec();
    this.deps.metrics.sessionsTotal.inc({ outcome });
    // When the client ended it, what it sent (or 1006: it dropped the connection), not what we would have sent.
    const loggedCode = this.clientCloseCode ?? closeCode;
    this.log.info(
      { outcome, closeCode: loggedCode, durationMs: Math.round(performance.now() - this.startedAt), usage: this.usage.summary() },
      'session closed',
    );
    this.deps.onClosed?.(this);
  }

  /** The one place the state changes. */
  private enter(next: SessionState): void {
    this.log.debug({ from: this.state.phase, to: next.phase }, 'session state');
    this.state = next;
  }

  private openLink(): UpstreamLink {
    const { settings } = this;
    const highWaterBytes = Math.max(64 * 1024, settings.clientHighWaterMs * upstreamBytesPerMs(this.upstreamFormats.input) * 2);
    const link: UpstreamLink = new UpstreamLink(
      { upstream: settings.upstream, connectTimeoutMs: settings.upstreamConnectTimeoutMs, heartbeatIntervalMs: settings.heartbeatIntervalMs, highWaterBytes },
      this.config,
      {
        ready: (session) => this.guarded(() => this.onLinkReady(link, session)),
        event: (event) => this.guarded(() => routeUpstreamEvent(event, this.router)),
        error: (error) => this.guarded(() => this.client.sendError(error.code, error.message, error.upstreamCode)),
        lost: (end, transient) => this.guarded(() => {
          if (!this.switcher.lost(link, end, transient)) this.close(end.error);
        }),
      },
      this.log,
      this.deps.metrics,
    );
    return link;
  }

  /** An upstream session is configured: the session's first (the client is told), or the one a switch waited for. */
  private onLinkReady(link: UpstreamLink, session: EffectiveSession): void {
    const state = this.state;
    if (this.switcher.ready(link, session) || state.phase !== 'connecting') return;
    this.config.takeEffect(session);
    this.enter({ phase: 'live', link: state.link });
    this.switcher.started();
    this.deps.metrics.upstreamConnectSeconds.observe((performance.now() - this.startedAt) / 1000);
    this.client.send({
      type: 'event',
      name: 'AIConnected',
      sessionId: this.id,
      input: { format: this.formats.input.encoding, rate: this.formats.input.rate },
      output: { format: this.formats.output.encoding, rate: this.formats.output.rate },
      audioPath: this.audioPath,
    });
    // A config that rode along with the first session.update is answered now; one still held, once it takes effect.
    if (this.config.owesAnswer && !state.held.hasSessionUpdate) this.client.send(this.config.answer());
    this.delivery.performHeld(state.held);
  }

  /** A response ended upstream: the error it owes, the drain's end, or what waited for it (an update, a response). */
  private onResponseDone(failed: ResponseError | undefined): void {
    if (failed !== undefined) {
      if (ERRORS[failed.code].fatal) this.close(sessionEnd(failed.code, undefined, { upstreamCode: failed.upstreamCode }).error);
      else this.client.sendError(failed.code, undefined, failed.upstreamCode);
    }
    this.budget?.responseEnded();
    const state = this.state;
    if (state.phase === 'draining') this.close('shutdown');
    if (state.phase !== 'live') return;
    state.link.sendUpdate({ responding: this.responses.isResponding, audioProduced: this.responses.audioProduced }, true);
    this.responses.createWaitingResponse();
  }

  private currentLink(): UpstreamLink {
    const link = this.link();
    if (link === undefined) throw new Error('the session is closed');
    return link;
  }

  /** Where requests go now: while switching, the old session still serving (if any); nowhere once closed. */
  private link(): UpstreamLink | undefined {
    const state = this.state;
    if (state.phase === 'switching') return state.old;
    return state.phase === 'closed' ? undefined : state.link;
  }

  /** The client's side ended the connection: with a close frame (its code), or by dropping it (1006). */
  private onClientClosed(code: number): void {
    if (this.state.phase === 'closed') return;
    this.clientCloseCode = code;
    this.close(code === CloseCode.tooBig ? 'client_error' : code === CloseCode.abnormal ? 'client_dropped' : 'normal');
  }

  /** Backpressure toward the client: one that stopped reading is closed (1013) and then dropped. */
  private checkClientStall(): void {
    if (this.state.phase === 'closed' || !this.client.isStalled()) return;
    this.log.warn(this.client.stallInfo(), 'client stopped reading');
    this.close(sessionEnd('client_stalled').error);
    this.client.abandon();
  }

  /** What the link switcher may do to this session (`enter` stays the one place the state changes). */
  private switchHost(): SwitchHost {
    return {
      state: () => this.state,
      enter: (next) => this.enter(next),
      openLink: () => this.openLink(),
      close: (error) => this.close(error),
      performHeld: (held) => this.delivery.performHeld(held),
      guarded: (work) => this.guarded(work),
    };
  }

  /**
   * Every socket handler and timer of the session runs here, and none once it is closed: a bug that throws ends
   * this session with `internal_error` (1011) instead of escaping into the socket's event emitter or the timer,
   * where it would take the whole process and every session down.
   */
  private guarded(work: () => void): void {
    if (this.state.phase === 'closed') return;
    try {
      work();
    } catch (error) {
      this.log.error({ err: error instanceof Error ? (error.stack ?? error.message) : String(error) }, 'session handler failed');
      this.close(sessionEnd('internal_error').error);
    }
  }
}
