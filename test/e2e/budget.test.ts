/**
 * Per-user budgets end to end: refused at the upgrade once spent, cut after the response that crossed the line (that
 * response delivered whole), shared by two instances through one real redis-server; and nothing of it when off.
 */
import { createClient } from '@redis/client';
import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mintClientToken } from '../../src/auth/jwt.js';
import { TwilioCaller } from '../../src/client/twilio-caller.js';
import { currentPeriod } from '../../src/usage/budget.js';
import { sampleValue, scrapeMetrics } from '../helpers/metrics-text.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { readyPort, startServerProcess, TSX_ENTRY, type ServerProcess } from '../helpers/server-process.js';
import { haveBinaries } from '../helpers/system-binaries.js';
import { TestClient, UpgradeRejected, type JsonMessage } from '../helpers/ws-client.js';

const SECRET = 'budget-test-signing-secret-0123456789abcdef';
const proxies: TestProxy[] = [];
const clients: TestClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const proxy of proxies.splice(0)) await proxy.close();
});

async function proxy(env: Record<string, string>): Promise<TestProxy> {
  const started = await startProxy({ env: { PROXY_AUTH_SECRET: SECRET, ...env } });
  proxies.push(started);
  return started;
}

function tokenFor(sub: string): string {
  return mintClientToken(SECRET, { sub, ttlSeconds: 600 });
}

async function connect(on: TestProxy, sub: string): Promise<TestClient> {
  const client = await TestClient.connect(`${on.url}?inputRate=24000&token=${tokenFor(sub)}`);
  clients.push(client);
  await client.waitForType('AIConnected');
  return client;
}

/** One typed turn; resolves with its AIResponseEnd. */
async function turn(client: TestClient): Promise<JsonMessage> {
  const before = client.json.filter((m) => m.name === 'AIResponseEnd').length;
  client.sendJson({ type: 'text', text: 'Tell me about the weather on Mars.' });
  return client.waitUntil(() => client.json.filter((m) => m.name === 'AIResponseEnd')[before], 10_000);
}

function tokensOf(end: JsonMessage): number {
  const usage = end.usage as Record<'input' | 'cachedInput' | 'output', Record<string, number>>;
  return Object.values(usage.input).concat(Object.values(usage.cachedInput), Object.values(usage.output)).reduce((a, b) => a + b, 0);
}

