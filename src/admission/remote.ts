/**
 * Admission across the cluster: the primary holds the server-wide counts (one `Admitter`) and a book of the
 * leases each worker holds; a worker asks it over IPC. When a worker dies, the primary releases its leases.
 */
import { refusalFor, type UpgradeRefusal } from '../errors/index.js';
import { leaseOf, type Admitter, type AdmissionRequest, type Lease } from './index.js';

/** An admission as it crosses the process boundary: a lease is named by a number. */
export type RemoteAdmission = { readonly ok: true; readonly leaseId: number } | ({ readonly ok: false } & UpgradeRefusal);

/** How a worker reaches the primary's lease book. */
export interface AdmissionLink {
  admit(request: AdmissionRequest): Promise<RemoteAdmission>;
  release(leaseId: number): void;
}

/** The worker's admitter: every decision is the primary's. */
export function remoteAdmitter(link: AdmissionLink): Admitter {
  return {
    async admit(request) {
      let admission: RemoteAdmission;
      try {
        admission = await link.admit(request);
      } catch {
        // The primary did not answer (it is going away, or overloaded): refuse rather than count nothing.
        return { ok: false, ...refusalFor('capacity') };
      }
      if (!admission.ok) return admission;
      const { leaseId } = admission;
      return { ok: true, lease: leaseOf(() => link.release(leaseId)) };
    },
  };
}

/** The primary's side: admits through one admitter and remembers which worker holds which lease. */
export class LeaseBook {
  private nextLeaseId = 1;
  private readonly owners = new Map<number, Map<number, Lease>>();

  constructor(private readonly admitter: Admitter) {}

  /** Admits a connection for worker `owner`. */
  async admit(owner: number, request: AdmissionRequest): Promise<RemoteAdmission> {
    const admission = await this.admitter.admit(request);
    if (!admission.ok) return admission;
    const leaseId = this.nextLeaseId++;
    const leases = this.owners.get(owner) ?? new Map<number, Lease>();
    this.owners.set(owner, leases.set(leaseId, admission.lease));
    return { ok: true, leaseId };
  }

  /** Releases one lease (unknown ids are ignored: release is idempotent). */
  release(owner: number, leaseId: number): void {
    const leases = this.owners.get(owner);
    leases?.get(leaseId)?.release();
    leases?.delete(leaseId);
  }

  /** Releases every lease of a worker that has gone; returns how many it held. */
  releaseAll(owner: number): number {
    const leases = this.owners.get(owner);
    if (leases === undefined) return 0;
    for (const lease of leases.values()) lease.release();
    this.owners.delete(owner);
    return leases.size;
  }

  /** Leases held now, over every worker. */
  get held(): number {
    let count = 0;
    for (const leases of this.owners.values()) count += leases.size;
    return count;
  }
}
