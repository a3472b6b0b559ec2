/**
 * Shared limits against a real redis-server: two admitters stand for two instances sharing one store. The limits
 * hold across them, a dead instance's leases expire within their lifetime while a live one's are renewed, and an
 * unreachable store is handled by the failure mode, then used again when it is back.
 */
import { createClient } from '@redis/client';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Admission, Admitter } from '../../src/admission/index.js';
import { createSharedAdmitter, type SharedAdmitter, type SharedLimits } from '../../src/admission/shared.js';
import { createLogger } from '../../src/logger/index.js';
import { SharedStore } from '../../src/shared-store/index.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { haveBinaries } from '../helpers/system-binaries.js';

const TTL_MS = 600;
let redis: RedisServer;
let prefixCount = 0;
const opened: { store: SharedStore; admitter: SharedAdmitter }[] = [];

/** One instance: its own store connection and admitter, under the test's key prefix. */
async function instance(prefix: string, limits: Partial<SharedLimits> = {}) {
  const store = new SharedStore({ url: redis.url, keyPrefix: prefix, failureMode: limits.failureMode ?? 'open' }, createLogger('silent'), new Registry());
  await store.connected();
  const admitter = createSharedAdmitter(store, { maxConnectionsPerIp: 2, maxSessionsPerUser: 0, leaseTtlMs: TTL_MS, failureMode: 'open', ...limits });
  opened.push({ store, admitter });
  return { store, admitter };
}

