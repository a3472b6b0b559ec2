/**
 * Moving a live session onto a new upstream session: when (the renewal clock: a margin before the upstream's cap, at
 * a quiet moment, or at the last safe point), how a switch under way is tracked (its reason, its attempts within the
 * reconnect budget, how long client input has been held), what the new session is given (the conversation replayed
 * as items), and how a finished switch is reported (`SessionRenewed`, the metrics, one log line with both upstream
 * session ids). The session's state and the links themselves stay with the bridge.
 */
import type { Logger } from '../logger/index.js';
import type { Metrics, RenewalReason, RenewalResult } from '../metrics/index.js';
import type { UpstreamRequest } from '../upstream/requests.js';
import type { NamedEvent } from '../ws/server-events.js';
import type { HistoryItem } from './conversation-history.js';
import { nextAttempt, type ReconnectBudget } from './reconnect-policy.js';
import type { SessionEnd } from './upstream-outcomes.js';

export interface RenewalSettings {
  /** The upstream's own cap on a session's life (its sessions close at it, 1001). */
  readonly maxUpstreamSessionMs: number;
  /** Renewal starts this long before the cap, at the first quiet moment; at half of it, quiet or not. */
  readonly renewMarginMs: number;
  readonly reconnect: ReconnectBudget;
  /** Most conversation items a new upstream session is given. */
  readonly replayMaxItems: number;
}

/** How often a session in its renewal window looks for a quiet moment. */
const QUIET_POLL_MS = 100;
/** After a planned renewal failed (the old session still serves), the next try waits this long. */
const RENEW_RETRY_MS = 1000;

/**
 * When the current upstream session is renewed: from `maxUpstreamSessionMs - renewMarginMs` after it opened, at the
 * first moment `isQuiet` says so; at `maxUpstreamSessionMs - renewMarginMs / 2` (the last safe point, leaving time for a
 * handshake before the cap), whatever is under way.
 */
export class RenewalClock {
  private timer: NodeJS.Timeout | undefined;
  private lastSafeAt = 0;

  constructor(
    private readonly settings: RenewalSettings,
    private readonly isQuiet: () => boolean,
    private readonly renew: () => void,
  ) {}

  /** A new upstream session opened now. */
  start(): void {
    const { maxUpstreamSessionMs: capMs, renewMarginMs: marginMs } = this.settings;
    this.lastSafeAt = performance.now() + capMs - marginMs / 2;
    this.schedule(capMs - marginMs);
  }

  /** The renewal failed while the old session still serves: try again shortly (still quiet-first, until the last safe point). */
  retrySoon(): void {
    this.schedule(RENEW_RETRY_MS);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(ms: number): void {
    this.stop();
    this.timer = setTimeout(() => this.check(), Math.max(0, ms));
    this.timer.unref();
  }

  private check(): void {
    this.timer = undefined;
    if (this.isQuiet() || performance.now() >= this.lastSafeAt) this.renew();
    else this.schedule(Math.min(QUIET_POLL_MS, this.lastSafeAt - performance.now()));
  }
}

/** One switch under way: why, since when client input has been held, and the attempts made. */
export class Renewal {
  /** Monotonic ms: client input has been held since. */
  readonly startedAt = performance.now();
  /** The reconnect budget is counted from here (a drop soon after a recovery continues its budget). */
  private budgetSince = this.startedAt;
  private attempts = 1;

  constructor(
    readonly reason: RenewalReason,
    /** The upstream session being replaced (its id, for the log), when known. */
    readonly oldSessionId: string | undefined,
    /** How the session ends when the switch cannot be made: the drop's own end (unset for a planned renewal). */
    readonly endIfAbandoned: SessionEnd | undefined,
  ) {}

  /**
   * The recovery from a drop. One that comes within the budget's time of the last recovery continues its budget (its
   * attempts, its clock): an upstream that keeps dropping right after each reconnect is not retried for ever.
   */
  static afterDrop(oldSessionId: string | undefined, end: SessionEnd, previous: Renewal | undefined, budget: ReconnectBudget): Renewal {
    if (previous?.reason !== 'upstream_lost' || performance.now() - previous.budgetSince > budget.withinMs) {
      return new Renewal('upstream_lost', oldSessionId, end);
    }
    const renewal = new Renewal('upstream_lost', oldSessionId, previous.endIfAbandoned ?? end);
    renewal.budgetSince = previous.budgetSince;
    renewal.attempts = previous.attempts + 1;
    return renewal;
  }

  /** Whether the first attempt of this switch is still within the budget (a continued budget may be spent already). */
  withinBudget(budget: ReconnectBudget): boolean {
    return this.attempts <= budget.attempts && performance.now() - this.budgetSince <= budget.withinMs;
  }

  /** The wait before the next connection attempt, or undefined when the budget is spent. */
  nextAttemptDelay(budget: ReconnectBudget): number | undefined {
    const delay = nextAttempt(budget, this.attempts + 1, performance.now() - this.budgetSince);
    if (delay !== undefined) this.attempts += 1;
    return delay;
  }

  get attemptsMade(): number {
    return this.attempts;
  }
}

/** The conversation items that replay `history` into a new upstream session, oldest first. */
export function replayRequests(history: readonly HistoryItem[]): UpstreamRequest[] {
  return history.map((item) =>
    item.role === 'user'
      ? { type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: item.text }] } }
      : { type: 'conversation.item.create', item: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: item.text }] } },
  );
}

/** A switch is done: counted, its gap observed, logged with both upstream session ids; the event the client gets. */
export function switchCompleted(
  renewal: Renewal,
  done: { readonly newSessionId: string | undefined; readonly replayedItems: number },
  metrics: Metrics,
  log: Logger,
): NamedEvent<'SessionRenewed'> {
  const gapMs = Math.round(performance.now() - renewal.startedAt);
  metrics.upstreamRenewals.inc({ reason: renewal.reason, result: 'renewed' });
  metrics.upstreamSwitchGapSeconds.observe({ reason: renewal.reason }, gapMs / 1000);
  log.info(
    {
      reason: renewal.reason,
      oldUpstreamSessionId: renewal.oldSessionId,
      newUpstreamSessionId: done.newSessionId,
      replayedItems: done.replayedItems,
      attempts: renewal.attemptsMade,
      gapMs,
    },
    'upstream session renewed',
  );
  return { type: 'event', name: 'SessionRenewed', reason: renewal.reason, replayedItems: done.replayedItems, gapMs };
}

/** A switch failed: counted and logged (`result`: the session went on with the old upstream, or ended). */
export function switchFailed(renewal: Renewal, result: Exclude<RenewalResult, 'renewed'>, metrics: Metrics, log: Logger): void {
  metrics.upstreamRenewals.inc({ reason: renewal.reason, result });
  log.warn({ reason: renewal.reason, oldUpstreamSessionId: renewal.oldSessionId, attempts: renewal.attemptsMade, result }, 'upstream session not renewed');
}
