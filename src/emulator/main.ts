/** `npm run emulator`: the realtime emulator as a standalone server (see docs/emulator.md). */
import { createLogger, flushLogs } from '../logger/index.js';
import { readEmulatorConfig } from './config.js';
import { createEmulator } from './server.js';

const result = readEmulatorConfig(process.env);
if (!result.ok) {
  for (const problem of result.problems) process.stderr.write(`emulator: ${problem}\n`);
  process.exit(1);
}
// Its own service name: the emulator's lines must not pass for the proxy's in a shared log store.
const logger = createLogger(result.config.logLevel, undefined, 'realtime-api-emulator');
const emulator = await createEmulator({ ...result.config.options, logger });
logger.info({ url: emulator.url, loopback: result.config.options.loopback ?? false }, 'emulator ready');

/** Time given to the last log lines on the way out (a dead log reader must not hold up the exit). */
const LOG_FLUSH_MS = 500;
let stopping = false;
const stop = (signal: NodeJS.Signals): void => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'emulator stopping');
  emulator.close().then(
    () => void flushLogs(LOG_FLUSH_MS).then(() => process.exit(0)),
    (error: unknown) => {
      logger.error({ err: error }, 'emulator failed to stop cleanly');
      void flushLogs(LOG_FLUSH_MS).then(() => process.exit(1));
    },
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
