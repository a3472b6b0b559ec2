export const DEFAULT_BACKOFF = { firstMs: 250, maxMs: 30_000, stableMs: 30_000 };
export class RestartBackoff {
    settings;
    consecutive = 0;
    constructor(settings = DEFAULT_BACKOFF) {
        this.settings = settings;
    }
    /** The wait before replacing a worker that ran `ranMs` before it died. */
    delayAfter(ranMs) {
        this.consecutive = ranMs >= this.settings.stableMs ? 1 : this.consecutive + 1;
        return Math.min(this.settings.firstMs * 2 ** (this.consecutive - 1), this.settings.maxMs);
    }
}
