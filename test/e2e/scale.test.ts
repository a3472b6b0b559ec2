/**
 * Several instances behind a real load balancer, sharing their limits in a real Redis: redis-server, two proxy
 * instances (`node dist/main.js`, as deployed) and HAProxy running deploy/haproxy/haproxy.cfg, all on loopback
 * ports picked here, with short intervals through the environment. Clients come from different loopback addresses
 * (127.0.0.x), which HAProxy forwards in X-Forwarded-For (TRUST_PROXY=true). Then nginx with
 * deploy/nginx/voice-proxy.conf, smoke-tested the same way. `npm run test:scale` runs this file alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintClientToken } from '../../src/auth/jwt.js';
import { startHaproxy, startNginx, type LoadBalancer } from '../helpers/load-balancer.js';
import { sampleValue, scrapeMetrics } from '../helpers/metrics-text.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { readyPort, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { freePort } from '../helpers/ports.js';
import { haveBinaries } from '../helpers/system-binaries.js';
import { streamSamples, utterance } from '../helpers/voice.js';
import { TestClient, UpgradeRejected } from '../helpers/ws-client.js';

const SECRET = 'scale-test-secret-of-at-least-32-characters';
const LEASE_TTL_MS = 1500;
const CHECK_INTERVAL_MS = 250;
/** HAProxy's `fall` in the reference file: failed checks before an instance is marked down. */
const CHECK_FALL = 2;

/** One proxy instance on a fixed port (the load balancer's server line names it), restartable. */
class Instance {
  process: ServerProcess | undefined;
  constructor(
    readonly name: string,
    readonly port: number,
    private env: Record<string, string>,
  ) {}

  async start(extraEnv: Record<string, string> = {}): Promise<void> {
    this.env = { ...this.env, ...extraEnv };
    const started = startServerProcess([process.execPath, 'dist/main.js'], { ...this.env, PORT: String(this.port) });
    this.process = started;
    await readyPort(started, 30_000);
  }

  /** SIGTERM; resolves with the exit code once the drain is over. */
  async stop(): Promise<number | string | undefined> {
    const running = this.process;
    if (running === undefined) return undefined;
    process.kill(running.child.pid ?? -1, 'SIGTERM');
    const code = await running.exit;
    this.process = undefined;
    return code;
  }

  /** Whether the session `sessionId` runs here. */
  serves(sessionId: unknown): boolean {
    return this.process?.logs.some((l) => l.msg === 'session opened' && l.sessionId === sessionId) ?? false;
  }

  async get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`http://127.0.0.1:${this.port}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }
}

let redis: RedisServer | undefined;
let balancer: LoadBalancer | undefined;
const instances: Instance[] = [];
const clients: TestClient[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const token = (sub: string) => mintClientToken(SECRET, { sub, ttlSeconds: 600 });

/**
 * A session through the load balancer from loopback address `from`, for `user` (by default one of its own per
 * address); resolves once connected upstream.
 */
async function connect(from: string, user = `user-${from}`): Promise<{ client: TestClient; sessionId: unknown }> {
  const client = await upgrade(from, user);
  const { sessionId } = await client.waitForType('AIConnected', 10_000);
  return { client, sessionId };
}

/** The WebSocket handshake alone (admission included), through the load balancer. */
async function upgrade(from: string, user: string): Promise<TestClient> {
  const client = await TestClient.connect(`ws://127.0.0.1:${balancer?.port ?? 0}/?inputRate=16000`, {
    localAddress: from,
    protocols: ['voice.v1', `token.${token(user)}`],
  });
  clients.push(client);
  return client;
}

/** The instance serving `sessionId` (its log line may trail the client's event a little). */
async function servedBy(sessionId: unknown, among: readonly Instance[] = instances): Promise<Instance> {
  for (const deadline = Date.now() + 5000; Date.now() < deadline; await sleep(20)) {
    const found = among.find((instance) => instance.serves(sessionId));
    if (found) return found;
  }
  throw new Error(`no instance logged session ${String(sessionId)}`);
}

/** The HTTP status an upgrade gets (101 when it is admitted; the session is then closed). */
async function refusedWith(from: string, user = `user-${from}`): Promise<number> {
  try {
    (await upgrade(from, user)).close();
    return 101;
  } catch (error) {
    if (error instanceof UpgradeRejected) return error.status;
    throw error;
  }
}

