/**
 * The budget check before the upgrade (USER_BUDGET_*): a user whose spend in the current period has reached the
 * limit is refused (429, `over_budget`); when the spend cannot be read (the shared store is away) REDIS_FAILURE_MODE
 * decides, as for the other shared limits. A session without a user (no `sub` in its token) has no budget.
 */
import { refusalFor } from '../errors/index.js';
import type { UserBudget } from '../usage/budget.js';
import { leaseOf, type Admitter } from './index.js';

/** Admits a user under its budget; it holds nothing, so its lease releases nothing. */
export function budgetAdmitter(budget: UserBudget): Admitter {
  return {
    async admit(request) {
      const state = request.userId === undefined ? 'ok' : await budget.check(request.userId);
      if (state === 'spent') return { ok: false, ...refusalFor('over_budget'), message: overBudgetMessage(budget) };
      if (state === 'unavailable') return { ok: false, ...refusalFor('store_unavailable') };
      return { ok: true, lease: leaseOf(() => undefined) };
    },
  };
}

/** The refusal's message, with the budget's size and period (never another user's figure). */
function overBudgetMessage(budget: UserBudget): string {
  const { unit, limit, period } = budget.settings;
  const amount = unit === 'usd' ? `US$${limit}` : `${limit} tokens`;
  return `This user's budget of ${amount} per ${period} is spent; it resets at 00:00 UTC ${period === 'day' ? 'tomorrow' : 'on the 1st of next month'}.`;
}
