/**
 * The server as a real child process (`npm start`, `node dist/main.js`, or the TypeScript entry through tsx), in
 * its own process group the way a supervisor or a terminal starts it: its JSON log lines, its exit, and every
 * process of its group, to prove that none is left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { arrivals } from './arrivals.js';

export type LogLine = Record<string, unknown> & { msg?: string };

export interface ServerProcess {
  readonly child: ChildProcess;
  /** The process group (the child leads it). */
  readonly pgid: number;
  readonly logs: LogLine[];
  /** stderr, as text. */
  stderr(): string;
  /** Resolves with the exit code (or the signal name) of the started process. */
  readonly exit: Promise<number | string>;
  /** The first log line matching `predicate` (already seen, or the next to arrive). */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Kills whatever is left of the group (teardown). */
  kill(): void;
}

/** The TypeScript entry point run the way the tests run it (no build step). */
export const TSX_ENTRY = [process.execPath, '--import', 'tsx', 'src/main.ts'] as const;

/**
 * Starts `command` (in `cwd`, the repository by default) in a new process group with the test defaults (port 0,
 * loopback, emulator upstream).
 */
export function startServerProcess(command: readonly string[], env: Record<string, string> = {}, cwd?: string): ServerProcess {
  const [file, ...args] = command;
  if (file === undefined) throw new Error('no command');
  const child = spawn(file, args, {
    ...(cwd === undefined ? {} : { cwd }),
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', UPSTREAM: 'local', OPENAI_API_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const arrived = arrivals<LogLine>();
  const logs = arrived.items;
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout ?? process.stdin }).on('line', (line) => {
    // npm prints its banner ("> realtime-voice-proxy@… start") before the server's JSON lines.
    if (!line.startsWith('{')) return;
    arrived.push(JSON.parse(line) as LogLine);
  });
  const exit = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const pgid = child.pid ?? -1;
  return {
    child,
    pgid,
    logs,
    stderr: () => stderr,
    exit,
    waitForLog(predicate, timeoutMs = 20_000) {
      return arrived.waitFor(predicate, timeoutMs, () => `no such log line in ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`);
    },
    kill() {
      for (const pid of processesInGroup(pgid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}

/** The port the server announced in its `ready` line. */
export async function readyPort(server: ServerProcess, timeoutMs?: number): Promise<number> {
  const line = await server.waitForLog((l) => l.msg === 'ready', timeoutMs);
  return Number(line.port);
}

/** Live (not zombie) processes whose process group is `pgid`, from /proc. */
export function processesInGroup(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so read after the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') pids.push(Number(entry));
  }
  return pids;
}

/** The command line of a process, for messages. */
export function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '(gone)';
  }
}

/** Waits until no process of the group is left; returns the commands of those still there at the deadline. */
export async function groupGone(pgid: number, timeoutMs = 5000): Promise<string[]> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    if (processesInGroup(pgid).length === 0) return [];
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return processesInGroup(pgid).map(commandOf);
}
