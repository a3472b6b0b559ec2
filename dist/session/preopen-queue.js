export class PreopenQueue {
    limitMs;
    items = [];
    heldMs = 0;
    constructor(limitMs) {
        this.limitMs = limitMs;
    }
    /**
     * Holds `ms` of client audio (`data` is its upstream form, possibly empty while a resampler fills); returns false,
     * holding nothing, when it would pass the limit.
     */
    holdAudio(data, ms) {
        if (this.heldMs + ms > this.limitMs)
            return false;
        this.heldMs += ms;
        if (data.length > 0)
            this.items.push({ kind: 'audio', data });
        return true;
    }
    holdMessage(message) {
        this.items.push({ kind: 'message', message });
    }
    holdSessionUpdate() {
        this.items.push({ kind: 'session_update' });
    }
    get hasSessionUpdate() {
        return this.items.some((item) => item.kind === 'session_update');
    }
    /** Everything held, in order; the queue is empty afterwards. */
    takeAll() {
        const items = this.items;
        this.items = [];
        this.heldMs = 0;
        return items;
    }
}
