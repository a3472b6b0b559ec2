/**
 * The cluster's primary: forks WORKERS workers that share the listening port (Node's cluster module accepts each
 * connection and hands it to the next worker in turn), answers their questions (admission, status, metrics),
 * replaces a worker that dies (with crash-loop backoff, the others untouched), and on SIGTERM/SIGINT drains every
 * worker and exits 0 after the last. It serves no client itself. With UPSTREAM=local it runs the one emulator the
 * workers share, so a demo behaves the same with one worker or many.
 */
import cluster, { type Worker } from 'node:cluster';
import { Registry } from 'prom-client';
import { openAdmission } from '../admission/server-admission.js';
import type { Config } from '../config/index.js';
import { startBuiltInEmulator, type Emulator } from '../emulator/index.js';
import { serverUrls } from '../http/info.js';
import type { Logger } from '../logger/index.js';
import { exitAfterLogs } from './exit.js';
import { isWorkerMessage, PLACEMENT_ENV, type PrimaryMessage, type WorkerMessage, type WorkerPlacement } from './messages.js';
import { PrimaryDesk } from './primary-desk.js';
import { RestartBackoff } from './restart-backoff.js';
import { onShutdownSignals } from './signals.js';

interface Slot {
  readonly index: number;
  readonly backoff: RestartBackoff;
  worker?: Worker;
  forkedAt: number;
  serving: boolean;
  restartTimer?: NodeJS.Timeout;
}

/** Beyond SHUTDOWN_GRACE_MS, how long workers get to finish recordings and exit before they are killed. */
export const STOP_MARGIN_MS = 5000;
/** How long the primary waits for a worker's metrics (a scrape fails rather than show a partial sum). */
const COLLECT_TIMEOUT_MS = 4000;

