/**
 * WORKERS=2 as a real process tree: a primary and two workers sharing the port (the primary hands connections out
 * in turn), with the emulator in the primary. One scrape speaks for the whole server, the connection limits hold
 * across workers, a killed worker is replaced while the other's sessions go on, and SIGTERM drains every worker.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createEmulator } from '../../src/emulator/index.js';
import { sampleValue, scrapeMetrics } from '../helpers/metrics-text.js';
import { TEST_API_KEY } from '../helpers/proxy.js';
import { groupGone, readyPort, startServerProcess, TSX_ENTRY, type ServerProcess } from '../helpers/server-process.js';
import { streamSamples, utterance } from '../helpers/voice.js';
import { TestClient, UpgradeRejected } from '../helpers/ws-client.js';

let server: ServerProcess | undefined;
const clients: TestClient[] = [];

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  server?.kill();
  server = undefined;
});

async function startCluster(env: Record<string, string> = {}): Promise<{ s: ServerProcess; port: number }> {
  const s = (server = startServerProcess(TSX_ENTRY, { WORKERS: '2', SHUTDOWN_GRACE_MS: '5000', ...env }));
  return { s, port: await readyPort(s, 30_000) };
}

/** A connected session and the worker slot serving it (from that worker's `session opened` line). */
async function openSession(s: ServerProcess, url: string, headers: Record<string, string> = {}): Promise<{ client: TestClient; worker: number }> {
  const client = await TestClient.connect(url, { headers });
  clients.push(client);
  const { sessionId } = await client.waitForType('AIConnected');
  const opened = await s.waitForLog((l) => l.msg === 'session opened' && l.sessionId === sessionId);
  return { client, worker: Number(opened.worker) };
}

/** Opens sessions until one runs on each of the two workers. */
async function oneSessionPerWorker(s: ServerProcess, port: number) {
  const byWorker = new Map<number, TestClient>();
  for (let attempt = 0; attempt < 6 && byWorker.size < 2; attempt += 1) {
    const { client, worker } = await openSession(s, `ws://127.0.0.1:${port}/?inputRate=16000`);
    if (byWorker.has(worker)) client.close();
    else byWorker.set(worker, client);
  }
  const [a, b] = [byWorker.get(0), byWorker.get(1)];
  if (!a || !b) throw new Error('the primary did not spread sessions over both workers');
  return [a, b] as const;
}

async function metric(port: number, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  return sampleValue((await scrapeMetrics(`http://127.0.0.1:${port}`)).samples, name, labels);
}

/** Polls until `read()` gives `expected` (counts travel to the primary asynchronously). */
async function eventually<T>(read: () => Promise<T>, expected: T, timeoutMs = 5000): Promise<void> {
  let last: T | undefined;
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    last = await read();
    if (last === expected) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(last).toEqual(expected);
}

async function voiceTurn(client: TestClient): Promise<void> {
  const before = client.json.filter((m) => m.name === 'AIResponseEnd').length;
  await streamSamples(client, utterance(16000, 800, 700).all, 16000);
  await client.waitFor((m) => m.name === 'AIResponseEnd' && client.json.filter((j) => j.name === 'AIResponseEnd').length > before, 15_000);
}

