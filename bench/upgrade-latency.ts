/**
 * What a Redis reservation costs an upgrade, and how long a killed instance's leases keep counting, measured on
 * this machine with real processes (loopback only, bounded counts, stops by itself):
 *
 *   npm run bench:upgrade -- [--upgrades 400] [--kills 3] [--ttl-ms 10000]
 *
 * Two compiled servers (`node dist/main.js`, run `npm run build` first) run side by side, one with REDIS_URL set
 * (a local redis-server) and one without; upgrades alternate between them, one at a time, each timed from the
 * client's connect to the WebSocket `open` (the handshake: TCP, gate, admission, 101), then closed. Then an
 * instance holding a user's last place is killed with SIGKILL, again and again, and the time until that place is
 * admitted elsewhere is the lease-expiry figure (bound: REDIS_LEASE_TTL_MS).
 */
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { mintClientToken } from '../src/auth/jwt.js';
import { startRedis } from '../test/helpers/redis-server.js';
import { readyPort, startServerProcess, type ServerProcess } from '../test/helpers/server-process.js';

const SECRET = 'bench-upgrade-latency-secret-of-32-characters';
const { values } = parseArgs({
  options: { upgrades: { type: 'string', default: '400' }, kills: { type: 'string', default: '3' }, 'ttl-ms': { type: 'string', default: '10000' } },
});
const upgrades = Math.min(Number(values.upgrades), 5000);
const kills = Math.min(Number(values.kills), 10);
const ttlMs = Number(values['ttl-ms']);

const servers: ServerProcess[] = [];
async function server(env: Record<string, string>): Promise<{ s: ServerProcess; url: string }> {
  const s = startServerProcess([process.execPath, 'dist/main.js'], { PROXY_AUTH_SECRET: SECRET, MAX_CONNECTIONS_PER_IP: '100000', ...env });
  servers.push(s);
  return { s, url: `ws://127.0.0.1:${await readyPort(s, 30_000)}/` };
}

/** One upgrade: ms from connect to open; the socket is then closed and its close awaited. */
function upgradeMs(url: string, user: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const startedAt = process.hrtime.bigint();
    const socket = new WebSocket(url, ['voice.v1', `token.${mintClientToken(SECRET, { sub: user, ttlSeconds: 600 })}`], { perMessageDeflate: false });
    socket.once('open', () => {
      const ms = Number(process.hrtime.bigint() - startedAt) / 1e6;
      socket.once('close', () => resolve(ms));
      socket.close();
    });
    socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    socket.once('error', reject);
  });
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN).toFixed(2);
  return `median ${at(0.5)} ms, p10 ${at(0.1)}, p90 ${at(0.9)}, p99 ${at(0.99)} (n=${sorted.length})`;
}

async function main(): Promise<void> {
  const redis = await startRedis();
  try {
    const withRedis = await server({ REDIS_URL: redis.url, REDIS_LEASE_TTL_MS: String(ttlMs), MAX_SESSIONS_PER_USER: '1' });
    const without = await server({});
    const set: number[] = [];
    const unset: number[] = [];
    // Warm-up (JIT, script load), not counted.
    for (let i = 0; i < 20; i += 1) {
      await upgradeMs(withRedis.url, `warm${i}`);
      await upgradeMs(without.url, `warm${i}`);
    }
    for (let i = 0; i < upgrades; i += 1) {
      // Alternate which goes first, so neither always follows the other.
      const pair = i % 2 === 0 ? [withRedis, without] : [without, withRedis];
      for (const target of pair) (target === withRedis ? set : unset).push(await upgradeMs(target.url, `u${i}`));
    }
    console.log(`upgrade, REDIS_URL set:   ${summary(set)}`);
    console.log(`upgrade, REDIS_URL unset: ${summary(unset)}`);
    const medianOf = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    console.log(`added by the reservation (difference of medians): ${(medianOf(set) - medianOf(unset)).toFixed(2)} ms`);

    // Lease expiry: a victim instance holds user `carol`'s only place (MAX_SESSIONS_PER_USER=1) and is killed.
    const expiry: number[] = [];
    for (let k = 0; k < kills; k += 1) {
      const victim = await server({ REDIS_URL: redis.url, REDIS_LEASE_TTL_MS: String(ttlMs), MAX_SESSIONS_PER_USER: '1' });
      const user = `carol${k}`;
      const held = new WebSocket(victim.url, ['voice.v1', `token.${mintClientToken(SECRET, { sub: user, ttlSeconds: 600 })}`]);
      held.on('error', () => undefined);
      await new Promise((resolve) => held.once('open', resolve));
      // Killed at a random point of its renewal cycle.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * ttlMs));
      victim.s.kill();
      const killedAt = Date.now();
      for (;;) {
        const admitted = await upgradeMs(withRedis.url, user).then(
          () => true,
          () => false,
        );
        if (admitted) break;
        if (Date.now() - killedAt > 3 * ttlMs) throw new Error('the lease did not expire');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expiry.push(Date.now() - killedAt);
    }
    console.log(`kill -9 → place admitted again (REDIS_LEASE_TTL_MS=${ttlMs}): ${expiry.map((ms) => `${ms} ms`).join(', ')}; max ${Math.max(...expiry)} ms`);
  } finally {
    for (const s of servers) s.kill();
    await redis.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
