/** One pino root logger; sessions take a child with their `sessionId`. Keys and tokens are redacted. */
import { pino } from 'pino';
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
/** Creates the process's root logger writing JSON lines to `destination` (stdout by default). */
export function createLogger(level, destination) {
    return pino({
        level,
        base: { service: 'realtime-voice-proxy' },
        redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
        timestamp: pino.stdTimeFunctions.isoTime,
    }, destination);
}