async function voiceTurn(client: TestClient): Promise<void> {
  const ends = () => client.json.filter((m) => m.name === 'AIResponseEnd').length;
  const before = ends();
  await streamSamples(client, utterance(16000, 600, 600).all, 16000);
  await client.waitUntil(() => ends() > before, 15_000);
}

async function eventually(probe: () => Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await probe()); await sleep(50)) {
    if (Date.now() > deadline) throw new Error(`${what} not reached in ${timeoutMs} ms`);
  }
}

function closeClients(): void {
  for (const client of clients.splice(0)) client.close();
}

/** HAProxy's last word on a server: `UP`, `DOWN`, or undefined (never changed: up since the start). */
function haproxyState(name: string): string | undefined {
  const pattern = new RegExp(`/${name} is (UP|DOWN)`);
  return balancer?.lines.map((l) => pattern.exec(l.text)?.[1]).filter((state) => state !== undefined).at(-1);
}

/**
 * No session left on any running instance: an earlier test's closed clients no longer count in HAProxy's
 * `leastconn` (it balances on the connections it still holds, and a closing one on a loaded machine skews the spread).
 */
async function noSessionsLeft(): Promise<void> {
  const idle = (i: Instance): Promise<boolean> => i.get('/health').then((r) => r.body.activeSessions === 0, () => true);
  await eventually(async () => (await Promise.all(instances.map(idle))).every(Boolean), 10_000, 'no sessions left');
}

/** Both instances ready, and up in HAProxy's view. */
async function bothUp(): Promise<void> {
  await eventually(async () => (await Promise.all(instances.map((i) => i.get('/ready').then((r) => r.status === 200, () => false)))).every(Boolean));
  await eventually(() => Promise.resolve(instances.every((i) => haproxyState(i.name) !== 'DOWN')), 10_000, 'HAProxy sees both up');
}

const HAVE_ALL = haveBinaries('redis-server', 'haproxy', 'nginx');

