/**
 * A live session moved to a new upstream session, on its own side of the bridge: when the renewal clock says so
 * (planned, make before break) and when a link is lost for a transient reason (recovery within the reconnect
 * budget). The session's state stays the bridge's, changed through `SwitchHost.enter` only; the links are opened by
 * the bridge, configured from the one `SessionConfig` like every other.
 */
import type { EndingError } from './upstream-outcomes.js';
import type { Logger } from '../logger/index.js';
import type { Metrics } from '../metrics/index.js';
import type { EffectiveSession } from '../upstream/events.js';
import type { ClientChannel } from './client-channel.js';
import type { ConversationHistory } from './conversation-history.js';
import { PreopenQueue } from './preopen-queue.js';
import { reconnectDelayMs } from './reconnect-policy.js';
import type { ResponseRelay } from './response-relay.js';
import type { SessionConfig } from './session-config.js';
import type { SessionState, SwitchingState } from './session-state.js';
import type { UpstreamLink } from './upstream-link.js';
import type { SessionEnd } from './upstream-outcomes.js';
import { Renewal, RenewalClock, replayRequests, switchCompleted, switchFailed, type RenewalSettings } from './upstream-switch.js';

/** What the switcher needs of its session. */
export interface SwitchHost {
  /** The session's state now (a method: an object literal with a getter is a dictionary-mode object, ~0.5 KiB per session). */
  state(): SessionState;
  /** The one place the session's state changes. */
  enter(next: SessionState): void;
  /** A new upstream link, configured like the last. */
  openLink(): UpstreamLink;
  /** Ends the session with this error. */
  close(error: EndingError): void;
  /** What the client sent while it was held goes upstream now, in order. */
  performHeld(held: PreopenQueue): void;
  /** Runs a timer's work as every handler of the session runs (not once it is closed; a throw ends only it). */
  guarded(work: () => void): void;
}

export interface SwitchParts {
  readonly settings: RenewalSettings;
  /** The most client audio held during a switch, ms. */
  readonly preopenBufferMs: number;
  readonly config: SessionConfig;
  readonly responses: ResponseRelay;
  readonly history: ConversationHistory;
  readonly client: ClientChannel;
  readonly metrics: Metrics;
  readonly log: Logger;
}

export class LinkSwitcher {
  private readonly clock: RenewalClock;
  /** The next reconnect attempt after a drop. */
  private retryTimer: NodeJS.Timeout | undefined;
  /** The latest recovery from a drop: a drop soon after it continues its budget. */
  private lastRecovery: Renewal | undefined;

  constructor(
    private readonly host: SwitchHost,
    private readonly parts: SwitchParts,
  ) {
    this.clock = new RenewalClock(parts.settings, () => this.isQuiet(), () => host.guarded(() => this.renew()));
  }

  /** The session's first upstream session is live: its renewal is due a margin before the cap. */
  started(): void {
    this.clock.start();
  }

  /** Releases the clocks (the session is closing). */
  stop(): void {
    this.clock.stop();
    clearTimeout(this.retryTimer);
  }

  /** An upstream session is configured; true when it was the one a switch waited for (and the switch is done). */
  ready(link: UpstreamLink, session: EffectiveSession): boolean {
    const state = this.host.state();
    if (state.phase !== 'switching' || state.next !== link) return false;
    this.complete(state, link, session);
    return true;
  }

