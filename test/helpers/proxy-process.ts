/** Runs `npm start`'s entry point (`src/main.ts`) as a real child process, for signals, exits and crashes. */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

export interface ProxyProcess {
  readonly process: ChildProcessByStdio<null, Readable, Readable>;
  readonly port: number;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exit: Promise<number | null>;
  /** Everything written to stderr so far. */
  readonly stderr: () => string;
}

const running = new Set<ProxyProcess>();

/**
 * Starts the proxy with the built-in emulator as its upstream on a free port, stdout and stderr piped, and resolves
 * once it logs `ready` (from then on SIGTERM drains; at `listening` the handlers are not yet on). `env` overrides
 * the defaults.
 */
export async function startProxyProcess(env: Record<string, string> = {}): Promise<ProxyProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', UPSTREAM: 'local', OPENAI_API_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 15_000);
    void exit.then((code) => reject(new Error(`server exited with ${code} before listening: ${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const record = JSON.parse(line) as { msg?: string; port?: number };
      if (record.msg === 'ready' && record.port !== undefined) {
        clearTimeout(timer);
        resolve(record.port);
      }
    });
  });
  const started: ProxyProcess = { process: child, port, exit, stderr: () => stderr };
  running.add(started);
  void exit.then(() => running.delete(started));
  return started;
}

/** For `afterEach`: kills every proxy process a test left running. */
export function killProxyProcesses(): void {
  for (const started of running) started.process.kill('SIGKILL');
  running.clear();
}
