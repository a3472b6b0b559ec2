/**
 * When a dropped upstream is tried again: soon at first (a drop is usually one connection's bad luck), then with
 * growing waits, each with jitter so that the sessions of a server that lost the upstream all at once do not come
 * back in one burst; within a budget of attempts and of total time, past which the session ends as it did before.
 */

export interface ReconnectBudget {
  /** Connection attempts after a drop (0: a drop ends the session). */
  readonly attempts: number;
  /** From the drop: no attempt starts after this many ms. */
  readonly withinMs: number;
}

/** The first attempt waits up to this long (jitter only). */
const FIRST_JITTER_MS = 100;
/** The second waits about this long; each later one twice the one before. */
const BASE_DELAY_MS = 250;
const MAX_DELAY_MS = 2000;

/** How long to wait before attempt `attempt` (1-based): 0–100 ms, then 125–250, 250–500, … capped near 2 s. */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  if (attempt <= 1) return Math.round(random() * FIRST_JITTER_MS);
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 2));
  // "Equal jitter": never less than half the step, so waits still grow; never all at the same instant.
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * The wait before attempt `attempt` when it still fits the budget (`elapsedMs` since the drop), else undefined:
 * the session gives up.
 */
export function nextAttempt(budget: ReconnectBudget, attempt: number, elapsedMs: number, random: () => number = Math.random): number | undefined {
  if (attempt > budget.attempts) return undefined;
  const delay = reconnectDelayMs(attempt, random);
  return elapsedMs + delay <= budget.withinMs ? delay : undefined;
}