/** Runs the primary until the cluster has stopped, then exits the process (0 after a clean drain). */
export async function runPrimary(config: Config, workers: number, logger: Logger): Promise<void> {
  const emulator: Emulator | undefined = config.upstream.kind === 'local' ? await startBuiltInEmulator(logger) : undefined;
  // The primary holds the one shared-store client of this instance: every admission already comes through it.
  const registry = new Registry();
  const admission = await openAdmission(config.limits, config.sharedStore, { logger, registry }, config.usage.budget);
  const desk = new PrimaryDesk(admission, workers, registry);
  const collector = new MetricsCollector();
  const slots = Array.from({ length: workers }, (_, index): Slot => ({ index, backoff: new RestartBackoff(), forkedAt: 0, serving: false }));
  let phase: 'starting' | 'serving' | 'draining' = 'starting';
  let exitCode = 0;

  const send = (worker: Worker, message: PrimaryMessage): void => {
    if (worker.isConnected()) worker.send(message);
  };
  const live = (): Worker[] => slots.flatMap((slot) => (slot.worker ? [slot.worker] : []));

  const fork = (slot: Slot): void => {
    slot.restartTimer = undefined;
    const placement: WorkerPlacement = { slot: slot.index, workers, ...(emulator ? { emulatorUrl: emulator.url } : {}) };
    const worker = cluster.fork({ [PLACEMENT_ENV]: JSON.stringify(placement) });
    slot.worker = worker;
    slot.forkedAt = Date.now();
    slot.serving = false;
    worker.on('message', (message: unknown) => {
      if (isWorkerMessage(message)) onMessage(slot, worker, message);
    });
    worker.on('exit', (code: number | null, signal: string | null) => onExit(slot, worker, code, signal));
    // A send racing the worker's death fails here; its exit is handled on 'exit'.
    worker.on('error', (error: Error) => logger.warn({ worker: slot.index, err: error.message }, 'worker channel error'));
    if (phase === 'draining') send(worker, { type: 'proxy:drain' });
  };

  const onMessage = (slot: Slot, worker: Worker, message: WorkerMessage): void => {
    switch (message.type) {
      case 'proxy:listening':
        slot.serving = true;
        desk.workerServing();
        logger.info({ worker: slot.index, pid: worker.process.pid }, 'worker serving');
        if (phase === 'starting' && slots.every((s) => s.serving)) {
          phase = 'serving';
          const { url, httpUrl } = serverUrls(config.host, message.port);
          logger.info({ url, page: `${httpUrl}/`, port: message.port, pid: process.pid, workers }, 'ready');
        }
        return;
      case 'proxy:ask': {
        const { id } = message;
        const collect = () => collector.collect(slots.flatMap((s) => (s.serving && s.worker ? [s.worker] : [])));
        desk.answer(worker.id, message.question, collect).then(
          (answer) => send(worker, { type: 'proxy:answer', id, answer }),
          (error: unknown) => send(worker, { type: 'proxy:failed', id, error: error instanceof Error ? error.message : String(error) }),
        );
        return;
      }
      case 'proxy:release':
        desk.release(worker.id, message.leaseId);
        return;
      case 'proxy:sessions':
        desk.sessionsChanged(slot.index, message.count);
        return;
      case 'proxy:collected':
        collector.received(message.id, message.metrics);
        return;
    }
  };

  const onExit = (slot: Slot, worker: Worker, code: number | null, signal: string | null): void => {
    const wasServing = slot.serving;
    slot.worker = undefined;
    slot.serving = false;
    desk.workerGone(worker.id, slot.index, wasServing);
    const fields = { worker: slot.index, pid: worker.process.pid, code, signal };
    if (phase === 'draining') {
      if (code !== 0) exitCode = 1;
      logger.info(fields, 'worker stopped');
      if (live().length === 0) void finish();
      return;
    }
    if (phase === 'starting' && !wasServing) {
      // Not a crash loop to wait out: the same configuration would fail again (a busy port, say).
      logger.error(fields, 'a worker failed to start; stopping');
      exitCode = 1;
      stop();
      return;
    }
    const ranMs = Date.now() - slot.forkedAt;
    const restartInMs = slot.backoff.delayAfter(ranMs);
    desk.workerRestarted();
    logger.error({ ...fields, ranMs, restartInMs }, 'worker died; replacing it');
    slot.restartTimer = setTimeout(() => fork(slot), restartInMs);
  };

  const stop = (): void => {
    phase = 'draining';
    for (const slot of slots) clearTimeout(slot.restartTimer);
    for (const worker of live()) send(worker, { type: 'proxy:drain' });
    if (live().length === 0) void finish();
    // A worker that has not finished well after the grace (stuck, or its IPC gone) is killed, so the stop ends.
    setTimeout(() => {
      if (live().length === 0) return;
      logger.error({ workers: live().length }, 'workers did not stop in time; killing them');
      exitCode = 1;
      for (const worker of live()) worker.process.kill('SIGKILL');
    }, config.shutdownGraceMs + STOP_MARGIN_MS).unref();
  };

  let finishing = false;
  const finish = async (): Promise<void> => {
    if (finishing) return;
    finishing = true;
    await admission.close();
    await emulator?.close();
    logger.info({ exitCode }, 'stopped');
    exitAfterLogs(exitCode);
  };

  onShutdownSignals({
    drain: (signal) => {
      logger.info({ signal, workers: live().length, graceMs: config.shutdownGraceMs }, 'shutdown requested: draining every worker');
      stop();
    },
    force: (signal) => {
      logger.warn({ signal }, 'second interrupt: stopping at once');
      for (const worker of live()) worker.process.kill('SIGKILL');
      exitAfterLogs(1);
    },
    ignored: (signal) => logger.info({ signal }, 'already draining'),
  });

  logger.info({ workers, pid: process.pid }, 'starting workers');
  for (const slot of slots) fork(slot);
}

/** Asks workers for their metrics and waits for every answer (or fails the scrape). */
class MetricsCollector {
  private nextId = 1;
  private readonly pending = new Map<number, (metrics: unknown[]) => void>();

  collect(workers: readonly Worker[]): Promise<unknown[][]> {
    return Promise.all(workers.map((worker) => this.collectOne(worker)));
  }

  received(id: number, metrics: unknown[]): void {
    this.pending.get(id)?.(metrics);
  }

  private collectOne(worker: Worker): Promise<unknown[]> {
    const id = this.nextId++;
    return new Promise<unknown[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`worker ${worker.id} did not report its metrics`));
      }, COLLECT_TIMEOUT_MS);
      this.pending.set(id, (metrics) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(metrics);
      });
      if (worker.isConnected()) worker.send({ type: 'proxy:collect', id } satisfies PrimaryMessage);
    });
  }
}