describe.skipIf(!HAVE_ALL)('several instances behind HAProxy, limits shared in Redis', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    redis = await startRedis();
    const env = {
      REDIS_URL: redis.url,
      REDIS_LEASE_TTL_MS: String(LEASE_TTL_MS),
      TRUST_PROXY: 'true',
      PROXY_AUTH_SECRET: SECRET,
      MAX_CONNECTIONS_PER_IP: '2',
      MAX_SESSIONS_PER_USER: '2',
      SHUTDOWN_GRACE_MS: '1500',
    };
    instances.push(new Instance('proxy1', await freePort(), env), new Instance('proxy2', await freePort(), env));
    await Promise.all(instances.map((instance) => instance.start()));
    balancer = await startHaproxy(instances, CHECK_INTERVAL_MS);
    await bothUp();
  }, 60_000);

  afterAll(async () => {
    closeClients();
    for (const instance of instances.splice(0)) instance.process?.kill();
    await balancer?.close();
    await redis?.close();
  });

  it('sessions spread over the instances (leastconn), and each talks', async () => {
    const sessions = await Promise.all(['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'].map((from) => connect(from)));
    const where = await Promise.all(sessions.map((s) => servedBy(s.sessionId)));
    expect(where.filter((i) => i.name === 'proxy1')).toHaveLength(2);
    expect(where.filter((i) => i.name === 'proxy2')).toHaveLength(2);
    await Promise.all(sessions.map((s) => voiceTurn(s.client)));
    closeClients();
  });

  it('MAX_CONNECTIONS_PER_IP and MAX_SESSIONS_PER_USER hold across instances', async () => {
    await noSessionsLeft();
    // Two sessions from one address land on different instances: counted per instance, a third would pass.
    const a = await connect('127.0.0.10');
    const b = await connect('127.0.0.10');
    expect(new Set([(await servedBy(a.sessionId)).name, (await servedBy(b.sessionId)).name]).size).toBe(2);
    expect(await refusedWith('127.0.0.10')).toBe(429);
    expect(await refusedWith('127.0.0.10')).toBe(429);
    // Alice, from two addresses, on the two instances: a third session, from a third address, is refused.
    const c = await connect('127.0.0.11', 'alice');
    const d = await connect('127.0.0.12', 'alice');
    expect(new Set([(await servedBy(c.sessionId)).name, (await servedBy(d.sessionId)).name]).size).toBe(2);
    expect(await refusedWith('127.0.0.13', 'alice')).toBe(429);
    expect(await refusedWith('127.0.0.13', 'bob')).toBe(101);
    // A session that ends gives its place back, whichever instance held it.
    a.client.close();
    c.client.close();
    await eventually(async () => (await refusedWith('127.0.0.10')) === 101, 5000, 'per-IP place back');
    await eventually(async () => (await refusedWith('127.0.0.14', 'alice')) === 101, 5000, 'per-user place back');
    const metrics = await scrapeMetrics(`http://127.0.0.1:${instances[0]?.port ?? 0}`);
    expect(sampleValue(metrics.samples, 'audio_proxy_shared_store_up')).toBe(1);
    closeClients();
  });

  it('SIGTERM to one instance: its clients get ServerShuttingDown and 1001, HAProxy stops sending it sessions within its checks, the other goes on', async () => {
    const [p1] = instances as [Instance, Instance];
    const onOne: TestClient[] = [];
    let onTwo: TestClient | undefined;
    for (let n = 20; (onOne.length === 0 || onTwo === undefined) && n < 30; n += 1) {
      const { client, sessionId } = await connect(`127.0.0.${n}`);
      if ((await servedBy(sessionId)) === p1) onOne.push(client);
      else onTwo ??= client;
    }
    if (onTwo === undefined || onOne.length === 0) throw new Error('sessions did not spread');
    const survivor = onTwo;
    const signalledAt = Date.now();
    const stopped = p1.stop();
    expect(await onOne[0]?.waitForType('ServerShuttingDown')).toMatchObject({ graceMs: 1500 });
    expect((await onOne[0]?.waitForClose())?.code).toBe(1001);
    // Every upgrade from the signal on reaches proxy2: the drain's 503s are retried there until the checks see it.
    const during = await Promise.all(['127.0.0.40', '127.0.0.41', '127.0.0.42', '127.0.0.43'].map((from) => connect(from)));
    for (const { sessionId } of during) expect((await servedBy(sessionId)).name).toBe('proxy2');
    const down = await balancer?.waitForLine(/proxy1 is DOWN/, signalledAt);
    expect((down?.at ?? Infinity) - signalledAt).toBeLessThanOrEqual(CHECK_FALL * CHECK_INTERVAL_MS + 1000);
    await voiceTurn(survivor);
    expect(survivor.socket.readyState).toBe(survivor.socket.OPEN);
    expect(await stopped).toBe(0);
    closeClients();
    await p1.start();
    await bothUp();
  });

  it('kill -9 of an instance: its leases expire within REDIS_LEASE_TTL_MS and the capacity comes back', async () => {
    const carol = [await connect('127.0.0.50', 'carol'), await connect('127.0.0.51', 'carol')];
    const victim = await servedBy(carol[0]?.sessionId);
    expect(await refusedWith('127.0.0.52', 'carol')).toBe(429);
    const killedAt = Date.now();
    victim.process?.kill();
    await victim.process?.exit;
    victim.process = undefined;
    let admittedAfter = -1;
    while (Date.now() - killedAt < 4 * LEASE_TTL_MS) {
      if ((await refusedWith('127.0.0.52', 'carol')) === 101) {
        admittedAfter = Date.now() - killedAt;
        break;
      }
      await sleep(50);
    }
    // The dead lease lasts at most its lifetime after its last renewal (every third of it), so ≤ TTL after the kill
    // (the slack covers the 50 ms polling and the handshake through HAProxy on a loaded machine).
    expect(admittedAfter).toBeGreaterThan(0);
    expect(admittedAfter).toBeLessThanOrEqual(LEASE_TTL_MS + 750);
    closeClients();
    await victim.start();
    await bothUp();
  });

  it('Redis stopped, REDIS_FAILURE_MODE=open: sessions go on and are admitted under per-instance limits; Redis back: shared again, no restart', async () => {
    const [p1] = instances as [Instance, Instance];
    const held = [await connect('127.0.0.60'), await connect('127.0.0.61')];
    await redis?.stop();
    await eventually(async () => (await p1.get('/health')).body.sharedStore === 'unreachable', 5000, 'outage seen');
    // Still ready (a 503 from every instance would empty the balancer), and saying why the limits are local.
    expect(await p1.get('/ready')).toEqual({ status: 200, body: { ready: true, sharedStore: 'unreachable' } });
    await voiceTurn(held[0]?.client as TestClient);
    // One address: two per instance now (each instance counts alone), so four in all, then 429.
    const admitted = [];
    for (let n = 0; n < 4; n += 1) admitted.push(await connect('127.0.0.62'));
    expect(await refusedWith('127.0.0.62')).toBe(429);
    const metrics = await scrapeMetrics(`http://127.0.0.1:${p1.port}`);
    expect(sampleValue(metrics.samples, 'audio_proxy_shared_store_up')).toBe(0);
    expect(sampleValue(metrics.samples, 'audio_proxy_shared_store_outages_total')).toBe(1);
    expect(p1.process?.logs.filter((l) => l.msg === 'shared store unreachable')).toHaveLength(1);

    await redis?.start();
    await eventually(async () => (await p1.get('/ready')).body.sharedStore === 'reachable', 10_000, 'store back');
    // The renewals put back the four leases taken meanwhile (Redis came back empty): the shared count is 4 > 2.
    await sleep(LEASE_TTL_MS / 2);
    for (const { client } of admitted.slice(0, 2)) client.close();
    await sleep(300);
    expect(await refusedWith('127.0.0.62')).toBe(429);
    for (const { client } of admitted.slice(2, 3)) client.close();
    await eventually(async () => (await refusedWith('127.0.0.62')) === 101, 5000, 'a place under the shared count');
    expect(p1.process?.logs.filter((l) => l.msg === 'shared store reachable again')).toHaveLength(1);
    closeClients();
  });

  it('Redis stopped, REDIS_FAILURE_MODE=closed: /ready 503, new sessions refused, live ones go on; Redis back: admitted again', async () => {
    await Promise.all(instances.map((instance) => instance.stop()));
    await Promise.all(instances.map((instance) => instance.start({ REDIS_FAILURE_MODE: 'closed' })));
    await bothUp();
    const live = await connect('127.0.0.70');
    const stoppedAt = Date.now();
    await redis?.stop();
    for (const instance of instances) {
      await eventually(async () => (await instance.get('/ready')).status === 503, 5000, 'not ready');
      expect((await instance.get('/ready')).body).toEqual({ ready: false, sharedStore: 'unreachable' });
    }
    await balancer?.waitForLine(/proxy1 is DOWN/, stoppedAt);
    await balancer?.waitForLine(/proxy2 is DOWN/, stoppedAt);
    expect(await refusedWith('127.0.0.71')).toBe(503);
    await voiceTurn(live.client);
    const backAt = Date.now();
    await redis?.start();
    await balancer?.waitForLine(/proxy[12] is UP/, backAt);
    await eventually(async () => (await refusedWith('127.0.0.71')) === 101, 10_000, 'admitted again');
    closeClients();
  });
});

