/**
 * What the primary knows about the whole server and answers its workers with: the connection counts (one lease
 * book for MAX_CONNECTIONS and MAX_CONNECTIONS_PER_IP server-wide), the session count of each worker, the
 * aggregated metrics, and the primary's own metrics (restarts, workers serving).
 */
import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';
import { createLocalAdmitter } from '../admission/local.js';
import { LeaseBook } from '../admission/remote.js';
export class PrimaryDesk {
    configured;
    startedAt;
    leases;
    /** Sessions per worker slot, as each worker last reported. */
    sessions = new Map();
    registry = new Registry();
    restarts = new Counter({
        name: 'audio_proxy_worker_restarts_total',
        help: 'Workers that died and were replaced (crashes, kills, unexpected exits).',
        registers: [this.registry],
    });
    running = new Gauge({ name: 'audio_proxy_workers_running', help: 'Workers serving now.', registers: [this.registry] });
    workerSessions = new Gauge({
        name: 'audio_proxy_worker_sessions_active',
        help: 'Client sessions open now, per worker slot (shows an uneven spread; the total is audio_proxy_sessions_active).',
        labelNames: ['worker'],
        registers: [this.registry],
    });
    serving = 0;
    constructor(limits, configured, startedAt = Date.now()) {
        this.configured = configured;
        this.startedAt = startedAt;
        this.leases = new LeaseBook(createLocalAdmitter(limits));
        for (let slot = 0; slot < configured; slot += 1)
            this.sessionsChanged(slot, 0);
    }
    /**
     * Answers a worker's question (`workerId` owns the leases it is granted). `collect` gathers the metrics of every
     * serving worker, as `registry.getMetricsAsJSON()` gives them.
     */
    async answer(workerId, question, collect) {
        switch (question.kind) {
            case 'admit':
                return this.leases.admit(workerId, question.request);
            case 'status':
                return this.status();
            case 'metrics': {
                // prom-client's cluster aggregation: counters, histograms and gauges summed (sessions_active is the
                // total), process metrics by their own rule (event-loop lag averaged, its max the max).
                const metrics = [...(await collect()), await this.registry.getMetricsAsJSON()];
                return AggregatorRegistry.aggregate(metrics).metrics();
            }
        }
    }
    release(workerId, leaseId) {
        this.leases.release(workerId, leaseId);
    }
    sessionsChanged(slot, count) {
        this.sessions.set(slot, count);
        this.workerSessions.set({ worker: String(slot) }, count);
    }
    workerServing() {
        this.running.set(++this.serving);
    }
    /** A worker has gone: its leases are released and its sessions no longer counted. */
    workerGone(workerId, slot, wasServing) {
        this.leases.releaseAll(workerId);
        this.sessionsChanged(slot, 0);
        if (wasServing)
            this.running.set(--this.serving);
    }
    workerRestarted() {
        this.restarts.inc();
    }
    status() {
        let activeSessions = 0;
        for (const count of this.sessions.values())
            activeSessions += count;
        return { activeSessions, startedAt: this.startedAt, workers: { running: this.serving, configured: this.configured } };
    }
}
