/** Process entry point: load configuration (exit 1 listing every problem), start, drain on SIGTERM/SIGINT, exit 0. */
import 'dotenv/config';
import { loadConfig } from './config/index.js';
import { initAudio } from './audio/resampler.js';
import { createLogger } from './logger/index.js';
import { startServer } from './app.js';
import { createAuthenticator } from './auth/index.js';
import { createMetrics } from './metrics/index.js';
import { recorderFor } from './recorder/index.js';

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
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutdown requested');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error instanceof Error ? error.message : String(error) }, 'shutdown failed');
        process.exit(1);
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
