/**
 * What SIGTERM and SIGINT mean to the process a supervisor started (the single server, or the cluster's primary).
 *
 * The first one starts the drain. The same signal often arrives twice at once: a terminal's Ctrl-C or a
 * supervisor signals the whole process group, and npm, which is in that group, forwards its own copy a few
 * milliseconds later. So a repeat within `DUPLICATE_WINDOW_MS` is the same request and is ignored. A SIGINT after
 * that is a deliberate second Ctrl-C: it ends the drain at once. A later SIGTERM changes nothing (supervisors
 * escalate with SIGKILL when their own timeout runs out).
 */
import type { EventEmitter } from 'node:events';

/** Repeats closer together than this are one request (npm forwards its copy within a few ms; measured 3 ms). */
export const DUPLICATE_WINDOW_MS = 500;

export interface ShutdownHandlers {
  /** Starts the graceful drain (called once). */
  drain(signal: NodeJS.Signals): void;
  /** Ends the drain at once (a deliberate second SIGINT). */
  force(signal: NodeJS.Signals): void;
  /** A repeat that was ignored, for the log. */
  ignored?(signal: NodeJS.Signals): void;
}

/** Installs the SIGTERM/SIGINT policy on `target` (the process); returns a function that removes it. */
export function onShutdownSignals(
  handlers: ShutdownHandlers,
  target: Pick<EventEmitter, 'on' | 'off'> = process,
  now: () => number = () => performance.now(),
): () => void {
  let drainStartedAt: number | undefined;
  const listener = (signal: NodeJS.Signals): void => {
    if (drainStartedAt === undefined) {
      drainStartedAt = now();
      handlers.drain(signal);
    } else if (signal === 'SIGINT' && now() - drainStartedAt >= DUPLICATE_WINDOW_MS) {
      handlers.force(signal);
    } else {
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
export function ignoreShutdownSignals(target: Pick<EventEmitter, 'on'> = process): void {
  const ignore = (): void => {};
  target.on('SIGTERM', ignore);
  target.on('SIGINT', ignore);
}
