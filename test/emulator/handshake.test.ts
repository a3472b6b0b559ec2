import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { TestClient, UpgradeRejected } from '../helpers/ws-client.js';
import { connect, connectAzure, open, startEmulator } from './harness.js';

async function rejection(url: string, headers: Record<string, string> = {}): Promise<number> {
  try {
    const client = await TestClient.connect(url, { headers });
    client.close();
    return 101;
  } catch (error) {
    if (error instanceof UpgradeRejected) return error.status;
    throw error;
  }
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.setTimeout(3000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

describe('handshake', () => {
  it('serves ws://127.0.0.1:<port>/v1/realtime', async () => {
    const emulator = await startEmulator();
    expect(emulator.url).toBe(`ws://127.0.0.1:${emulator.port}/v1/realtime`);
    expect(emulator.port).toBeGreaterThan(0);
  });

  it('without ?model= sends missing_model and closes', async () => {
    const emulator = await startEmulator();
    const client = await connect(emulator, '');
    const error = await client.waitForType('error');
    expect(error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', code: 'missing_model', param: null, event_id: null } });
    expect(error.event_id).toMatch(/^event_/);
    expect((await client.waitForClose()).code).toBe(1008);
    expect(client.json.some((m) => m.type === 'session.created')).toBe(false);
  });

  it('with an API key, refuses a missing or wrong Bearer with HTTP 401 and accepts the right one', async () => {
    const emulator = await startEmulator({ apiKey: 'sk-test' });
    const url = `${emulator.url}?model=gpt-realtime`;
    expect(await rejection(url)).toBe(401);
    expect(await rejection(url, { Authorization: 'Bearer sk-wrong' })).toBe(401);
    const client = await TestClient.connect(url, { headers: { Authorization: 'Bearer sk-test' } });
    await client.waitForType('session.created');
    client.close();
    expect(emulator.sessions).toHaveLength(1);
  });

  it('refuseKeyAfterUpgrade: a wrong key is upgraded, then refused with invalid_api_key (key masked) and close 3000', async () => {
    const emulator = await startEmulator({ apiKey: 'sk-test-right-key', refuseKeyAfterUpgrade: true });
    const client = await TestClient.connect(`${emulator.url}?model=gpt-realtime`, { headers: { Authorization: 'Bearer sk-wrong-key-12345678' } });
    const error = await client.waitForType('error');
    expect(error.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key', param: null });
    const message = String((error.error as { message: string }).message);
    expect(message).toMatch(/^Incorrect API key provided: sk-wro\*+5678\./);
    expect(message).not.toContain('sk-wrong-key-12345678');
    expect(await client.waitForClose()).toEqual({ code: 3000, reason: 'invalid_request_error.invalid_api_key' });
    expect(client.json.map((m) => m.type)).toEqual(['error']);
    // The right key still opens a session.
    const good = await TestClient.connect(`${emulator.url}?model=gpt-realtime`, { headers: { Authorization: 'Bearer sk-test-right-key' } });
    await good.waitForType('session.created');
    good.close();
  });

  it("serves Azure's path /openai/v1/realtime with the api-key header", async () => {
    const emulator = await startEmulator({ apiKey: 'az-key' });
    expect(await rejection(`ws://127.0.0.1:${emulator.port}/openai/v1/realtime?model=my-deployment`)).toBe(401);
    const client = await connectAzure(emulator, 'my-deployment', { headers: { 'api-key': 'az-key' } });
    expect(await client.waitForType('session.created')).toMatchObject({ session: { model: 'my-deployment' } });
  });

  it('answers an OpenAI-Beta header with beta_api_shape_disabled and a close', async () => {
    const emulator = await startEmulator();
    const client = await connect(emulator, '?model=gpt-realtime', { headers: { 'OpenAI-Beta': 'realtime=v1' } });
    const error = await client.waitForType('error');
    expect(error.error).toMatchObject({ type: 'invalid_request_error', code: 'beta_api_shape_disabled' });
    expect(await client.waitForClose()).toEqual({ code: 4000, reason: 'invalid_request_error.beta_api_shape_disabled' });
    expect(client.json.map((m) => m.type)).toEqual(['error']);
  });

  it('refuses other paths with HTTP 404, and plain HTTP requests too', async () => {
    const emulator = await startEmulator();
    expect(await rejection(`ws://127.0.0.1:${emulator.port}/v1/other?model=x`)).toBe(404);
    expect(await rejection(`ws://127.0.0.1:${emulator.port}/?model=x`)).toBe(404);
    expect((await httpGet(`http://127.0.0.1:${emulator.port}/nope`)).status).toBe(404);
    expect((await httpGet(`http://127.0.0.1:${emulator.port}/v1/realtime`)).status).toBe(426);
  });

  it.each([401, 403, 429, 500])('refuseHandshakeStatus %i refuses every upgrade with that status', async (status) => {
    const emulator = await startEmulator({ refuseHandshakeStatus: status });
    expect(await rejection(`${emulator.url}?model=gpt-realtime`, { Authorization: 'Bearer x' })).toBe(status);
    expect(emulator.sessions).toHaveLength(0);
  });

  it('does not negotiate permessage-deflate', async () => {
    const emulator = await startEmulator();
    const client = await TestClient.connect(`${emulator.url}?model=gpt-realtime`, { perMessageDeflate: true });
    expect(client.socket.extensions).toBe('');
    client.close();
  });

  it('records one session per accepted connection and marks it closed', async () => {
    const emulator = await startEmulator();
    const first = await open(emulator);
    await open(emulator);
    expect(emulator.sessions).toHaveLength(2);
    expect(emulator.sessions[0]!.id).toMatch(/^sess_/);
    const created = first.json[0]!.session as { id: string };
    expect(created.id).toBe(emulator.sessions[0]!.id);
    first.close();
    await expect.poll(() => emulator.sessions[0]!.closed, { timeout: 2000 }).toBe(true);
    expect(emulator.sessions[1]!.closed).toBe(false);
  });

  it('close() ends every session with 1001 and is idempotent', async () => {
    const emulator = await startEmulator();
    const client = await open(emulator);
    await Promise.all([emulator.close(), emulator.close()]);
    expect((await client.waitForClose()).code).toBe(1001);
    await emulator.close();
    expect(await rejection(`${emulator.url}?model=gpt-realtime`).catch(() => 'refused')).toBe('refused');
  });
});