describe.skipIf(!HAVE_ALL)('nginx in front (passive checks)', { timeout: 60_000 }, () => {
  const fleet: Instance[] = [];
  let nginx: LoadBalancer | undefined;

  afterAll(async () => {
    for (const instance of fleet.splice(0)) instance.process?.kill();
    await nginx?.close();
  });

  it('spreads sessions, reads the forwarded address, and retries a draining instance’s 503 on the other, so new clients do not see the drain', async () => {
    // One session per address: sessions from several addresses on one instance show that the address counted is
    // the client's (from X-Forwarded-For), not nginx's.
    const env = { TRUST_PROXY: 'true', MAX_CONNECTIONS_PER_IP: '1', SHUTDOWN_GRACE_MS: '3000' };
    fleet.push(new Instance('a', await freePort(), env), new Instance('b', await freePort(), env));
    await Promise.all(fleet.map((instance) => instance.start()));
    nginx = await startNginx(fleet);
    const open = async (from: string) => {
      const client = await TestClient.connect(`ws://127.0.0.1:${nginx?.port ?? 0}/?inputRate=16000`, { localAddress: from });
      const { sessionId } = await client.waitForType('AIConnected', 10_000);
      return { client, at: await servedBy(sessionId, fleet) };
    };
    const first = await open('127.0.0.80');
    const second = await open('127.0.0.81');
    expect(new Set([first.at.name, second.at.name]).size).toBe(2);
    const stopped = first.at.stop();
    await first.client.waitForType('ServerShuttingDown');
    const during = [];
    for (const from of ['127.0.0.82', '127.0.0.83', '127.0.0.84']) during.push(await open(from));
    for (const { at } of during) expect(at).toBe(second.at);
    await voiceTurn(second.client);
    for (const { client } of [second, ...during]) client.close();
    expect(await stopped).toBe(0);
  });
});
