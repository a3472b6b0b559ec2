/** How a serving process leaves: after its log lines are out, and never later than a hard deadline. */
import { flushLogs } from '../logger/index.js';

/** Time given to the last log lines on the way out (a dead log reader must not hold up the exit). */
const LOG_FLUSH_MS = 1000;
/**
 * However the drain goes (a stuck disk, a dead log reader), a process exits this long after SHUTDOWN_GRACE_MS at
 * the latest. A supervisor must never see a hung process.
 */
export const EXIT_DEADLINE_MARGIN_MS = 3000;

/** Exits with `code` once the log lines written so far are out (at most LOG_FLUSH_MS). */
export function exitAfterLogs(code: number): void {
  void flushLogs(LOG_FLUSH_MS).then(() => process.exit(code));
}

/** Arms the hard deadline of a drain: exit 0 if it had finished by then (`drained()`), else 1. */
export function armExitDeadline(graceMs: number, drained: () => boolean): void {
  setTimeout(() => process.exit(drained() ? 0 : 1), graceMs + EXIT_DEADLINE_MARGIN_MS);
}
