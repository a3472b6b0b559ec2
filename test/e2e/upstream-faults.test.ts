import { describe, expect, it } from 'vitest';
import { startProxy } from '../helpers/proxy.js';
import { TestClient } from '../helpers/ws-client.js';
import { streamSamples, utterance } from '../helpers/voice.js';
import { perTest } from '../helpers/per-test.js';

const t = perTest();

describe('upstream failures reach the client as a named, fatal error and the right close code', () => {
  it('a wrong API key (401 handshake) → upstream_auth_failed, 1011', async () => {
    t.proxy = await startProxy({ env: { OPENAI_API_KEY: 'sk-wrong' } });
    t.client = await TestClient.connect(t.proxy.url);
    const error = await t.client.waitFor((m) => m.type === 'error');
    expect(error).toMatchObject({ code: 'upstream_auth_failed', fatal: true });
    expect(String(error.message)).not.toContain('sk-');
    expect((await t.client.waitForClose()).code).toBe(1011);
    await t.client.waitUntil(() => t.proxy?.server.activeSessions === 0);
  });

  it.each([
    [403, 'upstream_auth_failed', 1011],
    [429, 'upstream_unavailable', 1013],
    [500, 'upstream_unavailable', 1011],
  ])('a %i handshake → %s, close %i', async (status, code, closeCode) => {
    t.proxy = await startProxy({ emulator: { refuseHandshakeStatus: status } });
    t.client = await TestClient.connect(t.proxy.url);
    expect(await t.client.waitFor((m) => m.type === 'error')).toMatchObject({ code, fatal: true });
    expect((await t.client.waitForClose()).code).toBe(closeCode);
  });

  it('an unreachable upstream → upstream_unavailable, 1011', async () => {
    t.proxy = await startProxy({ env: { OPENAI_REALTIME_URL: 'ws://127.0.0.1:1/v1/realtime' } });
    t.client = await TestClient.connect(t.proxy.url);
    expect(await t.client.waitFor((m) => m.type === 'error')).toMatchObject({ code: 'upstream_unavailable', fatal: true });
    expect((await t.client.waitForClose()).code).toBe(1011);
  });

  // With reconnecting off (UPSTREAM_RECONNECT_ATTEMPTS=0) an upstream lost is the session's end, as it always was;
  // with it on (the default) the session goes on: test/e2e/renewal.test.ts and upstream-faults-extra.test.ts.
  it('reconnecting off: an upstream that dies mid-response → upstream_closed, 1011, and no session left behind', async () => {
    t.proxy = await startProxy({ emulator: { audioPace: 1, closeMidResponse: { code: 1011, afterDeltas: 2 } }, env: { UPSTREAM_RECONNECT_ATTEMPTS: '0' } });
    t.client = await TestClient.connect(`${t.proxy.url}?inputRate=16000`);
    await t.client.waitForType('AIConnected');
    await streamSamples(t.client, utterance(16000).all, 16000);
    await t.client.waitForType('AIResponseStart', 10_000);
    const error = await t.client.waitFor((m) => m.type === 'error', 10_000);
    expect(error).toMatchObject({ code: 'upstream_closed', fatal: true });
    expect((await t.client.waitForClose()).code).toBe(1011);
    await t.client.waitUntil(() => t.proxy?.server.activeSessions === 0);
  });

  it("reconnecting off: the upstream's own session cap reached unrenewed (close 1001) → session_expired, 1001", async () => {
    t.proxy = await startProxy({ emulator: { maxSessionMs: 400 }, env: { UPSTREAM_RECONNECT_ATTEMPTS: '0' } });
    t.client = await TestClient.connect(t.proxy.url);
    await t.client.waitForType('AIConnected');
    const error = await t.client.waitFor((m) => m.type === 'error', 5000);
    expect(error).toMatchObject({
      code: 'session_expired',
      fatal: true,
      message: 'The upstream ended the session: Your session hit the maximum duration of 400 milliseconds.',
    });
    expect((await t.client.waitForClose()).code).toBe(1001);
  });

  it('the client leaving closes the upstream', async () => {
    t.proxy = await startProxy();
    t.client = await TestClient.connect(t.proxy.url);
    await t.client.waitForType('AIConnected');
    t.client.socket.close(1000);
    await t.client.waitUntil(() => t.proxy?.emulator.sessions[0]?.closed === true);
    await t.client.waitUntil(() => t.proxy?.server.activeSessions === 0);
  });
});
