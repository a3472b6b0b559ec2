/**
 * A cluster worker: the same server as a single process, except that admission, `/health` and `/metrics` speak
 * for the whole server (the primary answers), and only the primary stops it: SIGTERM/SIGINT are ignored (they
 * reach the whole process group at once) and the primary's drain order drains.
 */
import { remoteAdmitter } from '../admission/remote.js';
import { startServer, type ServerOptions } from '../app.js';
import type { Config } from '../config/index.js';
import type { Metrics } from '../metrics/index.js';
import { drainThenExit } from './exit.js';
import { readPlacement } from './messages.js';
import { PrimaryLink } from './primary-link.js';
import { ignoreShutdownSignals } from './signals.js';

/** Starts this worker's server; the process exits when the drain the primary ordered is done. */
export async function runWorker(config: Config, options: Omit<ServerOptions, 'admitter' | 'cluster'> & { metrics: Metrics }): Promise<void> {
  ignoreShutdownSignals();
  const placement = readPlacement(process.env);
  const link = new PrimaryLink();
  const { metrics, logger } = options;
  link.onCollect(() => metrics.registry.getMetricsAsJSON());
  const server = await startServer(config, {
    ...options,
    admitter: remoteAdmitter({
      admit: (request) => link.ask({ kind: 'admit', request }),
      release: (leaseId) => link.tell({ type: 'proxy:release', leaseId }),
    }),
    ...(placement.emulatorUrl === undefined ? {} : { localUpstreamUrl: placement.emulatorUrl }),
    // The primary keeps the spend (in Redis, or in its memory), so a budget holds across the workers.
    ...(config.usage.budget === null
      ? {}
      : { budget: { charge: (userId, spend) => link.ask({ kind: 'charge', userId, spend }).catch(() => 'unavailable' as const) } }),
    cluster: {
      workers: placement.workers,
      status: () => link.ask({ kind: 'status' }),
      metricsText: () => link.ask({ kind: 'metrics' }),
      sessionsChanged: (count) => link.tell({ type: 'proxy:sessions', count }),
    },
  });
  link.tell({ type: 'proxy:listening', port: server.port });

  let stopping = false;
  const stop = (why: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ why }, 'worker draining');
    drainThenExit(() => server.close(), config.shutdownGraceMs, logger);
  };
  // If the primary itself dies, Node's cluster module ends the worker at once (no orphan is ever left serving).
  link.onDrain(() => stop('ordered by the primary'));
}
