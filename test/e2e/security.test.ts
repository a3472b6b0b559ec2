import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mintClientToken } from '../../src/auth/index.js';
import { startProxy, TEST_API_KEY, type TestProxy } from '../helpers/proxy.js';
import { TestClient, UpgradeRejected } from '../helpers/ws-client.js';
import { rawUpgrade } from '../helpers/raw-client.js';
import { sampleValue, scrapeMetrics } from '../helpers/metrics-text.js';
import { perTest } from '../helpers/per-test.js';

const STATIC_TOKEN = 'static-client-token-4f1d2c';
const SECRET = 'jwt-signing-secret-for-tests-0123456789abcdef';

let logs: string[] = [];
let outputDir: string | undefined;

const t = perTest(async () => {
  logs = [];
  if (outputDir !== undefined) await rm(outputDir, { recursive: true, force: true });
  outputDir = undefined;
});

async function start(env: Record<string, string>): Promise<TestProxy> {
  t.proxy = await startProxy({ env: { LOG_LEVEL: 'trace', ...env }, logStream: { write: (line) => void logs.push(line) } });
  return t.proxy;
}

async function connected(url: string, options: Parameters<typeof TestClient.connect>[1] = {}): Promise<TestClient> {
  t.client = await TestClient.connect(url, options);
  await t.client.waitForType('AIConnected');
  return t.client;
}

async function refused(url: string, options: Parameters<typeof TestClient.connect>[1] = {}): Promise<number> {
  try {
    const c = await TestClient.connect(url, options);
    c.close();
    return 101;
  } catch (error) {
    if (error instanceof UpgradeRejected) return error.status;
    throw error;
  }
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function expectLogsClean(...secrets: string[]): void {
  const text = logs.join('');
  expect(text.length).toBeGreaterThan(0);
  for (const secret of secrets) expect(text).not.toContain(secret);
}

describe('static client token (PROXY_AUTH_TOKEN)', () => {
  it('missing or wrong → 401 before the upgrade, counted; header, query and subprotocol are accepted', async () => {
    const p = await start({ PROXY_AUTH_TOKEN: STATIC_TOKEN });
    expect(await refused(p.url)).toBe(401);
    expect(await refused(`${p.url}?token=${STATIC_TOKEN}x`)).toBe(401);
    expect(await refused(p.url, { headers: { Authorization: `Bearer ${STATIC_TOKEN.slice(0, -1)}` } })).toBe(401);
    expect(await refused(p.url, { protocols: ['token.nope', 'voice.v1'] })).toBe(401);
    const { samples } = await scrapeMetrics(p.httpUrl);
    expect(sampleValue(samples, 'audio_proxy_upgrades_rejected_total', { reason: 'auth' })).toBe(4);
    expect(p.emulator.sessions).toHaveLength(0);

    (await connected(p.url, { headers: { Authorization: `Bearer ${STATIC_TOKEN}` } })).close();
    (await connected(`${p.url}?token=${STATIC_TOKEN}`)).close();
    const c = await connected(p.url, { protocols: [`token.${STATIC_TOKEN}`, 'voice.v1'] });
    expect(c.socket.protocol).toBe('voice.v1');
    expectLogsClean(STATIC_TOKEN, TEST_API_KEY);
  });

  it('a token offered only as a subprotocol: 400 saying to add a name (never echoed, and no answer would fail the client)', async () => {
    const p = await start({ PROXY_AUTH_TOKEN: STATIC_TOKEN });
    const raw = await rawUpgrade(p.url, { 'Sec-WebSocket-Protocol': `token.${STATIC_TOKEN}` });
    raw.socket.destroy();
    expect(raw.head).toMatch(/^HTTP\/1\.1 400/);
    expect(`${raw.head}${raw.rest.toString()}`).not.toContain(STATIC_TOKEN);
    expect(raw.rest.toString()).toContain('voice.v1');
    const { samples } = await scrapeMetrics(p.httpUrl);
    expect(sampleValue(samples, 'audio_proxy_upgrades_rejected_total', { reason: 'protocol' })).toBe(1);
    // With a name beside it, the name is the answer and the token stays out of the handshake.
    const named = await rawUpgrade(p.url, { 'Sec-WebSocket-Protocol': `token.${STATIC_TOKEN}, voice.v1` });
    named.socket.destroy();
    expect(named.head).toMatch(/^HTTP\/1\.1 101/);
    expect(named.head).toMatch(/^sec-websocket-protocol: voice\.v1$/im);
    expect(named.head).not.toContain(STATIC_TOKEN);
  });

  it('a refused upgrade answers with a JSON body that does not echo the token', async () => {
    const p = await start({ PROXY_AUTH_TOKEN: STATIC_TOKEN });
    const raw = await rawUpgrade(`${p.url}?token=guessed-${STATIC_TOKEN}`);
    raw.socket.destroy();
    expect(raw.head).toMatch(/^HTTP\/1\.1 401/);
    expect(`${raw.head}${raw.rest.toString()}`).not.toContain('guessed');
  });
});

describe('subprotocols with auth off', () => {
  it('a `ws` client offering a protocol gets it back and talks (it used to get none and fail the handshake)', async () => {
    const p = await start({});
    const c = await connected(p.url, { protocols: ['chat.v2', 'voice.v1'] });
    expect(c.socket.protocol).toBe('chat.v2');
    // Without protocols, none.
    const plain = await TestClient.connect(p.url);
    expect(plain.socket.protocol).toBe('');
    plain.close();
  });

  it('a token-only offer is refused with 400 there too (no answer would fail the client; a token is never echoed)', async () => {
    const p = await start({});
    expect(await refused(p.url, { protocols: ['token.whatever'] })).toBe(400);
  });
});

describe('signed client tokens (PROXY_AUTH_SECRET)', () => {
  it('a minted token connects and its sub is logged as the user id; the token itself is not logged', async () => {
    const p = await start({ PROXY_AUTH_SECRET: SECRET });
    const token = mintClientToken(SECRET, { sub: 'alice', ttlSeconds: 60 });
    // As a browser sends it: a subprotocol (a second protocol offered, because `ws` insists on an answer).
    const viaProtocol = await connected(p.url, { protocols: [`token.${token}`, 'voice.v1'] });
    expect(viaProtocol.socket.protocol).toBe('voice.v1');
    viaProtocol.close();
    const c = await connected(`${p.url}?token=${token}`);
    c.sendJson({ type: 'text', text: 'hello' });
    await c.waitForType('AIResponseEnd', 10_000);
    expect(logs.some((line) => (JSON.parse(line) as { userId?: string; msg?: string }).userId === 'alice')).toBe(true);
    expectLogsClean(token, token.split('.')[2] ?? '', SECRET, TEST_API_KEY);
    const info = await (await fetch(`${p.httpUrl}/info`)).text();
    expect(JSON.parse(info)).toMatchObject({ auth: 'jwt' });
    expect(info).not.toContain(SECRET);
  });

  it.each([
    ['expired', () => mintClientToken(SECRET, { sub: 'alice', ttlSeconds: 60, nowSeconds: Math.floor(Date.now() / 1000) - 3600 })],
    ['signed with another secret', () => mintClientToken(`${SECRET}-other`, { sub: 'alice', ttlSeconds: 60 })],
    ['without exp', () => {
      const body = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: 'alice' })}`;
      return `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`;
    }],
    ['alg none', () => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: 'admin', exp: 9_999_999_999 })}.`],
    ['the bare secret', () => SECRET],
  ])('%s → 401, and the token is not logged', async (_name, makeToken) => {
    const p = await start({ PROXY_AUTH_SECRET: SECRET });
    const token = makeToken();
    expect(await refused(p.url, { headers: { Authorization: `Bearer ${token}` } })).toBe(401);
    expect(await refused(`${p.url}?token=${encodeURIComponent(token)}`)).toBe(401);
    expect(p.emulator.sessions).toHaveLength(0);
    expectLogsClean(token, SECRET);
  });
});

