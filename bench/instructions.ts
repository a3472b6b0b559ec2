/**
 * Instructions per frame, load-independent: runs the proxy or the bare relay under `valgrind --tool=callgrind`,
 * streams a fixed number of echo frames through it (loopback emulator), and divides the instructions its threads
 * executed meanwhile (user space; the kernel's share is not counted) by the frames. Other load on the machine
 * changes how long this takes, not the count, so before/after of a change can be compared on a busy machine.
 *
 *   npx tsx bench/instructions.ts --target proxy --rate 16000 [--sessions 10] [--frames 300] [--proxy-dir DIR]
 *
 * Needs valgrind (Debian package `valgrind`). Slow: the target runs ~50× slower under callgrind.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { appendEvent, appendTemplate, toneFrame } from './frames.js';
import { childEnv, freePort, installCleanup, REPO_ROOT, startService } from './processes.js';

const { values } = parseArgs({
  options: {
    target: { type: 'string', default: 'proxy' },
    rate: { type: 'string', default: '16000' },
    sessions: { type: 'string', default: '10' },
    frames: { type: 'string', default: '300' },
    'proxy-dir': { type: 'string' },
  },
});
const target = values.target === 'relay' ? 'relay' : 'proxy';
const rate = target === 'relay' ? 24000 : Number(values.rate);
const sessions = Number(values.sessions);
const frames = Number(values.frames);
const apiKey = 'sk-instructions';
/** Between two measured messages: well above the ~1–3 ms a frame takes under callgrind. */
const GAP_MS = 8;

installCleanup();
const emulatorPort = await freePort();
const emulator = await startService('emulator', 'src/emulator/main.ts', emulatorPort, {
  EMULATOR_LOOPBACK: '1',
  EMULATOR_PORT: String(emulatorPort),
  EMULATOR_API_KEY: apiKey,
  LOG_LEVEL: 'warn',
});
const port = await freePort();
const outDir = mkdtempSync(join(tmpdir(), 'callgrind-'));
const env: Record<string, string> =
  target === 'proxy'
    ? {
        UPSTREAM: 'openai',
        OPENAI_API_KEY: apiKey,
        OPENAI_REALTIME_URL: `ws://127.0.0.1:${emulatorPort}/v1/realtime`,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        SAVE_AUDIO: 'off',
        PROXY_AUTH_TOKEN: '',
        PROXY_AUTH_SECRET: '',
        UPSTREAM_CONNECT_TIMEOUT_MS: '60000',
      }
    : { RELAY_PORT: String(port), RELAY_UPSTREAM: `ws://127.0.0.1:${emulatorPort}` };
const script = target === 'proxy' ? 'src/main.ts' : 'bench/bare-relay.ts';
const child = spawn(
  'valgrind',
  ['--tool=callgrind', '--smc-check=all-non-file', '--instr-atstart=no', '--separate-threads=yes', `--callgrind-out-file=${join(outDir, 'cg.%p')}`, process.execPath, '--import', 'tsx', script],
  { cwd: target === 'proxy' ? (values['proxy-dir'] ?? REPO_ROOT) : REPO_ROOT, env: childEnv(env), stdio: ['ignore', 'ignore', 'pipe'] },
);
// installCleanup only knows the services it started: take the target down with this process too.
process.on('exit', () => child.kill('SIGKILL'));
const deadline = Date.now() + 300_000;
const url = target === 'proxy' ? `ws://127.0.0.1:${port}/?inputFormat=pcm16&inputRate=${rate}&outputRate=${rate}` : `ws://127.0.0.1:${port}/v1/realtime?model=gpt-realtime`;

async function open(): Promise<WebSocket> {
  for (;;) {
    try {
      const socket = new WebSocket(url, { perMessageDeflate: false, headers: target === 'relay' ? { Authorization: `Bearer ${apiKey}` } : {} });
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.on('message', (data: Buffer, isBinary) => {
          const text = isBinary ? '' : data.toString('utf8');
          if (text.includes('AIConnected') || text.includes('session.created')) resolve();
        });
      });
      return socket;
    } catch {
      if (Date.now() > deadline) throw new Error(`${target} did not accept sessions in time`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

const sockets: WebSocket[] = [];
for (let i = 0; i < sessions; i++) sockets.push(await open());
let echoes = 0;
for (const socket of sockets) socket.on('message', (data: Buffer, isBinary) => {
  if (isBinary || data.includes('output_audio.delta')) echoes += 1;
});
const frame = toneFrame(rate, 20);
const template = appendTemplate(20);
/**
 * Sends `count` frames on every session, one message at a time, `gapMs` apart, so the target handles each one alone
 * (no batching of several messages per read, which would make the count depend on timing); waits for the echoes.
 */
async function stream(count: number, gapMs: number): Promise<void> {
  const expected = echoes + sessions * count;
  for (let k = 0; k < count; k++) {
    for (const socket of sockets) {
      socket.send(target === 'proxy' ? frame : appendEvent(template, k), { binary: target === 'proxy' });
      await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
  }
  while (echoes < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
}
// Uncounted warm-up (the JIT compiles the hot path meanwhile), then count the measured streams only.
await stream(Math.max(200, frames), 1);
await new Promise((resolve) => setTimeout(resolve, 2000));
const before = echoes;
let valgrindLog = '';
child.stderr?.on('data', (chunk: Buffer) => {
  valgrindLog = (valgrindLog + chunk.toString('utf8')).slice(-4000);
});
const callgrindControl = (flag: string): void => {
  try {
    // vgdb names its pipes after $HOST, which the proxy's environment sets: use the same.
    execFileSync('callgrind_control', [flag, String(child.pid)], { stdio: 'pipe', env: env.HOST === undefined ? process.env : { ...process.env, HOST: env.HOST } });
  } catch (error) {
    throw new Error(`callgrind_control ${flag} failed: ${error instanceof Error ? error.message : String(error)}\n${valgrindLog}`);
  }
};
callgrindControl('--instr=on');
await stream(frames, GAP_MS);
callgrindControl('--instr=off');
callgrindControl('-d');
await new Promise((resolve) => setTimeout(resolve, 1000));
// One dump per thread: the main thread (-01) runs the event loop, i.e. every frame's own work; the others are V8's
// compiler and GC helpers, whose share depends on when a compilation or a major GC happens to fall in the window.
let total = 0;
let main = 0;
for (const name of readdirSync(outDir)) {
  const count = Number(/^totals:\s+(\d+)/m.exec(readFileSync(join(outDir, name), 'utf8'))?.[1] ?? 0);
  total += count;
  if (name.endsWith('-01')) main += count;
}
const perFrame = (count: number): string => Math.round(count / (sessions * frames)).toLocaleString('en');
process.stdout.write(
  `${target}${target === 'proxy' ? ` at ${rate} Hz` : ''}: ${echoes - before}/${sessions * frames} echoes; instructions per frame (in + echo out): ` +
    `main thread ${perFrame(main)}, all threads ${perFrame(total)}\n`,
);
for (const socket of sockets) socket.terminate();
child.kill('SIGKILL');
await emulator.stop();
process.exit(0);