const ok = (admission: Admission) => {
  if (!admission.ok) throw new Error(`refused: ${admission.status}`);
  return admission.lease;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Admits until refused (at most `max` tries); returns how many were admitted. */
async function admitAll(admitter: Admitter, request: { ip: string; userId?: string }, max = 10): Promise<number> {
  for (let n = 0; n < max; n += 1) if (!(await admitter.admit(request)).ok) return n;
  return max;
}

describe.skipIf(!haveBinaries('redis-server'))('shared limits in Redis', () => {
  let prefix = '';
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.close();
  });
  afterEach(async () => {
    for (const { store, admitter } of opened.splice(0)) {
      admitter.close();
      await store.close();
    }
  });
  const fresh = () => (prefix = `t${++prefixCount}:`);

  it('the per-IP limit holds across instances; a release frees the place for either', async () => {
    fresh();
    const a = await instance(prefix);
    const b = await instance(prefix);
    const first = ok(await a.admitter.admit({ ip: '203.0.113.1' }));
    ok(await b.admitter.admit({ ip: '203.0.113.1' }));
    expect(await a.admitter.admit({ ip: '203.0.113.1' })).toMatchObject({ ok: false, status: 429, reason: 'capacity' });
    expect(await b.admitter.admit({ ip: '203.0.113.1' })).toMatchObject({ ok: false, status: 429 });
    ok(await b.admitter.admit({ ip: '203.0.113.2' }));
    first.release();
    first.release();
    await sleep(50);
    ok(await b.admitter.admit({ ip: '203.0.113.1' }));
    expect(await a.admitter.admit({ ip: '203.0.113.1' })).toMatchObject({ ok: false, status: 429 });
  });

  it('the per-user limit holds across instances and addresses; a refusal takes no place under the address', async () => {
    fresh();
    const a = await instance(prefix, { maxSessionsPerUser: 2, maxConnectionsPerIp: 5 });
    const b = await instance(prefix, { maxSessionsPerUser: 2, maxConnectionsPerIp: 5 });
    ok(await a.admitter.admit({ ip: '198.51.100.1', userId: 'alice' }));
    ok(await b.admitter.admit({ ip: '198.51.100.2', userId: 'alice' }));
    expect(await a.admitter.admit({ ip: '198.51.100.3', userId: 'alice' })).toMatchObject({ ok: false, status: 429, reason: 'per_user' });
    ok(await a.admitter.admit({ ip: '198.51.100.3', userId: 'bob' }));
    // Alice's refusal at .3 took nothing: four more fit there (5 per address, bob holds one).
    expect(await admitAll(b.admitter, { ip: '198.51.100.3' })).toBe(4);
    // Without a user (no signed token) only the address counts.
    expect(await admitAll(a.admitter, { ip: '198.51.100.4' })).toBe(5);
  });

  it('a dead instance’s leases expire within their lifetime; a live instance’s are renewed and keep counting', async () => {
    fresh();
    const live = await instance(prefix, { maxConnectionsPerIp: 2 });
    const dead = await instance(prefix, { maxConnectionsPerIp: 2 });
    ok(await live.admitter.admit({ ip: '192.0.2.1' }));
    ok(await dead.admitter.admit({ ip: '192.0.2.1' }));
    dead.admitter.close(); // no more renewals: what a kill -9 leaves behind
    const killedAt = Date.now();
    expect(await live.admitter.admit({ ip: '192.0.2.1' })).toMatchObject({ ok: false, status: 429 });
    let freedAfter = -1;
    while (Date.now() - killedAt < 3 * TTL_MS) {
      const admission = await live.admitter.admit({ ip: '192.0.2.1' });
      if (admission.ok) {
        freedAfter = Date.now() - killedAt;
        break;
      }
      await sleep(20);
    }
    expect(freedAfter).toBeGreaterThan(0);
    expect(freedAfter).toBeLessThanOrEqual(TTL_MS + 100);
    // Three lifetimes on, the live instance's two leases still fill the address.
    await sleep(2 * TTL_MS);
    expect(await live.admitter.admit({ ip: '192.0.2.1' })).toMatchObject({ ok: false, status: 429 });
  });

  it('store unreachable: open admits, closed refuses with 503; back again, it is used without a restart and the outage’s leases count', async () => {
    fresh();
    const open = await instance(prefix, { maxConnectionsPerIp: 2, failureMode: 'open' });
    const closed = await instance(prefix, { maxConnectionsPerIp: 2, failureMode: 'closed' });
    await redis.stop();
    const during = ok(await open.admitter.admit({ ip: '192.0.2.9' }));
    ok(await open.admitter.admit({ ip: '192.0.2.9' }));
    expect(await closed.admitter.admit({ ip: '192.0.2.10' })).toMatchObject({ ok: false, status: 503, reason: 'store_unavailable' });
    expect(open.store.reachable).toBe(false);
    await redis.start();
    // The clients reconnect by themselves; the open instance's renewal puts back the leases it took meanwhile.
    for (const deadline = Date.now() + 5000; !(open.store.reachable && closed.store.reachable) && Date.now() < deadline; ) await sleep(50);
    await sleep(TTL_MS / 2);
    expect(await closed.admitter.admit({ ip: '192.0.2.9' })).toMatchObject({ ok: false, status: 429 });
    during.release();
    // release() sends its command without waiting for it: wait for the freed place (bounded), not a fixed 50 ms,
    // which a loaded machine outran (429).
    let after = await closed.admitter.admit({ ip: '192.0.2.9' });
    for (const deadline = Date.now() + 2000; !after.ok && Date.now() < deadline; after = await closed.admitter.admit({ ip: '192.0.2.9' })) {
      await sleep(20);
    }
    ok(after);
  });

  it('the keys are under the prefix and leave the store with their last lease', async () => {
    fresh();
    const a = await instance(prefix, { maxSessionsPerUser: 1 });
    const lease = ok(await a.admitter.admit({ ip: '192.0.2.20', userId: 'carol' }));
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      expect((await client.keys(`${prefix}*`)).sort()).toEqual([`${prefix}ip:192.0.2.20`, `${prefix}user:carol`]);
      const ttl = await client.pTTL(`${prefix}ip:192.0.2.20`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(TTL_MS);
      lease.release();
      await sleep(50);
      expect(await client.zCard(`${prefix}ip:192.0.2.20`)).toBe(0);
      a.admitter.close();
      await sleep(TTL_MS + 100);
      expect(await client.keys(`${prefix}*`)).toEqual([]);
    } finally {
      await client.close();
    }
  });
});
