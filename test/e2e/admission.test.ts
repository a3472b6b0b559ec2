/** Admission on the upgrade path: what happens around a decision that takes time (a cluster primary's round trip). */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Admitter } from '../../src/admission/index.js';
import { createLocalAdmitter } from '../../src/admission/local.js';
import { sampleValue, scrapeMetrics } from '../helpers/metrics-text.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';
import { TestClient, UpgradeRejected } from '../helpers/ws-client.js';

let proxy: TestProxy | undefined;
const clients: TestClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await proxy?.close();
  proxy = undefined;
});

/** The real in-process counts behind a door the test opens, with the number of leases held now. */
function heldAdmitter(limits: { maxConnections: number; maxConnectionsPerIp: number }) {
  const inner = createLocalAdmitter(limits);
  let open!: () => void;
  const door = new Promise<void>((resolve) => (open = resolve));
  let asked = 0;
  let held = 0;
  const admitter: Admitter = {
    async admit(request) {
      asked += 1;
      await door;
      const admission = await inner.admit(request);
      if (!admission.ok) return admission;
      held += 1;
      let released = false;
      return {
        ok: true,
        lease: {
          release: () => {
            if (!released) held -= 1;
            released = true;
            admission.lease.release();
          },
        },
      };
    },
  };
  return { admitter, open, asked: () => asked, held: () => held };
}

/** Sends an upgrade request on a raw socket and resolves once the server has it, without waiting for an answer. */
async function pendingUpgrade(url: string, isAsked: () => boolean) {
  const target = new URL(url);
  const socket = connect(Number(target.port), target.hostname);
  socket.on('error', () => undefined);
  socket.write(
    `GET / HTTP/1.1\r\nHost: ${target.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  await until(isAsked);
  return socket;
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition(); ) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('admission on the upgrade path', () => {
  it('a client that leaves while its admission is pending: the lease is released, the slot is free again', async () => {
    const door = heldAdmitter({ maxConnections: 1, maxConnectionsPerIp: 1 });
    proxy = await startProxy({ server: { admitter: door.admitter } });
    const socket = await pendingUpgrade(proxy.url, () => door.asked() === 1);
    socket.destroy();
    door.open();
    await until(() => door.held() === 0);
    const c = await TestClient.connect(proxy.url);
    clients.push(c);
    await c.waitForType('AIConnected');
    expect(door.held()).toBe(1);
  });

  it('the drain begins while admission is pending: 503, counted as draining, and the lease released', async () => {
    const door = heldAdmitter({ maxConnections: 5, maxConnectionsPerIp: 5 });
    proxy = await startProxy({ server: { admitter: door.admitter }, env: { SHUTDOWN_GRACE_MS: '200' } });
    const attempt = TestClient.connect(proxy.url);
    await until(() => door.asked() === 1);
    const closing = proxy.server.close();
    door.open();
    await expect(attempt).rejects.toEqual(new UpgradeRejected(503));
    await until(() => door.held() === 0);
    await closing;
  });

  it('an unauthenticated client learns nothing about capacity: 401 before 503', async () => {
    proxy = await startProxy({ env: { MAX_CONNECTIONS: '1', PROXY_AUTH_TOKEN: 'a-long-enough-static-token' } });
    const c = await TestClient.connect(proxy.url, { headers: { Authorization: 'Bearer a-long-enough-static-token' } });
    clients.push(c);
    await expect(TestClient.connect(proxy.url)).rejects.toEqual(new UpgradeRejected(401));
    await expect(TestClient.connect(proxy.url, { headers: { Authorization: 'Bearer a-long-enough-static-token' } })).rejects.toEqual(
      new UpgradeRejected(503),
    );
    const { samples } = await scrapeMetrics(proxy.httpUrl);
    expect(sampleValue(samples, 'audio_proxy_upgrades_rejected_total', { reason: 'auth' })).toBe(1);
    expect(sampleValue(samples, 'audio_proxy_upgrades_rejected_total', { reason: 'capacity' })).toBe(1);
  });
});
