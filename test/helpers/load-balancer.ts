/**
 * The reference load-balancer configurations of deploy/ run for real in front of test instances: the file as
 * shipped, with only its listen address, its server lines and its check interval swapped for loopback ports and
 * short times. Each runs in the foreground in a temporary directory that `close()` removes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { arrivals } from './arrivals.js';
import { canConnect, freePort } from './ports.js';
import { findBinary } from './system-binaries.js';

const ROOT = new URL('../../', import.meta.url).pathname;

export interface Backend {
  readonly name: string;
  readonly port: number;
}

export interface LoadBalancer {
  readonly port: number;
  /** Every line it wrote (stdout and stderr), with the time it arrived. */
  readonly lines: { readonly at: number; readonly text: string }[];
  /** The first line matching `pattern` at or after `since` (ms epoch), waiting up to `timeoutMs` for it. */
  waitForLine(pattern: RegExp, since?: number, timeoutMs?: number): Promise<{ at: number; text: string }>;
  close(): Promise<void>;
}

/** deploy/haproxy/haproxy.cfg on a free loopback port, checking every `checkIntervalMs`. */
export async function startHaproxy(backends: readonly Backend[], checkIntervalMs: number): Promise<LoadBalancer> {
  const port = await freePort();
  const reference = readFileSync(join(ROOT, 'deploy/haproxy/haproxy.cfg'), 'utf8');
  const config = reference
    .replace(/^(\s*bind) :\d+$/m, `$1 127.0.0.1:${port}`)
    .replace(/ inter \d+s/, ` inter ${checkIntervalMs}ms`)
    .replace(/^\s*server .*\n/gm, '')
    .concat(backends.map((b) => `    server ${b.name} 127.0.0.1:${b.port}\n`).join(''));
  if (!config.includes(`127.0.0.1:${port}`) || !config.includes(`inter ${checkIntervalMs}ms`)) throw new Error('haproxy.cfg no longer has the lines this helper swaps');
  return run('haproxy', (dir) => {
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(file, config);
    return ['-db', '-f', file];
  }, port);
}

/** deploy/nginx/voice-proxy.conf (an http-level file) inside a minimal nginx.conf, on a free loopback port. */
export async function startNginx(backends: readonly Backend[]): Promise<LoadBalancer> {
  const port = await freePort();
  const reference = readFileSync(join(ROOT, 'deploy/nginx/voice-proxy.conf'), 'utf8');
  const site = reference
    .replace(/^(\s*listen) \d+;$/m, `$1 127.0.0.1:${port};`)
    .replace(/^(\s*)server 10\.[\d.:]+( .*);\n/m, (_all, indent: string, options: string) =>
      backends.map((b) => `${indent}server 127.0.0.1:${b.port}${options};\n`).join(''),
    )
    .replace(/^\s*server 10\.[\d.:]+.*\n/gm, '');
  if (!site.includes(`127.0.0.1:${port}`) || !site.includes(`127.0.0.1:${backends[0]?.port ?? 0}`)) throw new Error('voice-proxy.conf no longer has the lines this helper swaps');
  return run('nginx', (dir) => {
    // One process, in the foreground, everything it writes under `dir` (it runs as whoever runs the tests).
    const main = `daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log stderr notice;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${site}
}
`;
    const file = join(dir, 'nginx.conf');
    writeFileSync(file, main);
    return ['-p', dir, '-c', file, '-e', 'stderr'];
  }, port);
}

async function run(name: string, prepare: (dir: string) => string[], port: number): Promise<LoadBalancer> {
  const binary = findBinary(name);
  if (binary === undefined) throw new Error(`${name} is not installed`);
  const dir = mkdtempSync(join(tmpdir(), `proxy-${name}-`));
  const output = arrivals<{ at: number; text: string }>();
  const lines = output.items;
  let child: ChildProcess;
  try {
    child = spawn(binary, prepare(dir), { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  for (const stream of [child.stdout, child.stderr]) {
    if (stream === null) continue;
    createInterface({ input: stream }).on('line', (text) => {
      output.push({ at: Date.now(), text });
    });
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Listening once a TCP connection to its port succeeds.
  for (const deadline = Date.now() + 10_000; ; ) {
    if (child.exitCode !== null) {
      await close();
      throw new Error(`${name} exited: ${lines.map((l) => l.text).join('\n')}`);
    }
    if (await canConnect(port)) break;
    if (Date.now() > deadline) {
      await close();
      throw new Error(`${name} did not listen in 10 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    lines,
    waitForLine(pattern, since = 0, timeoutMs = 10_000) {
      return output.waitFor(
        (line) => line.at >= since && pattern.test(line.text),
        timeoutMs,
        () => `${name} wrote no line matching ${String(pattern)} in ${timeoutMs} ms`,
      );
    },
    close,
  };
}
