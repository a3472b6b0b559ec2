/**
 * The shared-store client against a real redis-server: an outage is logged once however many operations fail
 * (each one counted), the store is used again when it comes back, with no restart, and a store that is not there
 * at start is an outage like any other (the server still starts).
 */
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger/index.js';
import { SharedStore, storeScript } from '../../src/shared-store/index.js';
import { parseMetricsText, sampleValue } from '../helpers/metrics-text.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { freePort } from '../helpers/ports.js';
import { haveBinaries } from '../helpers/system-binaries.js';

const PING = storeScript("return redis.call('PING')");
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function storeOn(url: string, failureMode: 'open' | 'closed' = 'open') {
  const lines: Record<string, unknown>[] = [];
  const registry = new Registry();
  const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const store = new SharedStore({ url, keyPrefix: 'test:', failureMode }, logger, registry);
  cleanup.push(() => store.close());
  const metric = async (name: string) => sampleValue(parseMetricsText(await registry.metrics()), name);
  return { store, lines, metric, said: (msg: string) => lines.filter((l) => l.msg === msg) };
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition(); ) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(!haveBinaries('redis-server'))('SharedStore', () => {
  let redis: RedisServer;

  it('logs an outage once, counts every failed operation, and is used again when Redis is back', async () => {
    redis = await startRedis();
    cleanup.push(() => redis.close());
    const { store, metric, said } = storeOn(redis.url);
    await store.connected();
    expect(await store.run(PING, [], [])).toBe('PONG');
    expect(said('shared store connected')).toHaveLength(1);
    expect(await metric('audio_proxy_shared_store_up')).toBe(1);

    await redis.stop();
    for (let i = 0; i < 5; i += 1) await expect(store.run(PING, [], [])).rejects.toThrow();
    expect(store.health()).toEqual({ reachable: false, failureMode: 'open' });
    expect(said('shared store unreachable')).toHaveLength(1);
    expect(said('shared store unreachable')[0]).toMatchObject({ level: 40, store: `redis://127.0.0.1:${redis.port}`, failureMode: 'open' });
    expect(await metric('audio_proxy_shared_store_errors_total')).toBeGreaterThanOrEqual(5);
    expect(await metric('audio_proxy_shared_store_outages_total')).toBe(1);
    expect(await metric('audio_proxy_shared_store_up')).toBe(0);

    await redis.start();
    await until(() => store.reachable);
    // A fresh Redis has no scripts: the digest misses once and the body is sent.
    expect(await store.run(PING, [], [])).toBe('PONG');
    expect(said('shared store reachable again')).toHaveLength(1);
    expect(said('shared store reachable again')[0]?.outageMs).toEqual(expect.any(Number));
    expect(said('shared store unreachable')).toHaveLength(1);
    expect(await metric('audio_proxy_shared_store_up')).toBe(1);
  });

  it('a store that is not there at start is one outage, logged once, without the URL’s password', async () => {
    const port = await freePort();
    const { store, lines, said, metric } = storeOn(`redis://user:s3cret-pass@127.0.0.1:${port}`, 'closed');
    await store.connected();
    expect(store.health()).toEqual({ reachable: false, failureMode: 'closed' });
    await new Promise((resolve) => setTimeout(resolve, 600)); // a few reconnection attempts
    expect(said('shared store unreachable')).toHaveLength(1);
    expect(await metric('audio_proxy_shared_store_errors_total')).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(lines)).not.toContain('s3cret-pass');
  });
});
