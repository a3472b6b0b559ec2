/**
 * Requests that once took the whole process down from an event listener: odd request targets (`new URL` threw in the
 * upgrade listener), and a WebSocket that errored before any session listened to it. Raw TCP against real servers;
 * each test shows the server still serves afterwards.
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import { startProxy } from '../helpers/proxy.js';
import { killProxyProcesses, startProxyProcess } from '../helpers/proxy-process.js';
import { rawHttpGet, rawUpgrade, readUntilClosed } from '../helpers/raw-client.js';
import { TestClient } from '../helpers/ws-client.js';
import { perTest } from '../helpers/per-test.js';

/** Targets `new URL(target, base)` reads as a host (or rejects), and a few more that name no path at all. */
const ODD_TARGETS = ['//', '///', '//:99999', '//evil.example/', '//evil.example/health', '//[::1', '//a:b@', '/%', 'http://[/'];

let emulator: Emulator | undefined;

const t = perTest(async () => {
  killProxyProcesses();
  await emulator?.close();
  emulator = undefined;
});

function expectJson404(answer: { status: number; body: string }, target: string): void {
  expect(answer.status, target).toBe(404);
  expect(JSON.parse(answer.body), target).toMatchObject({ error: { status: 404 } });
}

describe('hostile requests never reach the process', () => {
  it('odd request targets: plain GETs get the JSON 404, upgrades a 404; the process lives and serves a session', { timeout: 40_000 }, async () => {
    const server = await startProxyProcess();
    for (const target of ODD_TARGETS) {
      expectJson404(await rawHttpGet(server.port, target), target);
      expectJson404(await rawHttpGet(server.port, target, { upgrade: true }), target);
    }
    expect(server.process.exitCode).toBeNull();
    const health = await fetch(`http://127.0.0.1:${server.port}/health`);
    expect(health.status).toBe(200);
    t.client = await TestClient.connect(`ws://127.0.0.1:${server.port}/`);
    await t.client.waitForType('AIConnected', 10_000);
  });

  it('a client refused for its audio format that then breaks the framing closes alone; the process lives', { timeout: 40_000 }, async () => {
    const server = await startProxyProcess();
    const refused = await rawUpgrade(`ws://127.0.0.1:${server.port}/?inputFormat=opus`);
    expect(refused.head).toContain('101');
    // An unmasked client frame: `ws` answers with an 'error' event on the socket, which nothing listened to.
    refused.socket.write(Buffer.from([0x82, 0x02, 0x01, 0x02]));
    await readUntilClosed(refused.socket);
    expect(server.process.exitCode).toBeNull();
    t.client = await TestClient.connect(`ws://127.0.0.1:${server.port}/`);
    await t.client.waitForType('AIConnected', 10_000);
  });

  it('a listener that throws (a bug in the authenticator) answers 500 for that upgrade; the server goes on', async () => {
    let calls = 0;
    t.proxy = await startProxy({
      server: {
        authenticate: () => {
          calls += 1;
          if (calls === 1) throw new Error('authenticator bug');
          return { ok: true };
        },
      },
    });
    const answer = await rawHttpGet(t.proxy.server.port, '/', { upgrade: true });
    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.body)).toEqual({ error: { status: 500, message: 'Internal error.' } });
    t.client = await TestClient.connect(t.proxy.url);
    await t.client.waitForType('AIConnected');
  });

  it('a session that fails to start (a bug in the recorder factory) closes with 1011; the server goes on', async () => {
    let calls = 0;
    t.proxy = await startProxy({
      server: {
        createRecorder: () => {
          calls += 1;
          throw new Error('recorder bug');
        },
      },
    });
    const broken = await TestClient.connect(t.proxy.url);
    expect(await broken.waitForClose()).toEqual({ code: 1011, reason: 'internal_error' });
    expect(calls).toBe(1);
    const health = await fetch(`${t.proxy.httpUrl}/health`);
    expect(await health.json()).toMatchObject({ status: 'ok', activeSessions: 0 });
  });

  it('the emulator survives the same targets and still opens a realtime session', async () => {
    emulator = await createEmulator();
    for (const target of ODD_TARGETS) {
      expect((await rawHttpGet(emulator.port, target)).status, target).toBe(404);
      expect((await rawHttpGet(emulator.port, target, { upgrade: true })).status, target).toBe(404);
    }
    const socket = new WebSocket(`${emulator.url}?model=gpt-realtime`);
    const first = await new Promise<string>((resolve, reject) => {
      socket.once('message', (data: Buffer) => resolve(data.toString('utf8')));
      socket.once('error', reject);
    });
    socket.terminate();
    expect(JSON.parse(first)).toMatchObject({ type: 'session.created' });
  });
});
