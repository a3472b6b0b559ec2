/**
 * The deploy files against the code, offline (no image can be built here): what the Dockerfile and the systemd unit
 * copy and run exists, the command starts the server and stops it cleanly on the stop signal, the health check
 * passes against it, and every variable they set is one the configuration reads.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { STOP_MARGIN_MS } from '../../src/cluster/primary.js';
import { loadConfig } from '../../src/config/index.js';
import { readyPort, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const defaults = loadConfig({});
if (!defaults.ok) throw new Error('the default configuration is invalid');
const CONFIG_VARIABLES = new Set(defaults.variables);
/** Read by Node and npm themselves, not by our configuration. */
const RUNTIME_VARIABLES = new Set(['NODE_ENV']);

let server: ServerProcess | undefined;
let scratch: string | undefined;
afterEach(async () => {
  server?.kill();
  server = undefined;
  if (scratch) await rm(scratch, { recursive: true, force: true });
  scratch = undefined;
});

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** Dockerfile instructions (continuation lines joined, comments dropped), per stage. */
function dockerStages(text: string): Instruction[][] {
  const stages: Instruction[][] = [];
  const joined = text.replace(/\\\n\s*/g, ' ');
  for (const line of joined.split('\n')) {
    const match = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (match === null || line.trim().startsWith('#')) continue;
    const instruction = { keyword: match[1] ?? '', args: (match[2] ?? '').trim() };
    if (instruction.keyword === 'FROM') stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

function execForm(args: string): string[] {
  const parsed = JSON.parse(args) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) throw new Error(`not exec form: ${args}`);
  return parsed;
}

/** systemd unit: `Key=value` lines of every section (repeated keys kept in order). */
function unitEntries(text: string): [string, string][] {
  return text
    .split('\n')
    .filter((line) => /^[A-Za-z]+=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
}

const run = promisify(execFile);
async function exitCodeOf(argv: readonly string[], env: Record<string, string>): Promise<number> {
  const [file, ...args] = argv;
  try {
    await run(file === 'node' ? process.execPath : (file ?? ''), args, { env: { ...process.env, ...env }, timeout: 10_000 });
    return 0;
  } catch (error) {
    return typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : -1;
  }
}

describe('deploy/Dockerfile', () => {
  const stages = dockerStages(read('deploy/Dockerfile'));
  const final = stages.at(-1) ?? [];
  const all = (keyword: string, stage = final) => stage.filter((i) => i.keyword === keyword).map((i) => i.args);

  it('is multi-stage on Node 20 slim, builds with the build script, runs as a non-root user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage[0]?.args).toMatch(/^node:20-slim\b/);
    expect(all('RUN', stages[0])).toContain('npm run build');
    expect((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.build).toBeDefined();
    const user = all('USER').at(-1);
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
  });

  it('copies only what exists and what .dockerignore lets through', () => {
    const allowed = read('.dockerignore')
      .split('\n')
      .filter((line) => line.startsWith('!'))
      .map((line) => line.slice(1).replace(/\/$/, ''));
    for (const stage of stages) {
      for (const copy of all('COPY', stage).filter((args) => !args.startsWith('--from'))) {
        for (const source of copy.split(/\s+/).slice(0, -1)) {
          expect(existsSync(join(ROOT, source)), source).toBe(true);
          expect(allowed, `${source} must be let through .dockerignore`).toContain(source.replace(/^\.\//, '').replace(/\/$/, ''));
        }
      }
    }
  });

  it('sets only variables the configuration reads; exposes the port it listens on', () => {
    const names = all('ENV').map((args) => args.split('=')[0] ?? '');
    for (const name of names.filter((n) => !RUNTIME_VARIABLES.has(n))) expect(CONFIG_VARIABLES, name).toContain(name);
    const port = all('ENV').find((args) => args.startsWith('PORT='))?.split('=')[1];
    expect(all('EXPOSE')).toEqual([port]);
  });

  it('its command is the server itself (signals reach it directly): it starts, passes the HEALTHCHECK, and drains on STOPSIGNAL with exit 0', async () => {
    const command = execForm(all('CMD').at(-1) ?? '[]');
    expect(command[0]).toBe('node');
    expect(existsSync(join(ROOT, command[1] ?? ''))).toBe(true);
    const healthcheck = execForm((all('HEALTHCHECK').at(-1) ?? '').replace(/^.*?CMD\s+/, ''));
    expect(healthcheck.join(' ')).toContain('/health');
    const stopSignal = all('STOPSIGNAL').at(-1) as NodeJS.Signals;
    const env = Object.fromEntries(all('ENV').map((args) => args.split('=') as [string, string]));
    scratch = await mkdtemp(join(tmpdir(), 'proxy-deploy-'));
    const s = (server = startServerProcess([process.execPath, ...command.slice(1)], { ...env, AUDIO_OUTPUT_DIR: scratch, PORT: '0', HOST: '127.0.0.1' }));
    const port = await readyPort(s);
    expect(await exitCodeOf(healthcheck, { PORT: String(port) })).toBe(0);
    process.kill(s.child.pid ?? -1, stopSignal);
    expect(await s.exit).toBe(0);
    expect(await exitCodeOf(healthcheck, { PORT: String(port) })).toBe(1);
  });
});

describe('deploy/realtime-voice-proxy.service', () => {
  const entries = unitEntries(read('deploy/realtime-voice-proxy.service'));
  const value = (key: string) => entries.filter(([k]) => k === key).map(([, v]) => v);

  it('runs the server as the main process, stops it with SIGTERM and waits longer than the drain can take', () => {
    const [binary, script] = (value('ExecStart')[0] ?? '').split(' ');
    expect(binary).toMatch(/\/node$/);
    expect(existsSync(join(ROOT, script ?? ''))).toBe(true);
    expect(value('KillSignal')).toEqual(['SIGTERM']);
    expect(value('KillMode')).toEqual(['mixed']);
    const drainMs = (defaults.ok ? defaults.config.shutdownGraceMs : 0) + STOP_MARGIN_MS;
    expect(Number(value('TimeoutStopSec')[0]) * 1000).toBeGreaterThan(drainMs);
    expect(value('User')[0]).not.toBe('root');
  });

  it('sets only variables the configuration reads', () => {
    for (const assignment of value('Environment')) {
      const name = assignment.split('=')[0] ?? '';
      if (!RUNTIME_VARIABLES.has(name)) expect(CONFIG_VARIABLES, name).toContain(name);
    }
  });

  it('its ExecStart starts the server, which stops on KillSignal with exit 0', async () => {
    const [, script] = (value('ExecStart')[0] ?? '').split(' ');
    const s = (server = startServerProcess([process.execPath, script ?? '']));
    await readyPort(s);
    process.kill(s.child.pid ?? -1, (value('KillSignal')[0] ?? 'SIGTERM'));
    expect(await s.exit).toBe(0);
  });
});
