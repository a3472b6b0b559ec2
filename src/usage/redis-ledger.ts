/**
 * The spend ledger in the shared store (REDIS_URL): one key per user and period (`<prefix>spend:<period>:<user>`),
 * added to atomically by one script (INCRBYFLOAT, then the key's expiry a day after its period ends, so a restart
 * or another instance reads the same figure and old periods leave the store by themselves).
 */
import { storeScript, type SharedStore } from '../shared-store/index.js';
import type { SpendLedger } from './budget.js';

/** KEYS[1]: the spend; ARGV[1]: the amount, ARGV[2]: expiry (ms since the epoch). Returns the new total as a string. */
const ADD = storeScript(`local total = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return total`);
const GET = storeScript(`return redis.call('GET', KEYS[1])`);

/** Kept a day past its period, for whoever looks at it after the fact. */
const KEPT_AFTER_PERIOD_MS = 24 * 60 * 60 * 1000;

export class RedisLedger implements SpendLedger {
  constructor(private readonly store: SharedStore) {}

  async spent(userId: string, period: string): Promise<number> {
    return Number((await this.store.run(GET, [this.key(userId, period)], [])) ?? 0);
  }

  async add(userId: string, period: string, amount: number, expiresAtMs: number): Promise<number> {
    const total = await this.store.run(ADD, [this.key(userId, period)], [String(amount), String(expiresAtMs + KEPT_AFTER_PERIOD_MS)]);
    return Number(total);
  }

  private key(userId: string, period: string): string {
    return this.store.key('spend', period, userId);
  }
}