  /**
   * A link is gone. True when the switcher took it in hand: a live one lost for a transient reason is reconnected
   * within the budget (the conversation replayed), a switch under way goes on or ends the session itself. False:
   * the session ends with `end` (the first link is never retried; a refusal never).
   */
  lost(link: UpstreamLink, end: SessionEnd, transient: boolean): boolean {
    const state = this.host.state();
    const { reconnect } = this.parts.settings;
    const canRetry = transient && reconnect.attempts > 0;
    if (state.phase === 'live' && canRetry) {
      this.parts.responses.cutByDrop();
      const renewal = Renewal.afterDrop(link.upstreamSessionId, end, this.lastRecovery, reconnect);
      if (renewal.withinBudget(reconnect)) this.start(renewal, undefined);
      else this.giveUp(renewal, renewal.endIfAbandoned ?? end);
      return true;
    }
    if (state.phase !== 'switching') return false;
    if (link === state.old) {
      // The old session ended before the new one was ready (its cap, a drop): the new one is on its way.
      if (!canRetry) return false;
      this.parts.responses.cutByDrop();
      this.host.enter({ ...state, old: undefined });
      return true;
    }
    if (link !== state.next) return true;
    if (canRetry && state.old !== undefined) {
      // A planned renewal failed while the old session still serves: it goes on, and renewal is tried again soon.
      switchFailed(state.renewal, 'kept_old', this.parts.metrics, this.parts.log);
      this.host.enter({ phase: 'live', link: state.old });
      this.host.performHeld(state.held);
      this.clock.retrySoon();
      return true;
    }
    const delayMs = canRetry ? state.renewal.nextAttemptDelay(reconnect) : undefined;
    if (delayMs === undefined) {
      this.giveUp(state.renewal, canRetry ? (state.renewal.endIfAbandoned ?? end) : end);
      return true;
    }
    this.host.enter({ ...state, next: undefined });
    this.retryTimer = setTimeout(() => this.host.guarded(() => this.reconnect()), delayMs);
    return true;
  }

  /** The upstream's cap is near and the moment is right (or the last safe one): a new session, made before the break. */
  private renew(): void {
    const state = this.host.state();
    if (state.phase === 'live') this.start(new Renewal('max_duration', state.link.upstreamSessionId, undefined), state.link);
  }

  /** Client input is held from now on; the new upstream session opens now (a renewal) or after a short jitter (a drop). */
  private start(renewal: Renewal, old: UpstreamLink | undefined): void {
    this.clock.stop();
    const held = new PreopenQueue(this.parts.preopenBufferMs);
    if (old !== undefined) {
      this.host.enter({ phase: 'switching', old, next: this.host.openLink(), held, renewal });
      return;
    }
    this.host.enter({ phase: 'switching', old, next: undefined, held, renewal });
    this.retryTimer = setTimeout(() => this.host.guarded(() => this.reconnect()), reconnectDelayMs(1));
  }

  private reconnect(): void {
    const state = this.host.state();
    if (state.phase === 'switching' && state.next === undefined) this.host.enter({ ...state, next: this.host.openLink() });
  }

  private giveUp(renewal: Renewal, end: SessionEnd): void {
    switchFailed(renewal, 'gave_up', this.parts.metrics, this.parts.log);
    this.host.close(end.error);
  }

  /**
   * The new upstream session is configured like the last (its first session.update is whole): it is given the
   * conversation, the old one is closed, the client told, and what it sent meanwhile goes to the new one in order.
   */
  private complete(state: SwitchingState, link: UpstreamLink, session: EffectiveSession): void {
    const { config, responses, history, client } = this.parts;
    config.takeEffect(session);
    const items = history.replay();
    for (const request of replayRequests(items)) link.send(request);
    if (state.old !== undefined) {
      // Switched at the last safe point with a response still running on the old session: it ends here.
      if (responses.isActiveUpstream) responses.cutByDrop();
      state.old.close();
    }
    responses.upstreamReplaced();
    this.host.enter({ phase: 'live', link });
    this.clock.start();
    if (state.renewal.reason === 'upstream_lost') this.lastRecovery = state.renewal;
    client.send(switchCompleted(state.renewal, { newSessionId: link.upstreamSessionId, replayedItems: items.length }, this.parts.metrics, this.parts.log));
    if (config.owesAnswer && !state.held.hasSessionUpdate) client.send(config.answer());
    this.host.performHeld(state.held);
  }

  /** Quiet enough to switch: live, no response running or on its way, the user not speaking, no transcript awaited. */
  private isQuiet(): boolean {
    return this.host.state().phase === 'live' && !this.parts.responses.isResponding && this.parts.history.isQuiet;
  }
}
