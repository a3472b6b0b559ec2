/** Per-session rate decisions: the control-message limit and a burst counter for upstream fault storms. */
/**
 * Token bucket for client control messages: `perSecond` sustained, bursts up to twice that. A message over the
 * limit is dropped; the first of a run is `limited` (tell the client once), the rest `dropped` (silently). Every
 * dropped message adds to a debt that drains at the same rate; when the debt passes another burst's worth the
 * client has kept going after being told, and the answer is `exceeded` (close the session).
 */
export class ControlRateLimiter {
    perSecond;
    capacity;
    tokens;
    debt = 0;
    last;
    inRun = false;
    constructor(perSecond, now = Date.now()) {
        this.perSecond = perSecond;
        this.capacity = perSecond * 2;
        this.tokens = this.capacity;
        this.last = now;
    }
    take(now = Date.now()) {
        const refill = ((now - this.last) / 1000) * this.perSecond;
        this.last = now;
        this.tokens = Math.min(this.capacity, this.tokens + refill);
        this.debt = Math.max(0, this.debt - refill);
        if (this.tokens >= 1) {
            this.tokens -= 1;
            this.inRun = false;
            return 'ok';
        }
        this.debt += 1;
        if (this.debt > this.capacity)
            return 'exceeded';
        if (this.inRun)
            return 'dropped';
        this.inRun = true;
        return 'limited';
    }
}
/** Counts events in a sliding window; `add` answers true once more than `limit` fell within `windowMs`. */
export class BurstCounter {
    limit;
    windowMs;
    times = [];
    constructor(limit, windowMs) {
        this.limit = limit;
        this.windowMs = windowMs;
    }
    add(now = Date.now()) {
        this.times.push(now);
        while (this.times.length > 0 && (this.times[0] ?? now) <= now - this.windowMs)
            this.times.shift();
        // The array never holds more than limit + 1 entries: the caller ends the session at the first true.
        if (this.times.length > this.limit + 1)
            this.times.shift();
        return this.times.length > this.limit;
    }
}
