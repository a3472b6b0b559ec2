/**
 * The admission a serving process opens: without REDIS_URL the in-process counts alone (nothing touches a store);
 * with it, the in-process counts first (MAX_CONNECTIONS is never shared), then the shared ones, and the store's
 * state for /ready.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdmission } from '../../src/admission/server-admission.js';
import { createLogger } from '../../src/logger/index.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { haveBinaries } from '../helpers/system-binaries.js';

const deps = () => ({ logger: createLogger('silent'), registry: new Registry() });

describe('openAdmission', () => {
  it('REDIS_URL unset: in-process counts only, no store state, no store metrics', async () => {
    const registry = new Registry();
    const admission = await openAdmission({ maxConnections: 1, maxConnectionsPerIp: 5 }, null, { logger: createLogger('silent'), registry });
    expect(admission.storeHealth).toBeUndefined();
    expect(await admission.admitter.admit({ ip: '10.0.0.1' })).toMatchObject({ ok: true });
    expect(await admission.admitter.admit({ ip: '10.0.0.2' })).toMatchObject({ ok: false, status: 503, reason: 'capacity' });
    expect(await registry.getMetricsAsJSON()).toEqual([]);
    await admission.close();
  });

  describe.skipIf(!haveBinaries('redis-server'))('with Redis', () => {
    let redis: RedisServer;
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(async () => {
      await redis.close();
    });

    it('MAX_CONNECTIONS stays per instance while the per-IP count is shared; the store is reported reachable', async () => {
      const shared = { url: redis.url, keyPrefix: 'server-admission:', failureMode: 'open' as const, leaseTtlMs: 5000 };
      const one = await openAdmission({ maxConnections: 2, maxConnectionsPerIp: 1 }, shared, deps());
      const two = await openAdmission({ maxConnections: 2, maxConnectionsPerIp: 1 }, shared, deps());
      expect(one.storeHealth?.()).toEqual({ reachable: true, failureMode: 'open' });
      expect(await one.admitter.admit({ ip: '10.0.0.1' })).toMatchObject({ ok: true });
      // The address is taken on instance one, so instance two refuses it: the count is shared.
      expect(await two.admitter.admit({ ip: '10.0.0.1' })).toMatchObject({ ok: false, status: 429 });
      expect(await one.admitter.admit({ ip: '10.0.0.2' })).toMatchObject({ ok: true });
      // Instance one is full (its own MAX_CONNECTIONS); instance two still has both of its places.
      expect(await one.admitter.admit({ ip: '10.0.0.3' })).toMatchObject({ ok: false, status: 503, reason: 'capacity' });
      expect(await two.admitter.admit({ ip: '10.0.0.3' })).toMatchObject({ ok: true });
      expect(await two.admitter.admit({ ip: '10.0.0.4' })).toMatchObject({ ok: true });
      await one.close();
      await two.close();
    });
  });
});
