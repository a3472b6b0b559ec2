/**
 * Child processes of the benchmark (emulator, proxy, load generators): started with plain `node --import tsx`
 * (no tsx CLI wrapper, so the pid is the process measured), on 127.0.0.1 ports chosen by the OS, and killed on
 * every way out of the bench (normal exit, error, SIGINT/SIGTERM).
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { canConnect, freePort } from '../test/helpers/ports.js';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

const children = new Set<ChildProcess>();
/** Output kept per service (BENCH_OUTPUT_TAIL=<chars> keeps more, e.g. with --proxy-node-args=--trace-gc). */
const TAIL_CHARS = Number(process.env.BENCH_OUTPUT_TAIL) || 4000;
let cleanupInstalled = false;

function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
}

/** Kills every child on exit, on SIGINT/SIGTERM, and on an uncaught error. Idempotent. */
export function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping children\n`);
      killAll();
      process.exit(130);
    });
  }
  process.on('uncaughtException', (error) => {
    process.stderr.write(`bench: ${error.stack ?? error.message}\n`);
    killAll();
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(`bench: unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
    killAll();
    process.exit(1);
  });
}

function track(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** Sets the CPU affinity of every thread of `pid` (taskset -a); false if taskset failed. */
export function pinProcess(pid: number, cpus: string): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Where the bench pins its processes (`--pin`, the default): the proxy's workers one CPU each on the last CPUs,
 * the emulator and the load generators on the CPUs left. With as many workers as CPUs none is left: the workers
 * still get one CPU each, and the emulator and generators are not pinned (they share every CPU with the proxy).
 */
export function cpuPlan(cpus: number, workers: number): { readonly proxy: readonly string[]; readonly others: string | undefined } {
  const first = Math.max(0, cpus - workers);
  const proxy = Array.from({ length: workers }, (_, i) => String((first + i) % cpus));
  if (cpus === 1) return { proxy, others: '0' };
  return { proxy, others: first === 0 ? undefined : first === 1 ? '0' : `0-${first - 1}` };
}

export { freePort };

export interface Service {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** The last lines the process wrote to stderr/stdout (for error messages). */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * A service's environment: this process's, plus `env`, in which '' unsets a variable. No `.env` file is read, so a
 * developer's own settings (auth, say) cannot change what is measured; the bench sets all it needs.
 */
export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...process.env, DOTENV_CONFIG_PATH: '/dev/null', ...env };
  for (const [name, value] of Object.entries(merged)) if (value === '') delete merged[name];
  return merged;
}

/**
 * Starts `node [nodeArgs] --import tsx <script>` with `env` added to this process's environment (see `childEnv`), and waits
 * until `port` accepts TCP connections.
 */
export async function startService(
  name: string,
  script: string,
  port: number,
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
  cwd: string = REPO_ROOT,
): Promise<Service> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script], {
    cwd,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const service: Service = {
    name,
    pid: child.pid ?? -1,
    port,
    output: () => tail,
    stop: async (graceMs = 15000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + 30000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before listening on ${port}:\n${tail}`);
    }
    if (await canConnect(port)) return service;
    if (Date.now() > deadline) {
      await service.stop(0);
      throw new Error(`${name} did not listen on ${port} within 30 s:\n${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Forks a TypeScript module (IPC with structured clone) under `node --import tsx`. */
export function forkModule(script: string, nodeArgs: readonly string[] = []): ChildProcess {
  const child = fork(script, [], {
    cwd: REPO_ROOT,
    execArgv: [...nodeArgs, '--import', 'tsx'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  track(child);
  return child;
}
