/**
 * `npm start` under every way a supervisor or a terminal signals it: to the npm process only (Docker's
 * `CMD ["npm","start"]`, systemd's main PID), to the whole process group (a terminal's Ctrl-C, `kill -- -PGID`), or
 * to the server process itself. Each must drain fully and leave no process behind; a deliberate second Ctrl-C ends
 * the drain at once. Real `npm start` (with its build step), real signals, real processes, in a copy of the
 * project that has never been built (as a fresh clone after `npm install`), so the repository's own dist/, which
 * other tests run, is never rebuilt under them.
 */
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { streamSamples, utterance } from '../helpers/voice.js';
import { TestClient } from '../helpers/ws-client.js';
import { commandOf, groupGone, processesInGroup, readyPort, startServerProcess, TSX_ENTRY, type ServerProcess } from '../helpers/server-process.js';

const NPM_START = ['npm', 'start'] as const;
const ROOT = new URL('../../', import.meta.url).pathname;
let server: ServerProcess | undefined;
const clients: TestClient[] = [];
let recordings: string | undefined;
let checkout: string;

beforeAll(async () => {
  checkout = await mkdtemp(join(tmpdir(), 'proxy-checkout-'));
  for (const file of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src']) {
    await cp(join(ROOT, file), join(checkout, file), { recursive: true });
  }
  await symlink(join(ROOT, 'node_modules'), join(checkout, 'node_modules'));
});

afterAll(async () => {
  await rm(checkout, { recursive: true, force: true });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  server?.kill();
  server = undefined;
  if (recordings) await rm(recordings, { recursive: true, force: true });
  recordings = undefined;
});

/** `npm start` in the unbuilt copy of the project. */
function npmStart(env: Record<string, string> = {}): ServerProcess {
  return startServerProcess(NPM_START, env, checkout);
}

/** `npm start` with one idle client and one whose response is playing when the signal comes. */
async function startWithTwoClients(env: Record<string, string> = {}, speechMs = 1500) {
  recordings = await mkdtemp(join(tmpdir(), 'proxy-start-'));
  const s = (server = npmStart({ SHUTDOWN_GRACE_MS: '5000', SAVE_AUDIO: 'response', AUDIO_OUTPUT_DIR: recordings, ...env }));
  const port = await readyPort(s, 60_000);
  const idle = await TestClient.connect(`ws://127.0.0.1:${port}/`);
  const busy = await TestClient.connect(`ws://127.0.0.1:${port}/?inputRate=16000`);
  clients.push(idle, busy);
  await idle.waitForType('AIConnected');
  await busy.waitForType('AIConnected');
  await streamSamples(busy, utterance(16000, speechMs, 700).all, 16000);
  await busy.waitForType('AIResponseStart', 10_000);
  const serverPid = Number((await s.waitForLog((l) => l.msg === 'ready')).pid);
  return { s, port, idle, busy, serverPid };
}

/** The full drain as a client sees it, then exit 0 and an empty process group. */
async function expectFullDrain(s: ServerProcess, idle: TestClient, busy: TestClient): Promise<void> {
  expect(await idle.waitForType('ServerShuttingDown')).toMatchObject({ graceMs: 5000 });
  expect((await idle.waitForClose()).code).toBe(1001);
  expect(await busy.waitForType('AIResponseEnd', 10_000)).toMatchObject({ status: 'completed' });
  expect((await busy.waitForClose(10_000)).code).toBe(1001);
  expect(await s.exit).toBe(0);
  expect(await groupGone(s.pgid)).toEqual([]);
  // The response's recording was completed: its sidecar is written when the file is whole.
  const sidecars = (await readdir(recordings ?? '')).filter((name) => name.endsWith('.json'));
  expect(sidecars).toHaveLength(1);
  expect(JSON.parse(await readFile(join(recordings ?? '', sidecars[0] ?? ''), 'utf8'))).toMatchObject({ status: 'completed' });
}

describe('npm start', { timeout: 60_000 }, () => {
  it('works on a never-built checkout, and runs two processes: npm and the server (no shell, no TypeScript loader, no compiler service)', async () => {
    expect(existsSync(join(checkout, 'dist'))).toBe(false);
    const s = (server = npmStart());
    await readyPort(s, 60_000);
    const commands = processesInGroup(s.pgid).map(commandOf);
    expect(commands).toHaveLength(2);
    expect(commands).toEqual(expect.arrayContaining([expect.stringMatching(/^npm start/), expect.stringMatching(/node dist\/main\.js$/)]));
    process.kill(s.pgid, 'SIGTERM');
    expect(await s.exit).toBe(0);
  });

  it('SIGTERM to the npm process only (Docker, systemd): full drain, 1001, recordings completed, exit 0, no process left', async () => {
    const { s, idle, busy } = await startWithTwoClients();
    s.child.kill('SIGTERM');
    await expectFullDrain(s, idle, busy);
  });

  it('SIGTERM to the whole group (the server gets it directly and again from npm): the drain is not cut', async () => {
    const { s, idle, busy } = await startWithTwoClients();
    process.kill(-s.pgid, 'SIGTERM');
    await expectFullDrain(s, idle, busy);
  });

  it('SIGTERM to the server process itself: full drain; npm exits 0 after it', async () => {
    const { s, idle, busy, serverPid } = await startWithTwoClients();
    expect(serverPid).not.toBe(s.child.pid);
    process.kill(serverPid, 'SIGTERM');
    await expectFullDrain(s, idle, busy);
  });

  it('Ctrl-C (SIGINT to the group) drains; a second Ctrl-C a moment later ends the drain at once with exit 1', async () => {
    // A 5 s reply: still playing when the second Ctrl-C comes.
    const { s, busy } = await startWithTwoClients({ SHUTDOWN_GRACE_MS: '30000' }, 5000);
    process.kill(-s.pgid, 'SIGINT');
    await busy.waitForType('ServerShuttingDown');
    await new Promise((resolve) => setTimeout(resolve, 700));
    const forcedAt = Date.now();
    process.kill(-s.pgid, 'SIGINT');
    expect(await s.exit).toBe(1);
    expect(Date.now() - forcedAt).toBeLessThan(3000);
    expect(await groupGone(s.pgid)).toEqual([]);
    expect(s.logs.some((l) => l.msg === 'second interrupt: stopping at once')).toBe(true);
  });
});

describe('starting on a port that is taken', { timeout: 60_000 }, () => {
  it.each([['one process', '1'], ['a cluster', '2']])('%s: one line that names PORT, no stack trace, exit 1, nothing left running', async (_name, workers) => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as AddressInfo).port;
    try {
      const s = (server = startServerProcess(TSX_ENTRY, { PORT: String(port), WORKERS: workers }));
      expect(await s.exit).toBe(1);
      const lines = s.stderr().trim().split('\n');
      expect(lines[0]).toBe(`error: port ${port} on 127.0.0.1 is already in use. Stop the other server, or set PORT to a free port (PORT=0 picks one).`);
      expect(s.stderr()).not.toMatch(/\bat .*\.(ts|js):\d+/);
      expect(await groupGone(s.pgid)).toEqual([]);
    } finally {
      squatter.close();
    }
  });
});