describe('the API key stays secret', () => {
  it('/info, logs (trace level), client messages and recordings never contain it', async () => {
    outputDir = await mkdtemp(join(tmpdir(), 'proxy-secrets-'));
    const p = await start({ SAVE_AUDIO: 'both', AUDIO_OUTPUT_DIR: outputDir });
    const info = await (await fetch(`${p.httpUrl}/info`)).text();
    expect(info).not.toContain(TEST_API_KEY);
    expect(info).not.toMatch(/authorization|bearer/i);
    const c = await connected(p.url);
    c.sendJson({ type: 'text', text: 'hello there' });
    await c.waitForType('AIResponseEnd', 10_000);
    c.socket.close(1000);
    await c.waitForClose();
    await c.waitUntil(() => p.server.activeSessions === 0);
    await p.close();
    t.proxy = undefined;
    expect(c.messages.map((m) => m.data.toString('latin1')).join('')).not.toContain(TEST_API_KEY);
    expectLogsClean(TEST_API_KEY);
    const files = await readdir(outputDir);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect((await readFile(join(outputDir, file))).toString('latin1')).not.toContain(TEST_API_KEY);
  });

  it('a refused upstream key (401) reaches the client and the logs without the key', async () => {
    const wrongKey = 'sk-wrong-key-that-must-not-leak-1234';
    const p = await start({ OPENAI_API_KEY: wrongKey });
    t.client = await TestClient.connect(p.url);
    const error = await t.client.waitFor((m) => m.type === 'error');
    expect(error).toMatchObject({ code: 'upstream_auth_failed', fatal: true });
    await t.client.waitForClose();
    expect(t.client.messages.map((m) => m.data.toString()).join('')).not.toContain(wrongKey);
    expectLogsClean(wrongKey);
  });
});
