/** One pino root logger; sessions take a child with their `sessionId`. Keys and tokens are redacted. */
import { pino } from 'pino';
import type { Logger, LevelWithSilent } from 'pino';
import { FdDestination } from './fd-destination.js';

export type { Logger };

/** Paths that may hold a secret anywhere in a log record. */
const REDACTED_PATHS = [
  'apiKey',
  'token',
  'authorization',
  'headers.authorization',
  'headers["api-key"]',
  'headers["sec-websocket-protocol"]',
  'req.headers.authorization',
  'req.headers["sec-websocket-protocol"]',
  '*.apiKey',
  '*.token',
  '*.authorization',
];

/** Standard output, created on first use: one per process, shared by every logger that writes there. */
let stdout: FdDestination | undefined;

/** The `service` field of every line, unless a process names itself otherwise (the standalone emulator does). */
const PROXY_SERVICE = 'realtime-voice-proxy';

/** Creates the process's root logger writing JSON lines to `destination` (stdout by default, never blocking). */
export function createLogger(level: LevelWithSilent, destination?: pino.DestinationStream, service = PROXY_SERVICE): Logger {
  return pino(
    {
      level,
      base: { service },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? (stdout ??= new FdDestination(1)),
  );
}

/**
 * Before `process.exit`: waits until the log lines written to stdout are out, at most `timeoutMs` (a reader that
 * stalls or died must not hold up the exit).
 */
export function flushLogs(timeoutMs: number): Promise<void> {
  return stdout?.flush(timeoutMs) ?? Promise.resolve();
}
