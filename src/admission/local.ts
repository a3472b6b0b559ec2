/** In-process admission: the connection counts of one process (single-process mode, or the cluster's primary). */
import { refusalFor, type UpgradeRefusal } from '../errors/index.js';
import { allOf, leaseOf, type Admitter, type AdmissionRequest } from './index.js';

export interface ConnectionLimits {
  readonly maxConnections: number;
  readonly maxConnectionsPerIp: number;
  /** 0 or absent: no per-user limit. */
  readonly maxSessionsPerUser?: number;
}

/** MAX_CONNECTIONS, MAX_CONNECTIONS_PER_IP, then MAX_SESSIONS_PER_USER (when set), counted in this process. */
export function createLocalAdmitter(limits: ConnectionLimits): Admitter {
  return allOf([
    connectionLimit(limits.maxConnections),
    perKeyLimit(limits.maxConnectionsPerIp, (request) => request.ip, refusalFor('per_ip')),
    ...(limits.maxSessionsPerUser ? [perKeyLimit(limits.maxSessionsPerUser, (request) => request.userId, refusalFor('per_user'))] : []),
  ]);
}

/** At most `max` connections at once (503 beyond). */
export function connectionLimit(max: number): Admitter {
  let held = 0;
  return {
    admit: () => {
      if (held >= max) return Promise.resolve({ ok: false, ...refusalFor('capacity') });
      held += 1;
      return Promise.resolve({ ok: true, lease: leaseOf(() => (held -= 1)) });
    },
  };
}

/** At most `max` connections per key (a request without a key passes); `refusal` beyond. */
export function perKeyLimit(max: number, keyOf: (request: AdmissionRequest) => string | undefined, refusal: UpgradeRefusal): Admitter {
  const held = new Map<string, number>();
  return {
    admit: (request) => {
      const key = keyOf(request);
      if (key === undefined) return Promise.resolve({ ok: true, lease: leaseOf(() => {}) });
      const count = held.get(key) ?? 0;
      if (count >= max) return Promise.resolve({ ok: false, ...refusal });
      held.set(key, count + 1);
      return Promise.resolve({
        ok: true,
        lease: leaseOf(() => {
          const left = (held.get(key) ?? 1) - 1;
          // Forget idle keys, so the map holds only addresses with open connections.
          if (left === 0) held.delete(key);
          else held.set(key, left);
        }),
      });
    },
  };
}
