/**
 * Limits that hold across every instance sharing one store: MAX_CONNECTIONS_PER_IP and MAX_SESSIONS_PER_USER.
 * Each admitted connection is a lease: a member of a sorted set per counted key (`ip:<address>`, `user:<sub>`),
 * scored by its expiry. One Lua script per admission drops the expired members, counts, and adds the lease only if
 * every key is under its limit, so two instances can never both take the last place. The owning instance renews
 * its leases every third of their lifetime; the leases of an instance that dies expire within `leaseTtlMs` of its
 * last renewal. Times are the store's own (`TIME`), so the instances' clocks do not matter.
 *
 * When the store cannot be reached, `failureMode` decides: `open` admits (the in-process limits beside this one
 * still hold, per instance), `closed` refuses with 503. Leases admitted during an outage are kept and renewed, so
 * the counts are whole again as soon as the store is back (even if it lost its data).
 */
import { randomBytes } from 'node:crypto';
import { refusalFor } from '../errors/index.js';
import type { StoreFailureMode } from '../config/index.js';
import { storeScript, type SharedStore } from '../shared-store/index.js';
import { leaseOf, type Admission, type Admitter, type AdmissionRequest } from './index.js';

export interface SharedLimits {
  readonly maxConnectionsPerIp: number;
  /** 0: no per-user limit. */
  readonly maxSessionsPerUser: number;
  /** How long a lease lives without renewal: the bound on a dead instance's leases. */
  readonly leaseTtlMs: number;
  readonly failureMode: StoreFailureMode;
}

/** An admitter with a renewal timer to stop. */
export interface SharedAdmitter extends Admitter {
  /** Stops renewing (the leases still held then expire in the store). */
  close(): void;
}

/** Milliseconds now, from the store's clock. */
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;
/** The key lives as long as its longest lease, so idle keys leave the store by themselves. */
const EXPIRE_WITH_LAST = `local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
if last[2] then redis.call('PEXPIREAT', key, last[2]) end`;

/**
 * KEYS: the counted sets. ARGV[1]: the lease id, ARGV[2]: its lifetime (ms), ARGV[2 + i]: the limit of KEYS[i].
 * Returns 0 when admitted, else the index of the first key at its limit.
 */
const RESERVE = storeScript(`${NOW}
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if redis.call('ZCARD', key) >= tonumber(ARGV[2 + i]) then return i end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + tonumber(ARGV[2]), ARGV[1])
  ${EXPIRE_WITH_LAST}
end
return 0`);

/** KEYS: sets; ARGV[1]: lifetime (ms); ARGV[1 + i]: the lease in KEYS[i]. Adds back a lease the store lost. */
const RENEW = storeScript(`${NOW}
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + tonumber(ARGV[1]), ARGV[1 + i])
  ${EXPIRE_WITH_LAST}
end
return 0`);

/** KEYS: sets; ARGV[1]: the lease. */
const RELEASE = storeScript(`for _, key in ipairs(KEYS) do redis.call('ZREM', key, ARGV[1]) end
return 0`);

/** Per-IP and per-user counts in the shared store. */
export function createSharedAdmitter(store: SharedStore, limits: SharedLimits): SharedAdmitter {
  /** Lease ids are unique across instances and restarts: a random instance id and a counter. */
  const instance = randomBytes(6).toString('hex');
  let nextLease = 1;
  /** Every lease this instance holds, with the keys it is counted under. */
  const held = new Map<string, readonly string[]>();

  const keysOf = (request: AdmissionRequest): { keys: string[]; limits: number[] } => {
    const keys = [store.key('ip', request.ip)];
    const counts = [limits.maxConnectionsPerIp];
    if (limits.maxSessionsPerUser > 0 && request.userId !== undefined) {
      keys.push(store.key('user', request.userId));
      counts.push(limits.maxSessionsPerUser);
    }
    return { keys, limits: counts };
  };

  const leaseFor = (id: string, keys: readonly string[]): Admission => {
    held.set(id, keys);
    return {
      ok: true,
      lease: leaseOf(() => {
        held.delete(id);
        // A failed release is no leak: the lease expires with its lifetime.
        store.run(RELEASE, keys, [id]).catch(() => undefined);
      }),
    };
  };

  const renew = (): void => {
    if (held.size === 0) return;
    const keys: string[] = [];
    const ids: string[] = [];
    for (const [id, leaseKeys] of held) {
      for (const key of leaseKeys) {
        keys.push(key);
        ids.push(id);
      }
    }
    // A failure is counted and logged by the store; the next renewal tries again.
    store.run(RENEW, keys, [String(limits.leaseTtlMs), ...ids]).catch(() => undefined);
  };
  const renewal = setInterval(renew, Math.max(50, Math.floor(limits.leaseTtlMs / 3)));
  renewal.unref();

  return {
    async admit(request) {
      const id = `${instance}:${nextLease++}`;
      const { keys, limits: counts } = keysOf(request);
      let refusedAt: unknown;
      try {
        refusedAt = await store.run(RESERVE, keys, [id, String(limits.leaseTtlMs), ...counts.map(String)]);
      } catch {
        if (limits.failureMode === 'closed') return { ok: false, ...refusalFor('store_unavailable') };
        return leaseFor(id, keys);
      }
      if (refusedAt === 0) return leaseFor(id, keys);
      return { ok: false, ...refusalFor(refusedAt === 1 ? 'per_ip' : 'per_user') };
    },
    close() {
      clearInterval(renewal);
    },
  };
}
