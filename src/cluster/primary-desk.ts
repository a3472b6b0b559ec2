/**
 * What the primary knows about the whole server and answers its workers with: the connection counts (one lease
 * book for MAX_CONNECTIONS and MAX_CONNECTIONS_PER_IP server-wide), the session count of each worker, the
 * aggregated metrics, and the primary's own metrics (restarts, workers serving).
 */
import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';
import { LeaseBook } from '../admission/remote.js';
import type { ServerAdmission } from '../admission/server-admission.js';
import type { ServerStatus } from '../http/routes.js';
import type { Answers, Question } from './messages.js';

export class PrimaryDesk {
  private readonly leases: LeaseBook;
  /** Sessions per worker slot, as each worker last reported. */
  private readonly sessions = new Map<number, number>();
  private readonly restarts: Counter;
  private readonly running: Gauge;
  private readonly workerSessions: Gauge;
  private serving = 0;

  /** `registry` holds the primary's own metrics (the shared store's among them). */
  constructor(
    private readonly admission: Pick<ServerAdmission, 'admitter' | 'storeHealth' | 'budget'>,
    private readonly configured: number,
    private readonly registry = new Registry(),
    private readonly startedAt = Date.now(),
  ) {
    this.leases = new LeaseBook(admission.admitter);
    const registers = [registry];
    this.restarts = new Counter({
      name: 'audio_proxy_worker_restarts_total',
      help: 'Workers that died and were replaced (crashes, kills, unexpected exits).',
      registers,
    });
    this.running = new Gauge({ name: 'audio_proxy_workers_running', help: 'Workers serving now.', registers });
    this.workerSessions = new Gauge({
      name: 'audio_proxy_worker_sessions_active',
      help: 'Client sessions open now, per worker slot (shows an uneven spread; the total is audio_proxy_sessions_active).',
      labelNames: ['worker'],
      registers,
    });
    for (let slot = 0; slot < configured; slot += 1) this.sessionsChanged(slot, 0);
  }

  /**
   * Answers a worker's question (`workerId` owns the leases it is granted). `collect` gathers the metrics of every
   * serving worker, as `registry.getMetricsAsJSON()` gives them.
   */
  async answer(workerId: number, question: Question, collect: () => Promise<unknown[][]>): Promise<Answers[keyof Answers]> {
    switch (question.kind) {
      case 'admit':
        return this.leases.admit(workerId, question.request);
      case 'status':
        return this.status();
      case 'charge':
        // One figure per user for the whole instance, whichever worker serves the session.
        return this.admission.budget?.charge(question.userId, question.spend) ?? 'ok';
      case 'metrics': {
        // prom-client's cluster aggregation: counters, histograms and gauges summed (sessions_active is the
        // total), process metrics by their own rule (event-loop lag averaged, its max the max).
        const metrics = [...(await collect()), await this.registry.getMetricsAsJSON()];
        return AggregatorRegistry.aggregate(metrics).metrics();
      }
    }
  }

  release(workerId: number, leaseId: number): void {
    this.leases.release(workerId, leaseId);
  }

  sessionsChanged(slot: number, count: number): void {
    this.sessions.set(slot, count);
    this.workerSessions.set({ worker: String(slot) }, count);
  }

  workerServing(): void {
    this.running.set(++this.serving);
  }

  /** A worker has gone: its leases are released and its sessions no longer counted. */
  workerGone(workerId: number, slot: number, wasServing: boolean): void {
    this.leases.releaseAll(workerId);
    this.sessionsChanged(slot, 0);
    if (wasServing) this.running.set(--this.serving);
  }

  workerRestarted(): void {
    this.restarts.inc();
  }

  status(): ServerStatus {
    let activeSessions = 0;
    for (const count of this.sessions.values()) activeSessions += count;
    const store = this.admission.storeHealth?.();
    return {
      activeSessions,
      startedAt: this.startedAt,
      workers: { running: this.serving, configured: this.configured },
      ...(store === undefined ? {} : { sharedStore: store }),
    };
  }
}
