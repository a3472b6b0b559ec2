/**
 * A session's side of its user's budget (USER_BUDGET_*): the budget is read as the session starts (a Twilio stream
 * names its user only after the upgrade, and two sessions of one user can pass the upgrade check together), then
 * every usage the session counts is charged; once the budget is spent the session ends, after the response that is
 * running (the charge is answered after the crossing response's AIResponseEnd went out; a transcription can cross
 * the line while a response still runs).
 */
import type { BudgetState, Spend } from '../usage/budget.js';
import type { SessionUsage } from '../usage/meter.js';
import { totalTokens } from '../usage/tokens.js';

/** A session's user's budget. */
export interface SessionBudget {
  /** Adds a usage to the user's spend; `spent` once the budget is reached. Never rejects. */
  charge(spend: Spend): Promise<BudgetState>;
}

export class BudgetWatch {
  private spent = false;

  /** `responding`: a response is running upstream; `end`: ends the session with `budget_exhausted`. */
  constructor(
    budget: SessionBudget,
    usage: SessionUsage,
    private readonly session: { responding(): boolean; end(): void },
  ) {
    this.charge(budget, { tokens: 0, costUsd: 0 });
    usage.onSpend((priced) => this.charge(budget, { tokens: totalTokens(priced.tokens), costUsd: priced.costUsd }));
  }

  private charge(budget: SessionBudget, spend: Spend): void {
    void budget.charge(spend).then((state) => {
      if (state !== 'spent') return;
      this.spent = true;
      if (!this.session.responding()) this.session.end();
    });
  }

  /** A response ended: the session ends now if the budget was spent meanwhile. */
  responseEnded(): void {
    if (this.spent) this.session.end();
  }
}
