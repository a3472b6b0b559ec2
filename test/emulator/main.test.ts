import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { TestClient } from '../helpers/ws-client.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function start(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/emulator/main.ts'], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms))]);
}

describe('npm run emulator (main.ts)', () => {
  it('logs its URL, serves sessions and exits 0 on SIGTERM', async () => {
    const { child, output, exited } = start({ EMULATOR_PORT: '0' });
    const deadline = Date.now() + 10_000;
    let url: string | undefined;
    while (url === undefined && Date.now() < deadline) {
      url = /"url":"(ws:[^"]+)"/.exec(output())?.[1];
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v1\/realtime$/);
    // The `emulator ready` line, once whole: the standalone emulator logs under its own service name.
    const readyLine = () =>
      output()
        .split('\n')
        .filter((line) => line.startsWith('{') && line.endsWith('}'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((line) => line.msg === 'emulator ready');
    while (readyLine() === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const ready = readyLine();
    expect(ready?.service).toBe('realtime-api-emulator');
    const client = await TestClient.connect(`${url}?model=gpt-realtime`);
    await client.waitForType('session.created');
    child.kill('SIGTERM');
    expect(await within(exited, 5000)).toBe(0);
    expect((await client.waitForClose()).code).toBe(1001);
  });

  it('reports every bad variable by name and exits 1', async () => {
    const { output, exited } = start({ EMULATOR_PORT: 'abc', EMULATOR_LOOPBACK: 'maybe' });
    expect(await within(exited, 10_000)).toBe(1);
    expect(output()).toContain('EMULATOR_PORT');
    expect(output()).toContain('EMULATOR_LOOPBACK');
  });
});
