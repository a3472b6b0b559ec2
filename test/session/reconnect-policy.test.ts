import { describe, expect, it } from 'vitest';
import { nextAttempt, reconnectDelayMs } from '../../src/session/reconnect-policy.js';

describe('when a dropped upstream is tried again', () => {
  it('the first attempt within 100 ms, then growing waits with jitter, capped near 2 s', () => {
    const low = (): number => 0;
    const high = (): number => 1;
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => reconnectDelayMs(n, low))).toEqual([0, 125, 250, 500, 1000, 1000, 1000]);
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => reconnectDelayMs(n, high))).toEqual([100, 250, 500, 1000, 2000, 2000, 2000]);
  });

  it('within the budget of attempts and of time since the drop; past it, none', () => {
    const budget = { attempts: 3, withinMs: 1000 };
    const mid = (): number => 0.5;
    expect(nextAttempt(budget, 3, 0, mid)).toBe(375);
    expect(nextAttempt(budget, 4, 0, mid)).toBeUndefined();
    expect(nextAttempt(budget, 2, 900, mid)).toBeUndefined();
    expect(nextAttempt({ attempts: 0, withinMs: 1000 }, 1, 0, mid)).toBeUndefined();
  });
});
