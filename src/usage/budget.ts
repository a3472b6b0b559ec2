/**
 * Per-user budgets (USER_BUDGET_TOKENS or USER_BUDGET_USD per USER_BUDGET_PERIOD, UTC): the spend of each user in
 * the current period, kept in a `SpendLedger` (in this process, or in the shared store so every instance adds to
 * the same figure and a restart forgets nothing). Checked before the upgrade (`check`) and after every priced usage
 * (`charge`): the response that crosses the line finishes, the session ends after it.
 */
import type { BudgetConfig, StoreFailureMode } from '../config/index.js';
import type { Logger } from '../logger/index.js';

/** What one usage adds to a user's spend: its tokens, and its cost when known. */
export interface Spend {
  readonly tokens: number;
  readonly costUsd: number | null;
}

/** `ok`: under the limit; `spent`: at or over it; `unavailable`: the ledger could not be reached. */
export type BudgetState = 'ok' | 'spent' | 'unavailable';

/** Where the spend is kept; `period` names the current period (`2026-12-03`, `2026-12`). */
export interface SpendLedger {
  /** The user's spend in `period`. */
  spent(userId: string, period: string): Promise<number>;
  /** Adds to the user's spend in `period` (kept at least until `expiresAtMs`); resolves with the new total. */
  add(userId: string, period: string, amount: number, expiresAtMs: number): Promise<number>;
}

/** Checks and charges one budget; what a session and the upgrade need of it. */
export interface BudgetCharger {
  /** Adds a usage to the user's spend (nothing: only reads it); `spent` once the total has reached the limit. Never rejects. */
  charge(userId: string, spend: Spend): Promise<BudgetState>;
}

/** The current period's name and when it ends (ms since the epoch), in UTC. */
export function currentPeriod(period: BudgetConfig['period'], now = new Date()): { readonly name: string; readonly endsAtMs: number } {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  const mm = String(month + 1).padStart(2, '0');
  if (period === 'month') return { name: `${year}-${mm}`, endsAtMs: Date.UTC(year, month + 1, 1) };
  const day = now.getUTCDate();
  return { name: `${year}-${mm}-${String(day).padStart(2, '0')}`, endsAtMs: Date.UTC(year, month, day + 1) };
}

/**
 * Spend in this process only: right for one process; with several instances (or WORKERS>1 without the primary
 * routing charges) each would keep its own figure, so REDIS_URL is what makes a budget hold across instances.
 */
export class MemoryLedger implements SpendLedger {
  private period = '';
  private readonly spend = new Map<string, number>();

  spent(userId: string, period: string): Promise<number> {
    return Promise.resolve(period === this.period ? (this.spend.get(userId) ?? 0) : 0);
  }

  add(userId: string, period: string, amount: number): Promise<number> {
    // A new period starts everyone at zero; the old figures go (memory stays bounded by one period's users).
    if (period !== this.period) {
      this.period = period;
      this.spend.clear();
    }
    const total = (this.spend.get(userId) ?? 0) + amount;
    this.spend.set(userId, total);
    return Promise.resolve(total);
  }
}

export class UserBudget implements BudgetCharger {
  /** Spend the ledger could not take (it was unreachable), per user and period: added with the next charge. */
  private readonly owed = new Map<string, number>();
  private warnedUnpriced = false;

  constructor(
    readonly settings: BudgetConfig,
    private readonly ledger: SpendLedger,
    private readonly failureMode: StoreFailureMode,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Whether the user may start a session: under the limit (or the ledger away in `open` mode). */
  async check(userId: string): Promise<BudgetState> {
    try {
      const spent = await this.ledger.spent(userId, currentPeriod(this.settings.period, this.now()).name);
      return spent >= this.settings.limit ? 'spent' : 'ok';
    } catch {
      return this.failureMode === 'open' ? 'ok' : 'unavailable';
    }
  }

  /** Adds a usage to the user's spend and says where the user stands; a usage of nothing only reads that. */
  async charge(userId: string, spend: Spend): Promise<BudgetState> {
    const amount = this.amountOf(spend);
    if (amount === 0) return this.check(userId);
    const period = currentPeriod(this.settings.period, this.now());
    const key = `${period.name}\n${userId}`;
    const total = amount + (this.owed.get(key) ?? 0);
    try {
      const spent = await this.ledger.add(userId, period.name, total, period.endsAtMs);
      this.owed.delete(key);
      return spent >= this.settings.limit ? 'spent' : 'ok';
    } catch {
      // Kept for the next charge of this user and period (the store logs and counts its outage): not lost, late.
      this.owed.set(key, total);
      if (this.owed.size > 10_000) this.owed.delete(this.owed.keys().next().value ?? '');
      return 'unavailable';
    }
  }

  /** The spend in the budget's unit; a USD budget cannot count usage without a price (warned once). */
  private amountOf(spend: Spend): number {
    if (this.settings.unit === 'tokens') return spend.tokens;
    if (spend.costUsd !== null) return spend.costUsd;
    if (spend.tokens > 0 && !this.warnedUnpriced) {
      this.warnedUnpriced = true;
      this.logger.warn('a USD budget cannot count usage without a price; add the model to USAGE_PRICES_FILE or budget in tokens');
    }
    return 0;
  }
}
