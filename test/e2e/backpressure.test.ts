import { afterEach, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { startProxy } from '../helpers/proxy.js';
import { TestClient } from '../helpers/ws-client.js';
import { sampleValue, scrapeMetrics } from '../helpers/metrics-text.js';
import { clientFrame, closeCodeOf, parseServerFrames, rawUpgrade, readUntilClosed } from '../helpers/raw-client.js';
import { startFaultUpstream, type FaultUpstream } from '../helpers/fault-upstream.js';
import { perTest } from '../helpers/per-test.js';

let upstream: FaultUpstream | undefined;
let rawSocket: Socket | undefined;

const t = perTest(async () => {
  await upstream?.close();
  upstream = undefined;
});
// Registered after perTest's teardown so that it runs first (vitest runs after-hooks as a stack): the socket that
// never reads is gone before the proxy closes, as it always was.
afterEach(() => {
  rawSocket?.destroy();
  rawSocket = undefined;
});

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const { samples } = await scrapeMetrics(t.proxy?.httpUrl ?? '');
  return sampleValue(samples, name, labels) ?? 0;
}

async function eventually(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('backpressure', () => {
  it('toward a client that stops reading: audio dropped and counted, one client_too_slow, then client_stalled (1013) and cleanup', async () => {
    // Loopback upstream: every second of audio sent comes straight back, at 6x the bytes (8 kHz in, 48 kHz out).
    t.proxy = await startProxy({ env: { CLIENT_HIGH_WATER_MS: '200' }, emulator: { loopback: true, recordEvents: false } });
    const raw = await rawUpgrade(`${t.proxy.url}?inputRate=8000&outputRate=48000`);
    rawSocket = raw.socket;
    expect(raw.head).toMatch(/^HTTP\/1\.1 101/);
    // Never read: the kernel buffers fill, then the proxy's socket buffer passes the high-water mark.
    const second = Buffer.alloc(16_000);
    for (let i = 0; i < second.length; i += 2) second.writeInt16LE(Math.round(9000 * Math.sin(i / 7)), i);
    const frame = clientFrame(2, second);
    const started = Date.now();
    while ((await metric('audio_proxy_audio_dropped_bytes_total', { reason: 'client_slow' })) === 0) {
      if (Date.now() - started > 10_000) throw new Error('the proxy never dropped audio for the slow client');
      for (let i = 0; i < 20; i += 1) raw.socket.write(frame);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await metric('audio_proxy_errors_total', { code: 'client_too_slow' })).toBe(1);
    // Still stuck: closed as stalled within ~5 marks (1 s) plus a check interval.
    await eventually(async () => (await metric('audio_proxy_errors_total', { code: 'client_stalled' })) === 1, 3000, 'client_stalled');
    await eventually(() => Promise.resolve(t.proxy?.server.activeSessions === 0), 2000, 'the session to end');
    expect(await metric('audio_proxy_sessions_active')).toBe(0);
    expect(await metric('audio_proxy_errors_total', { code: 'client_too_slow' })).toBe(1);
    // The socket is dropped even though the client never reads its close frame.
    const { frames } = parseServerFrames(Buffer.concat([raw.rest, await readUntilClosed(raw.socket, 5000)]));
    const errors = frames.filter((f) => f.opcode === 1).map((f) => JSON.parse(f.payload.toString()) as { type: string; code?: string });
    expect(errors.filter((m) => m.code === 'client_too_slow')).toHaveLength(1);
    // The proxy drops the connection 1 s after closing; a client that reads again in time sees the close frame.
    const code = closeCodeOf(frames);
    if (code !== undefined) {
      expect(code).toBe(1013);
      expect(errors.at(-1)).toMatchObject({ code: 'client_stalled', fatal: true });
    }
  });

  it('toward an upstream that stops reading: client audio dropped and counted (upstream_slow), then the missed heartbeat ends the session', async () => {
    const stopReading = (s: WebSocket): void => void (s as unknown as { _socket: Socket })._socket.pause();
    upstream = await startFaultUpstream({ onReady: stopReading });
    // Reconnecting is off: this is about the drop, not the recovery from it (test/e2e/renewal.test.ts).
    t.proxy = await startProxy({ env: { OPENAI_REALTIME_URL: upstream.url, HEARTBEAT_INTERVAL_MS: '1500', UPSTREAM_RECONNECT_ATTEMPTS: '0' } });
    t.client = await TestClient.connect(`${t.proxy.url}?inputRate=8000`);
    await t.client.waitForType('AIConnected');
    const second = Buffer.alloc(16_000, 1);
    const started = Date.now();
    let sent = 0;
    while ((await metric('audio_proxy_audio_dropped_bytes_total', { reason: 'upstream_slow' })) === 0) {
      if (Date.now() - started > 10_000) throw new Error('the proxy never dropped audio for the slow upstream');
      for (let i = 0; i < 20; i += 1) t.client.sendBinary(second);
      sent += 20 * second.length;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(sent).toBeGreaterThan(0);
    const error = await t.client.waitFor((m) => m.type === 'error' && m.fatal === true, 5000);
    expect(error).toMatchObject({ code: 'upstream_closed' });
    expect((await t.client.waitForClose()).code).toBe(1011);
    await t.client.waitUntil(() => t.proxy?.server.activeSessions === 0);
    expect(await metric('audio_proxy_sessions_active')).toBe(0);
  });
});
