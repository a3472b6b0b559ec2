/** Process entry point: load configuration (exit 1 listing every problem), start, drain on SIGTERM/SIGINT, exit 0. */
import 'dotenv/config';
import { loadConfig } from './config/index.js';
import { initAudio } from './audio/resampler.js';
import { createLogger, flushLogs } from './logger/index.js';
import { startServer } from './app.js';
import { createAuthenticator } from './auth/index.js';
import { createMetrics } from './metrics/index.js';
import { recorderFor } from './recorder/index.js';

/**
 * However the drain goes (a stuck disk, a dead log reader), the process exits this long after SHUTDOWN_GRACE_MS at
 * the latest: 0 if the drain had finished, 1 if not. A supervisor must never see a hung process.
 */
const EXIT_DEADLINE_MARGIN_MS = 3000;
/** Time given to the last log lines on the way out. */
const LOG_FLUSH_MS = 1000;

async function main(): Promise<void> {
  const result = loadConfig(process.env);
  if (!result.ok) {
    for (const problem of result.errors) process.stderr.write(`config: ${problem}\n`);
    process.exit(1);
  }
  const config = result.config;
  const logger = createLogger(config.logLevel);
  await initAudio();
  const metrics = createMetrics();
  const server = await startServer(config, {
    logger,
    metrics,
    authenticate: createAuthenticator(config.auth),
    createRecorder: recorderFor(config, { metrics, logger }),
  });
  logger.info({ url: server.url, page: `${server.httpUrl}/` }, 'ready');

  let stopping = false;
  let drained = false;
  const exit = (code: number): void => {
    void flushLogs(LOG_FLUSH_MS).then(() => process.exit(code));
  };
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(drained ? 0 : 1), config.shutdownGraceMs + EXIT_DEADLINE_MARGIN_MS);
    logger.info({ signal }, 'shutdown requested');
    server.close().then(
      () => {
        drained = true;
        exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error instanceof Error ? error.message : String(error) }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
