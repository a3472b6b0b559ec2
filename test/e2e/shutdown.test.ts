import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { TestClient } from '../helpers/ws-client.js';
import { streamSamples, utterance } from '../helpers/voice.js';
import { killProxyProcesses, startProxyProcess } from '../helpers/proxy-process.js';
import { rawHttpGet } from '../helpers/raw-client.js';

let child: ChildProcess | undefined;

afterEach(() => {
  killProxyProcesses();
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
});

async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms))]);
}

async function fillStdout(port: number): Promise<void> {
  // 10 connections at a time, each a refused upgrade (one log line of ~200 bytes).
  for (let round = 0; round < 300; round += 1) {
    await Promise.all(Array.from({ length: 10 }, () => rawHttpGet(port, '/nowhere', { upgrade: true })));
  }
}

describe('graceful shutdown (SIGTERM)', () => {
  it('tells clients, lets the in-flight response finish, closes with 1001, exits 0', async () => {
    const proxy = await startProxyProcess({ SHUTDOWN_GRACE_MS: '5000' });
    const { port, exit } = proxy;
    const busy = await TestClient.connect(`ws://127.0.0.1:${port}/?inputRate=16000`);
    const idle = await TestClient.connect(`ws://127.0.0.1:${port}/`);
    await busy.waitForType('AIConnected');
    await idle.waitForType('AIConnected');
    await streamSamples(busy, utterance(16000, 1500, 700).all, 16000);
    await busy.waitForType('AIResponseStart', 10_000);

    proxy.process.kill('SIGTERM');
    const ready = await fetch(`http://127.0.0.1:${port}/ready`).catch(() => undefined);
    if (ready) expect(ready.status).toBe(503);

    expect(await idle.waitForType('ServerShuttingDown')).toMatchObject({ graceMs: 5000 });
    expect((await idle.waitForClose()).code).toBe(1001);
    await busy.waitForType('ServerShuttingDown');
    const end = await busy.waitForType('AIResponseEnd', 10_000);
    expect(end.status).toBe('completed');
    expect((await busy.waitForClose(10_000)).code).toBe(1001);
    expect(await exit).toBe(0);
  });

  it('stdout a closed pipe (the log reader died): SIGTERM still ends in exit 0 within the grace period', async () => {
    const graceMs = 2000;
    const proxy = await startProxyProcess({ SHUTDOWN_GRACE_MS: String(graceMs) });
    // The reader goes; the lines the server writes on SIGTERM fail with EPIPE, and the exit comes right after them
    // (pino's exit-time flush retried them forever: the process stopped serving and never exited).
    proxy.process.stdout.destroy();
    proxy.process.kill('SIGTERM');
    expect(await within(proxy.exit, graceMs + 5000)).toBe(0);
  });

  it('stdout a pipe nobody reads (the log reader stalled): the server keeps serving, and SIGTERM still exits 0 in time', async () => {
    const graceMs = 1000;
    const proxy = await startProxyProcess({ SHUTDOWN_GRACE_MS: String(graceMs), LOG_LEVEL: 'trace' });
    proxy.process.stdout.pause();
    // Refused upgrades log a line each; far more than the pipe holds (a few hundred KiB) while nobody reads.
    await fillStdout(proxy.port);
    const health = await fetch(`http://127.0.0.1:${proxy.port}/health`);
    expect(health.status).toBe(200);
    const client = await TestClient.connect(`ws://127.0.0.1:${proxy.port}/`);
    await client.waitForType('AIConnected');

    proxy.process.kill('SIGTERM');
    expect((await client.waitForClose(graceMs + 3000)).code).toBe(1001);
    expect(await within(proxy.exit, graceMs + 5000)).toBe(0);
  });

  it('refuses to start on invalid configuration, naming every bad variable, exit 1', async () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, PORT: 'eighty', VAD_THRESHOLD: '2', UPSTREAM: 'azure', OPENAI_API_KEY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let stderr = '';
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(proc, 'exit')) as [number | null];
    expect(code).toBe(1);
    for (const name of ['PORT', 'VAD_THRESHOLD', 'AZURE_OPENAI_ENDPOINT', 'AZURE_OPENAI_API_KEY', 'AZURE_OPENAI_DEPLOYMENT']) {
      expect(stderr).toContain(name);
    }
  });
});
