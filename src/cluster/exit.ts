/** How a serving process leaves: after its log lines are out, and never later than a hard deadline. */
import { flushLogs, type Logger } from '../logger/index.js';

/** Time given to the last log lines on the way out (a dead log reader must not hold up the exit). */
const LOG_FLUSH_MS = 1000;
/**
 * However the drain goes (a stuck disk, a dead log reader), a process exits this long after SHUTDOWN_GRACE_MS at
 * the latest. A supervisor must never see a hung process.
 */
const EXIT_DEADLINE_MARGIN_MS = 3000;

/** Exits with `code` once the log lines written so far are out (at most LOG_FLUSH_MS). */
export function exitAfterLogs(code: number): void {
  void flushLogs(LOG_FLUSH_MS).then(() => process.exit(code));
}

/**
 * Drains a serving process (`close()`: the server's drain) and exits: 0 once the drain is done, 1 if it failed,
 * and in any case by the hard deadline (0 if the drain had finished by then, else 1).
 */
export function drainThenExit(close: () => Promise<void>, graceMs: number, logger: Logger): void {
  let drained = false;
  setTimeout(() => process.exit(drained ? 0 : 1), graceMs + EXIT_DEADLINE_MARGIN_MS);
  close().then(
    () => {
      drained = true;
      exitAfterLogs(0);
    },
    (error: unknown) => {
      logger.error({ err: error instanceof Error ? error.message : String(error) }, 'drain failed');
      exitAfterLogs(1);
    },
  );
}