/** A refused upgrade's status and JSON body (node's client hands a non-101 answer over as a response). */
function refusal(on: TestProxy, sub: string): Promise<{ status: number; body: { error?: { message?: string } } }> {
  const url = new URL(`${on.url}?token=${tokenFor(sub)}`);
  return new Promise((resolve, reject) => {
    const req = request({
      host: url.hostname,
      port: url.port,
      path: `${url.pathname}${url.search}`,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    req.on('upgrade', () => reject(new Error('the upgrade was accepted')));
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { error?: { message?: string } } }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The tokens one typed turn uses, measured on a proxy without a budget (the emulator's counts are deterministic). */
async function tokensPerTurn(): Promise<number> {
  const probe = await proxy({});
  const used = tokensOf(await turn(await connect(probe, 'probe')));
  expect(used).toBeGreaterThan(0);
  return used;
}

/** Polls `probe` until it holds (the charge reaches Redis just after AIResponseEnd went out). */
async function eventually(probe: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** Checks how the session that crossed the line ended: its response whole, then budget_exhausted, then 1008. */
async function expectCutAfter(client: TestClient, end: JsonMessage): Promise<void> {
  const closed = await client.waitForClose(5000);
  expect(closed.code).toBe(1008);
  expect(end).toMatchObject({ status: 'completed' });
  expect(String(end.finalText).length).toBeGreaterThan(0);
  const names = client.json.map((m) => (m.type === 'error' ? `error:${String(m.code)}` : typeof m.name === 'string' ? m.name : String(m.type)));
  expect(names.slice(names.lastIndexOf('AIResponseEnd'))).toEqual(['AIResponseEnd', 'error:budget_exhausted']);
  expect(client.json.at(-1)).toMatchObject({ type: 'error', code: 'budget_exhausted', fatal: true });
}

describe('budgets in one process (spend in memory)', () => {
  it('a response that reaches the budget finishes, then budget_exhausted and 1008; the next upgrade is refused 429', async () => {
    const perTurn = await tokensPerTurn();
    const server = await proxy({ USER_BUDGET_TOKENS: String(Math.ceil(perTurn * 1.5)) });
    const client = await connect(server, 'alice');
    const first = await turn(client);
    expect(tokensOf(first)).toBe(perTurn);
    const second = await turn(client);
    await expectCutAfter(client, second);

    const refused = await refusal(server, 'alice');
    expect(refused.status).toBe(429);
    expect(refused.body.error?.message).toMatch(/budget of \d+ tokens per day is spent; it resets at 00:00 UTC/);
    // Another user is not affected.
    await connect(server, 'bob');
    const { samples } = await scrapeMetrics(server.httpUrl);
    expect(sampleValue(samples, 'audio_proxy_upgrades_rejected_total', { reason: 'budget' })).toBe(1);
    expect(sampleValue(samples, 'audio_proxy_sessions_total', { outcome: 'budget' })).toBe(1);
    expect(sampleValue(samples, 'audio_proxy_errors_total', { code: 'budget_exhausted' })).toBe(1);
  });

  it('a Twilio stream names its user only after the upgrade: an over-budget caller is closed as the stream starts', async () => {
    const perTurn = await tokensPerTurn();
    const server = await proxy({ USER_BUDGET_TOKENS: String(perTurn) });
    const client = await connect(server, 'hank');
    await expectCutAfter(client, await turn(client));
    const caller = await TwilioCaller.connect(`${server.url}twilio`);
    try {
      caller.start({ customParameters: { token: tokenFor('hank') } });
      expect(await caller.closed).toEqual({ code: 1008, reason: 'budget_exhausted' });
      expect(caller.receivedAudio().length).toBe(0);
    } finally {
      caller.close();
    }
  });

  it('a USD budget counts the estimated cost', async () => {
    const server = await proxy({ USER_BUDGET_USD: '0.000001', OPENAI_MODEL: 'gpt-realtime-1.5' });
    const client = await connect(server, 'carol');
    const end = await turn(client);
    expect((end.usage as { costUsd: number }).costUsd).toBeGreaterThan(0.000001);
    await expectCutAfter(client, end);
    await expect(TestClient.connect(`${server.url}?token=${tokenFor('carol')}`)).rejects.toEqual(new UpgradeRejected(429));
  });
});

describe.skipIf(!haveBinaries('redis-server'))('budgets across two instances sharing one Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.close();
  });

  it('spend on one instance counts on the other: cut there after the crossing response, refused on both after', async () => {
    const perTurn = await tokensPerTurn();
    const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'budget-e2e:', USER_BUDGET_TOKENS: String(Math.ceil(perTurn * 1.5)) };
    const a = await proxy(env);
    const b = await proxy(env);
    const store = createClient({ url: redis.url });
    await store.connect();
    try {
      const key = `budget-e2e:spend:${currentPeriod('day').name}:dave`;
      const onA = await connect(a, 'dave');
      expect(tokensOf(await turn(onA))).toBe(perTurn);
      // The spend is in Redis (not in instance A's memory) before the next session starts.
      await eventually(async () => Number(await store.get(key)) === perTurn);
      expect(Number(await store.get(key))).toBe(perTurn);
      expect(await store.pTTL(key)).toBeGreaterThan(0);
      onA.close();

      const onB = await connect(b, 'dave');
      await expectCutAfter(onB, await turn(onB));
      expect(Number(await store.get(key))).toBe(2 * perTurn);

      for (const instance of [a, b]) expect((await refusal(instance, 'dave')).status).toBe(429);
      await connect(a, 'erin');
    } finally {
      await store.close();
    }
  });

  it('with budgets off nothing is kept and nobody is cut', async () => {
    const server = await proxy({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'budget-off:' });
    const client = await connect(server, 'frank');
    await turn(client);
    await turn(client);
    expect(client.json.some((m) => m.type === 'error')).toBe(false);
    const store = createClient({ url: redis.url });
    await store.connect();
    try {
      expect(await store.keys('budget-off:spend:*')).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

describe('budgets with WORKERS=2 (spend kept by the primary)', { timeout: 60_000 }, () => {
  let cluster: ServerProcess | undefined;
  afterEach(() => {
    cluster?.kill();
    cluster = undefined;
  });

  it("a user's spend on one worker counts on the other: cut there after the crossing response, then refused", async () => {
    const perTurn = await tokensPerTurn();
    cluster = startServerProcess(TSX_ENTRY, { WORKERS: '2', PROXY_AUTH_SECRET: SECRET, USER_BUDGET_TOKENS: String(Math.ceil(perTurn * 1.5)) });
    const port = await readyPort(cluster, 30_000);
    const s = cluster;
    /** Opens a session for `sub` and says which worker serves it. */
    const open = async (sub: string): Promise<{ client: TestClient; worker: number }> => {
      const client = await TestClient.connect(`ws://127.0.0.1:${port}/?inputRate=24000&token=${tokenFor(sub)}`);
      clients.push(client);
      const { sessionId } = await client.waitForType('AIConnected');
      const opened = await s.waitForLog((l) => l.msg === 'session opened' && l.sessionId === sessionId);
      return { client, worker: Number(opened.worker) };
    };
    const first = await open('gina');
    expect(tokensOf(await turn(first.client))).toBe(perTurn);
    first.client.close();
    // The next connection goes to the other worker (the primary hands them out in turn); retry until it does.
    let second = await open('gina');
    for (let i = 0; i < 4 && second.worker === first.worker; i += 1) {
      second.client.close();
      second = await open('gina');
    }
    expect(second.worker).not.toBe(first.worker);
    await expectCutAfter(second.client, await turn(second.client));
    for (let i = 0; i < 2; i += 1) {
      await expect(TestClient.connect(`ws://127.0.0.1:${port}/?token=${tokenFor('gina')}`)).rejects.toEqual(new UpgradeRejected(429));
    }
  });
});
