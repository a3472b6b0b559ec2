import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger/index.js';
import { currentPeriod, MemoryLedger, UserBudget, type SpendLedger } from '../../src/usage/budget.js';

const logger = createLogger('silent');

/** A ledger that can be switched unreachable, like a store during an outage. */
class FlakyLedger implements SpendLedger {
  down = false;
  readonly inner = new MemoryLedger();
  spent(userId: string, period: string): Promise<number> {
    return this.down ? Promise.reject(new Error('down')) : this.inner.spent(userId, period);
  }
  add(userId: string, period: string, amount: number): Promise<number> {
    return this.down ? Promise.reject(new Error('down')) : this.inner.add(userId, period, amount);
  }
}

describe('budget periods (UTC)', () => {
  it('names the day or the month and when it ends', () => {
    const now = new Date(Date.UTC(2026, 11, 31, 23, 59, 59));
    expect(currentPeriod('day', now)).toEqual({ name: '2026-12-31', endsAtMs: Date.UTC(2027, 0, 1) });
    expect(currentPeriod('month', now)).toEqual({ name: '2026-12', endsAtMs: Date.UTC(2027, 0, 1) });
    expect(currentPeriod('day', new Date(Date.UTC(2026, 1, 3, 0, 0, 0)))).toEqual({ name: '2026-02-03', endsAtMs: Date.UTC(2026, 1, 4) });
  });
});

describe('UserBudget', () => {
  it('is spent once the total reaches the limit, per user, and a new period starts at zero', async () => {
    let now = new Date(Date.UTC(2026, 11, 3, 12));
    const budget = new UserBudget({ unit: 'tokens', limit: 100, period: 'day' }, new MemoryLedger(), 'open', logger, () => now);
    expect(await budget.charge('alice', { tokens: 60, costUsd: 1 })).toBe('ok');
    expect(await budget.check('alice')).toBe('ok');
    expect(await budget.charge('alice', { tokens: 40, costUsd: 1 })).toBe('spent');
    expect(await budget.check('alice')).toBe('spent');
    expect(await budget.check('bob')).toBe('ok');
    // A usage of nothing only reads where the user stands.
    expect(await budget.charge('alice', { tokens: 0, costUsd: 0 })).toBe('spent');
    expect(await budget.charge('bob', { tokens: 0, costUsd: 0 })).toBe('ok');
    now = new Date(Date.UTC(2026, 11, 4, 0, 0, 1));
    expect(await budget.check('alice')).toBe('ok');
  });

  it('a USD budget counts the cost; usage without a price adds nothing', async () => {
    const budget = new UserBudget({ unit: 'usd', limit: 0.01, period: 'month' }, new MemoryLedger(), 'open', logger);
    expect(await budget.charge('alice', { tokens: 1_000_000, costUsd: null })).toBe('ok');
    expect(await budget.charge('alice', { tokens: 10, costUsd: 0.004 })).toBe('ok');
    expect(await budget.charge('alice', { tokens: 10, costUsd: 0.006 })).toBe('spent');
  });

  it('the ledger away: the check follows the failure mode; spend that could not be recorded is added with the next charge', async () => {
    const ledger = new FlakyLedger();
    const open = new UserBudget({ unit: 'tokens', limit: 100, period: 'day' }, ledger, 'open', logger);
    const closed = new UserBudget({ unit: 'tokens', limit: 100, period: 'day' }, ledger, 'closed', logger);
    ledger.down = true;
    expect(await open.check('alice')).toBe('ok');
    expect(await closed.check('alice')).toBe('unavailable');
    expect(await open.charge('alice', { tokens: 70, costUsd: null })).toBe('unavailable');
    ledger.down = false;
    expect(await open.charge('alice', { tokens: 30, costUsd: null })).toBe('spent');
    expect(await ledger.spent('alice', currentPeriod('day').name)).toBe(100);
  });
});
