/** A lease whose `release` runs its callback once, however often it is called. */
export function leaseOf(release) {
    let released = false;
    return {
        release: () => {
            if (released)
                return;
            released = true;
            release();
        },
    };
}
/**
 * Admits only when every admitter does, asking them in order (so the first limit's refusal wins, as the checks
 * always ran: capacity before per-IP). A refusal releases the leases already taken.
 */
export function allOf(admitters) {
    return {
        async admit(request) {
            const leases = [];
            for (const admitter of admitters) {
                const admission = await admitter.admit(request);
                if (!admission.ok) {
                    for (const lease of leases)
                        lease.release();
                    return admission;
                }
                leases.push(admission.lease);
            }
            return { ok: true, lease: leaseOf(() => leases.forEach((lease) => lease.release())) };
        },
    };
}
