/**
 * Admission across the cluster: the primary holds the server-wide counts (one `Admitter`) and a book of the
 * leases each worker holds; a worker asks it over IPC. When a worker dies, the primary releases its leases.
 */
import { UPGRADE_REFUSALS } from '../errors/index.js';
import { leaseOf } from './index.js';
/** The worker's admitter: every decision is the primary's. */
export function remoteAdmitter(link) {
    return {
        async admit(request) {
            let admission;
            try {
                admission = await link.admit(request);
            }
            catch {
                // The primary did not answer (it is going away, or overloaded): refuse rather than count nothing.
                return { ok: false, ...UPGRADE_REFUSALS.capacity };
            }
            if (!admission.ok)
                return admission;
            const { leaseId } = admission;
            return { ok: true, lease: leaseOf(() => link.release(leaseId)) };
        },
    };
}
/** The primary's side: admits through one admitter and remembers which worker holds which lease. */
export class LeaseBook {
    admitter;
    nextLeaseId = 1;
    owners = new Map();
    constructor(admitter) {
        this.admitter = admitter;
    }
    /** Admits a connection for worker `owner`. */
    async admit(owner, request) {
        const admission = await this.admitter.admit(request);
        if (!admission.ok)
            return admission;
        const leaseId = this.nextLeaseId++;
        const leases = this.owners.get(owner) ?? new Map();
        this.owners.set(owner, leases.set(leaseId, admission.lease));
        return { ok: true, leaseId };
    }
    /** Releases one lease (unknown ids are ignored: release is idempotent). */
    release(owner, leaseId) {
        const leases = this.owners.get(owner);
        leases?.get(leaseId)?.release();
        leases?.delete(leaseId);
    }
    /** Releases every lease of a worker that has gone; returns how many it held. */
    releaseAll(owner) {
        const leases = this.owners.get(owner);
        if (leases === undefined)
            return 0;
        for (const lease of leases.values())
            lease.release();
        this.owners.delete(owner);
        return leases.size;
    }
    /** Leases held now, over every worker. */
    get held() {
        let count = 0;
        for (const leases of this.owners.values())
            count += leases.size;
        return count;
    }
}
