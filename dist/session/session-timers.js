/**
 * A session's clocks: the maximum duration (with a warning before it), the idle timeout, the upstream heartbeat
 * and the client-stall check. One object owns every timer so `stop()` releases them all at once.
 */
/** Warn 30 s before the end, or 10 % of the limit for short ones. */
export function expiryWarningMs(maxSessionMs) {
    return Math.min(30_000, Math.round(maxSessionMs * 0.1));
}
export class SessionTimers {
    settings;
    handlers;
    timers = [];
    idleTimer;
    lastActivity = Date.now();
    stopped = false;
    constructor(settings, handlers) {
        this.settings = settings;
        this.handlers = handlers;
        const warnMs = expiryWarningMs(settings.maxSessionMs);
        this.timers.push(setTimeout(() => handlers.onConnectTimeout(), settings.connectTimeoutMs));
        this.timers.push(setTimeout(() => handlers.onExpiryWarning(warnMs), settings.maxSessionMs - warnMs));
        this.timers.push(setTimeout(() => handlers.onExpired(), settings.maxSessionMs));
        this.timers.push(setInterval(() => handlers.onHeartbeat(), settings.heartbeatIntervalMs));
        this.timers.push(setInterval(() => handlers.onStallCheck(), settings.stallCheckMs));
        this.scheduleIdle(settings.idleTimeoutMs);
        for (const timer of this.timers)
            timer.unref();
    }
    /** Client activity: cheap on the audio hot path (a timestamp; the idle timer re-arms itself lazily). */
    touch(now = Date.now()) {
        this.lastActivity = now;
    }
    stop() {
        this.stopped = true;
        for (const timer of this.timers)
            clearTimeout(timer);
        this.timers.length = 0;
        clearTimeout(this.idleTimer);
    }
    scheduleIdle(delayMs) {
        this.idleTimer = setTimeout(() => {
            if (this.stopped)
                return;
            const idleFor = Date.now() - this.lastActivity;
            if (idleFor >= this.settings.idleTimeoutMs)
                this.handlers.onIdle();
            else
                this.scheduleIdle(this.settings.idleTimeoutMs - idleFor);
        }, delayMs);
        this.idleTimer.unref();
    }
}
