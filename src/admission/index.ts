/**
 * Admission: who may open a session. The upgrade path awaits one `Admitter` after the request checks (path,
 * draining, origin, auth) and before `handleUpgrade`; a refusal is an exact HTTP status, an admission is a lease
 * the connection holds until its socket closes. Implementations: in-process counters (`local.ts`), and the
 * cluster's, where a worker asks the primary (`remote.ts`). Limits compose with `allOf`, so a shared store
 * (per-IP or per-user counts across instances) can be added beside the per-instance connection count.
 */
import type { UpgradeRefusal } from '../errors/index.js';

export interface AdmissionRequest {
  /** The client address the per-IP limit counts (already resolved through TRUST_PROXY). */
  readonly ip: string;
  /** The authenticated user (signed tokens), when there is one. */
  readonly userId?: string;
}

/** What an admitted connection holds until it closes. `release()` is idempotent. */
export interface Lease {
  release(): void;
}

export type Admission = { readonly ok: true; readonly lease: Lease } | ({ readonly ok: false } & UpgradeRefusal);

export interface Admitter {
  /** Admits a connection or refuses it; never rejects (a failure to decide is a refusal). */
  admit(request: AdmissionRequest): Promise<Admission>;
}

/** A lease whose `release` runs its callback once, however often it is called. */
export function leaseOf(release: () => void): Lease {
  let released = false;
  return {
    release: () => {
      if (released) return;
      released = true;
      release();
    },
  };
}

/**
 * Admits only when every admitter does, asking them in order (so the first limit's refusal wins, as the checks
 * always ran: capacity before per-IP). A refusal releases the leases already taken.
 */
export function allOf(admitters: readonly Admitter[]): Admitter {
  return {
    async admit(request) {
      const leases: Lease[] = [];
      for (const admitter of admitters) {
        const admission = await admitter.admit(request);
        if (!admission.ok) {
          for (const lease of leases) lease.release();
          return admission;
        }
        leases.push(admission.lease);
      }
      return { ok: true, lease: leaseOf(() => leases.forEach((lease) => lease.release())) };
    },
  };
}
