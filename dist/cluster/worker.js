/**
 * A cluster worker: the same server as a single process, except that admission, `/health` and `/metrics` speak
 * for the whole server (the primary answers), and only the primary stops it: SIGTERM/SIGINT are ignored (they
 * reach the whole process group at once), the primary's drain order or its loss (the IPC channel closing) drains.
 */
import { remoteAdmitter } from '../admission/remote.js';
import { startServer } from '../app.js';
import { armExitDeadline, exitAfterLogs } from './exit.js';
import { readPlacement } from './messages.js';
import { PrimaryLink } from './primary-link.js';
import { ignoreShutdownSignals } from './signals.js';
/** Starts this worker's server; the process exits when the drain the primary ordered is done. */
export async function runWorker(config, options) {
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
        cluster: {
            workers: placement.workers,
            ...(placement.emulatorUrl === undefined ? {} : { emulatorUrl: placement.emulatorUrl }),
            status: () => link.ask({ kind: 'status' }),
            metricsText: () => link.ask({ kind: 'metrics' }),
            sessionsChanged: (count) => link.tell({ type: 'proxy:sessions', count }),
        },
    });
    link.tell({ type: 'proxy:listening', port: server.port });
    let stopping = false;
    let drained = false;
    const stop = (why) => {
        if (stopping)
            return;
        stopping = true;
        logger.info({ why }, 'worker draining');
        armExitDeadline(config.shutdownGraceMs, () => drained);
        server.close().then(() => {
            drained = true;
            exitAfterLogs(0);
        }, (error) => {
            logger.error({ err: error instanceof Error ? error.message : String(error) }, 'worker drain failed');
            exitAfterLogs(1);
        });
    };
    link.onDrain(() => stop('ordered by the primary'));
    // The primary is gone (killed): drain rather than be left serving as an orphan nobody supervises.
    process.once('disconnect', () => stop('the primary is gone'));
}
