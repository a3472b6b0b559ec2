/**
 * The admission of one serving process tree (a single process, or a cluster's primary for all its workers): the
 * in-process counts, and beside them the shared counts when a store is configured (REDIS_URL). The in-process
 * per-IP and per-user limits stay on with a store: they are never looser than the shared ones, and they still
 * hold, per instance, while the store is unreachable in open mode.
 */
import type { Registry } from 'prom-client';
import type { BudgetConfig, SharedStoreConfig } from '../config/index.js';
import type { Logger } from '../logger/index.js';
import { SharedStore, type StoreHealth } from '../shared-store/index.js';
import { MemoryLedger, UserBudget } from '../usage/budget.js';
import { RedisLedger } from '../usage/redis-ledger.js';
import { budgetAdmitter } from './budget.js';
import { allOf, type Admitter } from './index.js';
import { createLocalAdmitter, type ConnectionLimits } from './local.js';
import { createSharedAdmitter } from './shared.js';

export interface ServerAdmission {
  readonly admitter: Admitter;
  /** The shared store's state, when there is one. */
  readonly storeHealth?: () => StoreHealth;
  /** The per-user budget (USER_BUDGET_*), when there is one: checked by `admitter`, charged by the sessions. */
  readonly budget?: UserBudget;
  /** Stops renewing leases and closes the store's connection; after the server's drain. */
  close(): Promise<void>;
}

/**
 * Opens admission; with a store, waits for its first connection attempt (succeeded or not) before answering. A
 * budget's spend lives in the store when there is one, else in this process; its check comes after the counts.
 */
export async function openAdmission(
  limits: ConnectionLimits,
  shared: SharedStoreConfig | null,
  deps: { readonly logger: Logger; readonly registry: Registry },
  budgetConfig: BudgetConfig | null = null,
): Promise<ServerAdmission> {
  const local = createLocalAdmitter(limits);
  const budgetLogger = deps.logger.child({ component: 'budget' });
  if (shared === null) {
    if (budgetConfig === null) return { admitter: local, close: () => Promise.resolve() };
    const budget = new UserBudget(budgetConfig, new MemoryLedger(), 'open', budgetLogger);
    return { admitter: allOf([local, budgetAdmitter(budget)]), budget, close: () => Promise.resolve() };
  }
  const store = new SharedStore(shared, deps.logger.child({ component: 'shared-store' }), deps.registry);
  await store.connected();
  const budget = budgetConfig === null ? undefined : new UserBudget(budgetConfig, new RedisLedger(store), shared.failureMode, budgetLogger);
  const leases = createSharedAdmitter(store, {
    maxConnectionsPerIp: limits.maxConnectionsPerIp,
    maxSessionsPerUser: limits.maxSessionsPerUser ?? 0,
    leaseTtlMs: shared.leaseTtlMs,
    failureMode: shared.failureMode,
  });
  return {
    admitter: allOf([local, leases, ...(budget === undefined ? [] : [budgetAdmitter(budget)])]),
    ...(budget === undefined ? {} : { budget }),
    storeHealth: () => store.health(),
    close: async () => {
      leases.close();
      await store.close();
    },
  };
}
