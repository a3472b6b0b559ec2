/**
 * A session's clocks: the maximum duration (with a warning before it), the idle timeout and the client-stall check.
 * One object owns every timer so `stop()` releases them all at once. (An upstream connection's clocks, its handshake
 * deadline and heartbeat, live and die with it: `UpstreamLink`.)
 */

export interface SessionTimerSettings {
  readonly maxSessionMs: number;
  readonly idleTimeoutMs: number;
  /** How often the client's send buffer is looked at. */
  readonly stallCheckMs: number;
}

export interface SessionTimerHandlers {
  /** A little before the maximum duration: `graceMs` are left. */
  onExpiryWarning(graceMs: number): void;
  onExpired(): void;
  /** Nothing arrived from the client for `idleTimeoutMs`. */
  onIdle(): void;
  onStallCheck(): void;
}

/** Warn 30 s before the end, or 10 % of the limit for short ones. */
export function expiryWarningMs(maxSessionMs: number): number {
  return Math.min(30_000, Math.round(maxSessionMs * 0.1));
}

export class SessionTimers {
  private readonly timers: NodeJS.Timeout[] = [];
  private idleTimer: NodeJS.Timeout | undefined;
  private lastActivity = Date.now();
  private stopped = false;

  constructor(
    private readonly settings: SessionTimerSettings,
    private readonly handlers: SessionTimerHandlers,
  ) {
    const warnMs = expiryWarningMs(settings.maxSessionMs);
    this.timers.push(setTimeout(() => handlers.onExpiryWarning(warnMs), settings.maxSessionMs - warnMs));
    this.timers.push(setTimeout(() => handlers.onExpired(), settings.maxSessionMs));
    this.timers.push(setInterval(() => handlers.onStallCheck(), settings.stallCheckMs));
    this.scheduleIdle(settings.idleTimeoutMs);
    for (const timer of this.timers) timer.unref();
  }

  /** Client activity: cheap on the audio hot path (a timestamp; the idle timer re-arms itself lazily). */
  touch(now = Date.now()): void {
    this.lastActivity = now;
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.length = 0;
    clearTimeout(this.idleTimer);
  }

  private scheduleIdle(delayMs: number): void {
    this.idleTimer = setTimeout(() => {
      if (this.stopped) return;
      const idleFor = Date.now() - this.lastActivity;
      if (idleFor >= this.settings.idleTimeoutMs) this.handlers.onIdle();
      else this.scheduleIdle(this.settings.idleTimeoutMs - idleFor);
    }, delayMs);
    this.idleTimer.unref();
  }
}
