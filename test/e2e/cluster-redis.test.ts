/**
 * WORKERS=2 and Redis together: the cluster's primary holds the instance's one Redis client and reserves for its
 * workers. A cluster and a single process share the per-IP limit; a worker that dies has its leases released at
 * once (the primary's lease book), a primary killed outright has them expire; a worker's /ready and /health report
 * the store as the primary sees it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { readyPort, startServerProcess, TSX_ENTRY, type ServerProcess } from '../helpers/server-process.js';
import { haveBinaries } from '../helpers/system-binaries.js';
import { TestClient, UpgradeRejected } from '../helpers/ws-client.js';

const LEASE_TTL_MS = 1500;
let redis: RedisServer | undefined;
const servers: ServerProcess[] = [];
const clients: TestClient[] = [];

async function start(env: Record<string, string>): Promise<{ s: ServerProcess; url: string; port: number }> {
  const s = startServerProcess(TSX_ENTRY, {
    REDIS_URL: redis?.url ?? '',
    REDIS_LEASE_TTL_MS: String(LEASE_TTL_MS),
    TRUST_PROXY: 'true',
    MAX_CONNECTIONS_PER_IP: '2',
    SHUTDOWN_GRACE_MS: '1000',
    ...env,
  });
  servers.push(s);
  const port = await readyPort(s, 30_000);
  return { s, url: `ws://127.0.0.1:${port}/`, port };
}

async function connect(url: string, ip: string): Promise<{ client: TestClient; sessionId: unknown }> {
  const client = await TestClient.connect(url, { headers: { 'X-Forwarded-For': ip } });
  clients.push(client);
  return { client, sessionId: (await client.waitForType('AIConnected', 10_000)).sessionId };
}

async function status(url: string, ip: string): Promise<number> {
  try {
    (await connect(url, ip)).client.close();
    return 101;
  } catch (error) {
    if (error instanceof UpgradeRejected) return error.status;
    throw error;
  }
}

async function eventually(probe: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const startedAt = Date.now();
  while (!(await probe())) {
    if (Date.now() - startedAt > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - startedAt;
}

describe.skipIf(!haveBinaries('redis-server'))('cluster mode with Redis', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const s of servers.splice(0)) s.kill();
    await redis?.close();
  });

  it('one primary reserves for both workers; a dead worker’s leases go at once, a killed primary’s within the lease lifetime', async () => {
    const cluster = await start({ WORKERS: '2' });
    const single = await start({});
    // A worker answers /ready with the store's state as the primary sees it.
    expect(await (await fetch(`http://127.0.0.1:${cluster.port}/ready`)).json()).toEqual({ ready: true, sharedStore: 'reachable' });
    expect(await (await fetch(`http://127.0.0.1:${cluster.port}/health`)).json()).toMatchObject({ sharedStore: 'reachable', workers: { running: 2 } });

    // Two sessions from one address on the cluster (one per worker), so the single process refuses a third.
    const first = await connect(cluster.url, '203.0.113.7');
    const second = await connect(cluster.url, '203.0.113.7');
    const workerOf = async (sessionId: unknown) => Number((await cluster.s.waitForLog((l) => l.msg === 'session opened' && l.sessionId === sessionId)).worker);
    expect(new Set([await workerOf(first.sessionId), await workerOf(second.sessionId)]).size).toBe(2);
    expect(await status(single.url, '203.0.113.7')).toBe(429);

    // A worker killed: the primary releases its lease in Redis at once (no wait for the lifetime).
    const victimSlot = await workerOf(first.sessionId);
    const victim = Number((await cluster.s.waitForLog((l) => l.msg === 'worker serving' && l.worker === victimSlot)).pid);
    process.kill(victim, 'SIGKILL');
    expect((await first.client.waitForClose()).code).toBe(1006);
    expect(await eventually(async () => (await status(single.url, '203.0.113.7')) === 101, LEASE_TTL_MS)).toBeLessThan(LEASE_TTL_MS);

    // The whole cluster killed (primary and workers): its lease expires with its lifetime.
    const held = await connect(single.url, '203.0.113.8');
    await connect(cluster.url, '203.0.113.8');
    expect(await status(single.url, '203.0.113.8')).toBe(429);
    cluster.s.kill();
    await cluster.s.exit;
    await eventually(async () => (await status(single.url, '203.0.113.8')) === 101, LEASE_TTL_MS + 1000);
    held.client.close();
  });
});
