import { describe, expect, it } from 'vitest';
import { startProxy, TEST_API_KEY } from '../helpers/proxy.js';
import { TestClient } from '../helpers/ws-client.js';
import { perTest } from '../helpers/per-test.js';

const t = perTest();

describe('HTTP routes', () => {
  it('/health reports liveness, uptime and active sessions', async () => {
    t.proxy = await startProxy();
    const client = await TestClient.connect(t.proxy.url);
    await client.waitForType('AIConnected');
    const response = await fetch(`${t.proxy.httpUrl}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', activeSessions: 1, draining: false });
    client.close();
  });

  it('/ready is 200 while serving', async () => {
    t.proxy = await startProxy();
    const response = await fetch(`${t.proxy.httpUrl}/ready`);
    expect(response.status).toBe(200);
  });

  it('/info describes the server and never holds a secret', async () => {
    t.proxy = await startProxy({ env: { OPENAI_ORG_ID: 'org-secretish' } });
    const response = await fetch(`${t.proxy.httpUrl}/info`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain(TEST_API_KEY);
    expect(text).not.toContain('Bearer');
    const info = JSON.parse(text) as Record<string, unknown>;
    expect(info).toMatchObject({
      protocolVersion: 1,
      upstream: { kind: 'openai', model: 'gpt-realtime' },
      audio: { formats: ['pcm16', 'g711_ulaw', 'g711_alaw'], g711Rates: [8000] },
      limits: { maxFrameBytes: 262144, preopenBufferMs: 5000 },
    });
  });

  it('unknown paths get a JSON 404; other methods a 405', async () => {
    t.proxy = await startProxy();
    const missing = await fetch(`${t.proxy.httpUrl}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/json');
    expect(await missing.json()).toMatchObject({ error: { status: 404 } });
    const post = await fetch(`${t.proxy.httpUrl}/health`, { method: 'POST' });
    expect(post.status).toBe(405);
  });

  it('/metrics serves the Prometheus text format', async () => {
    t.proxy = await startProxy();
    const response = await fetch(`${t.proxy.httpUrl}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('audio_proxy_sessions_active');
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('the static file route cannot leave its folder', async () => {
    t.proxy = await startProxy();
    for (const path of ['/..%2Fpackage.json', '/%2e%2e/package.json', '/.env', '/../../etc/passwd']) {
      const response = await fetch(`${t.proxy.httpUrl}${path}`);
      expect(response.status, path).toBe(404);
    }
  });
});
