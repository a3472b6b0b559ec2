/**
 * Process entry point: load configuration (exit 1 listing every problem), then run as one process (WORKERS=1), as
 * a cluster's primary (WORKERS>1 or auto), or as one of its workers. SIGTERM/SIGINT to the process a supervisor
 * started drain it (src/cluster/signals.ts) and it exits 0.
 */
import 'dotenv/config';
import cluster from 'node:cluster';
import type { ServerOptions } from './app.js';
import { availableCpus } from './cluster/cpus.js';
import { drainThenExit, exitAfterLogs } from './cluster/exit.js';
import { readPlacement } from './cluster/messages.js';
import { onShutdownSignals } from './cluster/signals.js';
import { loadConfig, type Config } from './config/index.js';
import { createLogger, type Logger } from './logger/index.js';
import type { Metrics } from './metrics/index.js';

async function main(): Promise<void> {
  const result = loadConfig(process.env);
  if (!result.ok) {
    for (const problem of result.errors) process.stderr.write(`config: ${problem}\n`);
    process.exit(1);
  }
  const config = result.config;
  const logger = createLogger(config.logLevel);
  try {
    if (cluster.isWorker) {
      const { runWorker } = await import('./cluster/worker.js');
      await runWorker(config, await serverOptions(config, logger.child({ worker: readPlacement(process.env).slot })));
      return;
    }
    const workers = config.workers === 'auto' ? availableCpus() : config.workers;
    if (workers > 1) {
      // The primary serves no client: it loads neither the session code nor the audio code.
      const { runPrimary } = await import('./cluster/primary.js');
      await runPrimary(config, workers, logger);
      return;
    }
    await runSingleProcess(config, logger);
  } catch (error) {
    process.stderr.write(`${describeStartupFailure(error, config)}\n`);
    process.exit(1);
  }
}

/** WORKERS=1: this process serves every client (and runs the built-in emulator for UPSTREAM=local). */
async function runSingleProcess(config: Config, logger: Logger): Promise<void> {
  const [{ startServer }, { openAdmission }] = await Promise.all([import('./app.js'), import('./admission/server-admission.js')]);
  const emulator = config.upstream.kind === 'local' ? await (await import('./emulator/index.js')).startBuiltInEmulator(logger) : undefined;
  const options = await serverOptions(config, logger);
  const admission = await openAdmission(config.limits, config.sharedStore, { logger, registry: options.metrics.registry }, config.usage.budget);
  const { admitter, storeHealth, budget } = admission;
  const server = await startServer(config, {
    ...options,
    admitter,
    ...(storeHealth === undefined ? {} : { storeHealth }),
    ...(budget === undefined ? {} : { budget }),
    ...(emulator === undefined ? {} : { localUpstreamUrl: emulator.url }),
  });
  // The sessions' leases are released as they close; the store's connection and the emulator go after the last.
  const stop = async (): Promise<void> => {
    await server.close();
    await admission.close();
    await emulator?.close();
  };
  onShutdownSignals({
    drain: (signal) => {
      logger.info({ signal }, 'shutdown requested');
      drainThenExit(stop, config.shutdownGraceMs, logger);
    },
    force: (signal) => {
      logger.warn({ signal }, 'second interrupt: stopping at once');
      exitAfterLogs(1);
    },
    ignored: (signal) => logger.info({ signal }, 'already draining'),
  });
  // Only now: until the handlers are on, SIGTERM's default action would end the process without a drain, and
  // supervisors and tests take 'ready' to mean a signal will be handled (as the cluster's primary does).
  logger.info({ url: server.url, page: `${server.httpUrl}/`, port: server.port, pid: process.pid, workers: 1 }, 'ready');
}

/** What a serving process needs besides the configuration: audio tables, metrics, auth, recording. */
async function serverOptions(config: Config, logger: Logger): Promise<ServerOptions & { metrics: Metrics }> {
  const [{ initAudio }, { createMetrics }, { createAuthenticator, createTokenChecker }, { recorderFor }] = await Promise.all([
    import('./audio/resampler.js'),
    import('./metrics/index.js'),
    import('./auth/index.js'),
    import('./recorder/index.js'),
  ]);
  await initAudio();
  const metrics = createMetrics();
  const checkToken = createTokenChecker(config.auth);
  return {
    logger,
    metrics,
    authenticate: createAuthenticator(config.auth),
    ...(checkToken === undefined ? {} : { checkToken }),
    createRecorder: recorderFor(config, { metrics, logger }),
  };
}

/** A failure to start, in words an operator can act on; a stack trace only for what nobody foresaw. */
function describeStartupFailure(error: unknown, { port, host }: Config): string {
  switch ((error as NodeJS.ErrnoException | undefined)?.code) {
    case 'EADDRINUSE':
      return `error: port ${port} on ${host} is already in use. Stop the other server, or set PORT to a free port (PORT=0 picks one).`;
    case 'EACCES':
      return `error: no permission to listen on port ${port}. Ports below 1024 need root or CAP_NET_BIND_SERVICE; set PORT to 1024 or above.`;
    case 'EADDRNOTAVAIL':
      return `error: HOST ${host} is not an address of this machine. Set HOST to one of its addresses, or 0.0.0.0 for all.`;
    default:
      return `fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