describe('cluster mode (WORKERS=2)', { timeout: 60_000 }, () => {
  it('one /metrics scrape, from whichever worker answers, counts the sessions of both; /health and /info speak for the whole server', async () => {
    const { s, port } = await startCluster();
    const [a, b] = await oneSessionPerWorker(s, port);
    // Several scrapes: consecutive connections go to alternate workers, so both answer at least once.
    for (let i = 0; i < 4; i += 1) {
      await eventually(() => metric(port, 'audio_proxy_sessions_active'), 2);
      await eventually(async () => ((await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { activeSessions: number }).activeSessions, 2);
    }
    expect(await metric(port, 'audio_proxy_worker_sessions_active', { worker: '0' })).toBe(1);
    expect(await metric(port, 'audio_proxy_worker_sessions_active', { worker: '1' })).toBe(1);
    expect(await metric(port, 'audio_proxy_workers_running')).toBe(2);
    // Counters are summed: a voice turn on each worker makes two completed responses.
    await Promise.all([voiceTurn(a), voiceTurn(b)]);
    await eventually(() => metric(port, 'audio_proxy_responses_total', { status: 'completed' }), 2);
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', activeSessions: 2, workers: { running: 2, configured: 2 } });
    expect(await (await fetch(`http://127.0.0.1:${port}/info`)).json()).toMatchObject({ workers: 2, upstream: { simulated: true } });
  });

  it('MAX_CONNECTIONS_PER_IP and MAX_CONNECTIONS hold for the server, not per worker', async () => {
    const { s, port } = await startCluster({ MAX_CONNECTIONS_PER_IP: '2', MAX_CONNECTIONS: '3', TRUST_PROXY: 'true' });
    const url = `ws://127.0.0.1:${port}/`;
    const [a, b] = await Promise.all([openSession(s, url, { 'X-Forwarded-For': '198.51.100.1' }), openSession(s, url, { 'X-Forwarded-For': '198.51.100.1' })]);
    expect(new Set([a.worker, b.worker]).size).toBe(2);
    // Each worker holds one connection from the address: per-worker counting would let these two through.
    for (let i = 0; i < 2; i += 1) {
      await expect(TestClient.connect(url, { headers: { 'X-Forwarded-For': '198.51.100.1' } })).rejects.toEqual(new UpgradeRejected(429));
    }
    await openSession(s, url, { 'X-Forwarded-For': '198.51.100.2' });
    for (let i = 0; i < 2; i += 1) {
      await expect(TestClient.connect(url, { headers: { 'X-Forwarded-For': '198.51.100.3' } })).rejects.toEqual(new UpgradeRejected(503));
    }
    await eventually(() => metric(port, 'audio_proxy_upgrades_rejected_total', { reason: 'capacity' }), 4);
    a.client.close();
    await a.client.waitForClose();
    await eventually(async () => {
      const c = await TestClient.connect(url, { headers: { 'X-Forwarded-For': '198.51.100.1' } }).catch(() => undefined);
      c?.close();
      return c !== undefined;
    }, true);
  });

  it('a killed worker is replaced while the other worker’s session keeps talking; the crash is logged and counted', async () => {
    const { s, port } = await startCluster();
    const [onZero, onOne] = await oneSessionPerWorker(s, port);
    const victim = Number((await s.waitForLog((l) => l.msg === 'worker serving' && l.worker === 0)).pid);
    process.kill(victim, 'SIGKILL');
    expect((await onZero.waitForClose()).code).toBe(1006);
    await voiceTurn(onOne);
    expect(onOne.socket.readyState).toBe(onOne.socket.OPEN);
    expect(await s.waitForLog((l) => l.msg === 'worker died; replacing it')).toMatchObject({ worker: 0, pid: victim, signal: 'SIGKILL' });
    const replacement = await s.waitForLog((l) => l.msg === 'worker serving' && l.worker === 0 && l.pid !== victim);
    expect(replacement.pid).not.toBe(victim);
    await eventually(() => metric(port, 'audio_proxy_worker_restarts_total'), 1);
    await eventually(() => metric(port, 'audio_proxy_sessions_active'), 1);
    await voiceTurn(onOne);
    await (await openSession(s, `ws://127.0.0.1:${port}/`)).client.waitForType('AIConnected');
  });

  it('a worker that keeps dying is restarted with growing waits, not in a tight loop', async () => {
    const { s } = await startCluster();
    const killed = new Set<number>();
    for (let kill = 1; kill <= 3; kill += 1) {
      const pid = Number((await s.waitForLog((l) => l.msg === 'worker serving' && l.worker === 1 && !killed.has(Number(l.pid)))).pid);
      killed.add(pid);
      process.kill(pid, 'SIGKILL');
      await s.waitForLog((l) => l.msg === 'worker died; replacing it' && l.pid === pid);
    }
    const waits = s.logs.filter((l) => l.msg === 'worker died; replacing it').map((l) => l.restartInMs);
    expect(waits).toEqual([250, 500, 1000]);
  });

  it('SIGTERM to the primary drains every worker (responses finish, 1001) and it exits 0 after the last; no process left', async () => {
    const { s, port } = await startCluster();
    const [a, b] = await oneSessionPerWorker(s, port);
    await Promise.all([streamSamples(a, utterance(16000, 1500, 700).all, 16000), streamSamples(b, utterance(16000, 1500, 700).all, 16000)]);
    await Promise.all([a.waitForType('AIResponseStart', 10_000), b.waitForType('AIResponseStart', 10_000)]);
    s.child.kill('SIGTERM');
    for (const c of [a, b]) {
      expect(await c.waitForType('ServerShuttingDown')).toMatchObject({ graceMs: 5000 });
      expect(await c.waitForType('AIResponseEnd', 10_000)).toMatchObject({ status: 'completed' });
      expect((await c.waitForClose(10_000)).code).toBe(1001);
    }
    expect(await s.exit).toBe(0);
    expect(await groupGone(s.pgid)).toEqual([]);
    expect(s.logs.filter((l) => l.msg === 'worker stopped').map((l) => l.code)).toEqual([0, 0]);
  });

  it('Ctrl-C reaches every process of the group: the workers leave the decision to the primary, which drains once', async () => {
    const { s, port } = await startCluster();
    await oneSessionPerWorker(s, port);
    process.kill(-s.pgid, 'SIGINT');
    expect(await s.exit).toBe(0);
    expect(await groupGone(s.pgid)).toEqual([]);
    expect(s.logs.filter((l) => l.msg === 'worker draining').map((l) => l.why)).toEqual(['ordered by the primary', 'ordered by the primary']);
  });

  it('the primary killed outright (SIGKILL): its workers exit with it (Node ends a worker whose primary is gone); no orphan is left', async () => {
    // An upstream outside the tree, so the sessions end by the workers' exit, not by the primary's emulator dying.
    const emulator = await createEmulator({ apiKey: TEST_API_KEY });
    try {
      const { s, port } = await startCluster({ UPSTREAM: 'openai', OPENAI_API_KEY: TEST_API_KEY, OPENAI_REALTIME_URL: emulator.url });
      const [a, b] = await oneSessionPerWorker(s, port);
      s.child.kill('SIGKILL');
      for (const c of [a, b]) expect((await c.waitForClose(10_000)).code).toBe(1006);
      expect(await groupGone(s.pgid, 10_000)).toEqual([]);
    } finally {
      await emulator.close();
    }
  });
});
