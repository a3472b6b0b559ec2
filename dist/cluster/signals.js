/** Repeats closer together than this are one request (npm forwards its copy within a few ms; measured 3 ms). */
export const DUPLICATE_WINDOW_MS = 500;
/** Installs the SIGTERM/SIGINT policy on `target` (the process); returns a function that removes it. */
export function onShutdownSignals(handlers, target = process, now = () => performance.now()) {
    let drainStartedAt;
    const listener = (signal) => {
        if (drainStartedAt === undefined) {
            drainStartedAt = now();
            handlers.drain(signal);
        }
        else if (signal === 'SIGINT' && now() - drainStartedAt >= DUPLICATE_WINDOW_MS) {
            handlers.force(signal);
        }
        else {
            handlers.ignored?.(signal);
        }
    };
    target.on('SIGTERM', listener);
    target.on('SIGINT', listener);
    return () => {
        target.off('SIGTERM', listener);
        target.off('SIGINT', listener);
    };
}
/**
 * For cluster workers: SIGTERM and SIGINT do nothing. A terminal's Ctrl-C and systemd's stop signal reach every
 * process of the group at once; the primary alone decides, and tells each worker to drain over IPC.
 */
export function ignoreShutdownSignals(target = process) {
    const ignore = () => { };
    target.on('SIGTERM', ignore);
    target.on('SIGINT', ignore);
}
