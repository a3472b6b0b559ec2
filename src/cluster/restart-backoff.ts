/**
 * Crash-loop backoff for one worker slot: the first crash after a stable run restarts quickly; each further crash
 * of a worker that did not stay up doubles the wait, up to a ceiling. A bad deploy therefore costs a few restarts
 * a minute, not a tight fork loop that starves the workers still serving.
 */
export interface BackoffSettings {
  readonly firstMs: number;
  readonly maxMs: number;
  /** A worker that ran at least this long before it died is not part of a loop: the wait starts over. */
  readonly stableMs: number;
}

const DEFAULT_BACKOFF: BackoffSettings = { firstMs: 250, maxMs: 30_000, stableMs: 30_000 };

export class RestartBackoff {
  private consecutive = 0;

  constructor(private readonly settings: BackoffSettings = DEFAULT_BACKOFF) {}

  /** The wait before replacing a worker that ran `ranMs` before it died. */
  delayAfter(ranMs: number): number {
    this.consecutive = ranMs >= this.settings.stableMs ? 1 : this.consecutive + 1;
    return Math.min(this.settings.firstMs * 2 ** (this.consecutive - 1), this.settings.maxMs);
  }
}
