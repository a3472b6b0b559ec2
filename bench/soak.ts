/**
 * `npm run soak -- [--seconds 60] [--clients 8]`: a bounded soak of the hardening controls against a proxy process
 * on loopback (UPSTREAM=local). Concurrent workers loop over session kinds: normal voice turns, and abusers that
 * each hit one control (slow reader, idle, control-message flood, garbage frames, dead peer, malformed framing).
 * Slow readers go to a second proxy backed by a loopback emulator process (every audio append echoed at once),
 * the only way to produce reply audio fast enough to fill loopback TCP buffers.
 * Prints what happened and the proxy's memory over time; exits non-zero when a voice turn failed, sessions were
 * left open, or memory did not come back down.
 */
import { parseArgs } from 'node:util';
import { initAudio } from '../src/audio/resampler.js';
import { freePort, installCleanup, startService } from './processes.js';
import { rssKiB } from './procfs.js';
import { TestClient } from '../test/helpers/ws-client.js';
import { streamSamples, utterance } from '../test/helpers/voice.js';
import { clientFrame, rawUpgrade } from '../test/helpers/raw-client.js';
import { parseMetricsText, sampleValue } from '../test/helpers/metrics-text.js';

const MAX_SECONDS = 600;
const MAX_CLIENTS = 64;
const KINDS = ['voice', 'voice', 'voice', 'slow_reader', 'idle', 'flood', 'garbage', 'dead_peer', 'bad_framing'] as const;
type Kind = (typeof KINDS)[number];

interface Tally {
  started: number;
  ok: number;
  failed: number;
  ms: number[];
}

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, clients: { type: 'string', default: '8' } } });
const seconds = Math.min(MAX_SECONDS, Math.max(5, Number(values.seconds) || 60));
const clients = Math.min(MAX_CLIENTS, Math.max(1, Number(values.clients) || 8));

installCleanup();
await initAudio();
const port = await freePort();
const proxy = await startService('proxy', 'src/main.ts', port, {
  PORT: String(port),
  HOST: '127.0.0.1',
  UPSTREAM: 'local',
  LOG_LEVEL: 'warn',
  IDLE_TIMEOUT_SECONDS: '5',
  // Slow enough that the slow reader meets the stall check (5 x 200 ms) before the heartbeat.
  HEARTBEAT_INTERVAL_MS: '3000',
  CLIENT_HIGH_WATER_MS: '200',
  CONTROL_RATE_LIMIT: '20',
  MAX_SESSION_SECONDS: '60',
  PROXY_AUTH_TOKEN: '',
  PROXY_AUTH_SECRET: '',
});
const emulatorPort = await freePort();
const loopbackEmulator = await startService('emulator', 'src/emulator/main.ts', emulatorPort, {
  EMULATOR_PORT: String(emulatorPort),
  EMULATOR_LOOPBACK: '1',
  EMULATOR_API_KEY: 'soak-loopback-key',
  LOG_LEVEL: 'warn',
});
const loopbackPort = await freePort();
const loopbackProxy = await startService('proxy-loopback', 'src/main.ts', loopbackPort, {
  PORT: String(loopbackPort),
  HOST: '127.0.0.1',
  UPSTREAM: 'openai',
  OPENAI_API_KEY: 'soak-loopback-key',
  OPENAI_REALTIME_URL: `ws://127.0.0.1:${emulatorPort}/v1/realtime`,
  LOG_LEVEL: 'warn',
  CLIENT_HIGH_WATER_MS: '200',
  // Long enough that the stall check (5 x 200 ms once the buffers are full), not the heartbeat, ends slow readers.
  HEARTBEAT_INTERVAL_MS: '15000',
  PROXY_AUTH_TOKEN: '',
  PROXY_AUTH_SECRET: '',
});
const slowUrl = `ws://127.0.0.1:${loopbackPort}/`;
const url = `ws://127.0.0.1:${port}/`;
const httpUrl = `http://127.0.0.1:${port}`;
const tallies = new Map<Kind, Tally>(KINDS.map((kind) => [kind, { started: 0, ok: 0, failed: 0, ms: [] }]));
const failures: string[] = [];
const speech = utterance(16000).all;
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs one session of `kind`; resolves true when the proxy did what the control promises. */
async function session(kind: Kind): Promise<boolean> {
  switch (kind) {
    case 'voice': {
      const c = await TestClient.connect(`${url}?inputRate=16000`);
      try {
        await c.waitForType('AIConnected', 10_000);
        await streamSamples(c, speech, 16000, 20, 2);
        const end = await c.waitForType('AIResponseEnd', 20_000);
        return end.status === 'completed' && c.binaryFrames.length > 0;
      } finally {
        c.close();
      }
    }
    case 'idle': {
      const c = await TestClient.connect(url);
      const error = await c.waitFor((m) => m.type === 'error', 10_000).finally(() => c.close());
      return error.code === 'idle_timeout';
    }
    case 'flood': {
      const c = await TestClient.connect(url);
      await c.waitForType('AIConnected', 10_000);
      for (let i = 0; i < 300; i += 1) c.sendJson({ type: 'ping', id: i });
      const closed = await c.waitForClose(10_000).finally(() => c.close());
      return closed.code === 1008;
    }
    case 'garbage': {
      const c = await TestClient.connect(url);
      await c.waitForType('AIConnected', 10_000);
      for (let i = 0; i < 20; i += 1) c.socket.send(i % 2 ? '{"type":' : Buffer.alloc(3));
      c.sendJson({ type: 'ping', id: 'alive' });
      const pong = await c.waitFor((m) => m.type === 'pong', 5000).finally(() => c.close());
      return pong.id === 'alive';
    }
    case 'slow_reader': {
      // Never reads; sends fast audio with a 6x larger reply format, so the proxy's buffer passes the mark.
      const raw = await rawUpgrade(`${slowUrl}?inputRate=8000&outputRate=48000`);
      const frame = clientFrame(2, Buffer.alloc(16_000, 3));
      // Normally the stall check ends it within seconds; on a loaded machine the upstream bound may drop the audio
      // first (no reply to fill the buffers), and then the heartbeat ends it within two intervals (30 s).
      const deadline = Date.now() + 40_000;
      let closed = false;
      raw.socket.once('close', () => (closed = true));
      // 3.2 s of 8 kHz audio every 20 ms (19 MB/s of replies at 48 kHz) until the proxy gives up on us; once it
      // has closed, it drops the connection 1 s later, a write fails and the socket is destroyed.
      while (!closed && !raw.socket.destroyed && Date.now() < deadline) {
        for (let i = 0; i < 4; i += 1) raw.socket.write(frame);
        await pause(20);
      }
      closed ||= raw.socket.destroyed;
      raw.socket.destroy();
      return closed;
    }
    case 'dead_peer': {
      // Completes the upgrade, reads, never answers pings: must be terminated by the heartbeat.
      const raw = await rawUpgrade(url);
      raw.socket.resume();
      const ended = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 10_000);
        raw.socket.once('close', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      raw.socket.destroy();
      return ended;
    }
    case 'bad_framing': {
      const raw = await rawUpgrade(url);
      raw.socket.resume();
      raw.socket.write(Buffer.from([0x81, 0x02, 0x68, 0x69])); // unmasked: a protocol error
      const ended = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 5000);
        raw.socket.once('close', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      raw.socket.destroy();
      return ended;
    }
  }
}

async function metrics(base = httpUrl): Promise<ReturnType<typeof parseMetricsText>> {
  return parseMetricsText(await (await fetch(`${base}/metrics`)).text());
}

const rssSamples: Array<{ atS: number; rssMiB: number }> = [];
const startedAt = Date.now();
const rssAtStart = rssKiB(proxy.pid) / 1024;
const heapAtStart = (sampleValue(await metrics(), 'nodejs_heap_size_used_bytes') ?? Number.NaN) / 1024 / 1024;
const sampler = setInterval(() => rssSamples.push({ atS: (Date.now() - startedAt) / 1000, rssMiB: rssKiB(proxy.pid) / 1024 }), 1000);
const deadline = startedAt + seconds * 1000;
process.stdout.write(`soak: ${clients} workers for ${seconds} s against ${url} (proxy pid ${proxy.pid})\n`);

await Promise.all(
  Array.from({ length: clients }, async (_, worker) => {
    for (let n = worker; Date.now() < deadline; n += clients) {
      const kind = KINDS[n % KINDS.length] ?? 'voice';
      const tally = tallies.get(kind);
      if (tally === undefined) continue;
      tally.started += 1;
      const t0 = Date.now();
      try {
        if (await session(kind)) tally.ok += 1;
        else {
          tally.failed += 1;
          failures.push(`${kind}: the control did not act`);
        }
      } catch (error) {
        tally.failed += 1;
        failures.push(`${kind}: ${error instanceof Error ? error.message : String(error)}`);
      }
      tally.ms.push(Date.now() - t0);
    }
  }),
);
clearInterval(sampler);

// Let the proxy settle: every session closed, memory back down.
const settleDeadline = Date.now() + 15_000;
let active = Number.NaN;
while (Date.now() < settleDeadline) {
  active = sampleValue(await metrics(), 'audio_proxy_sessions_active') ?? Number.NaN;
  if (active === 0) break;
  await pause(250);
}
await pause(3000);
const samples = await metrics();
const slowSamples = await metrics(`http://127.0.0.1:${loopbackPort}`);
const slowActive = sampleValue(slowSamples, 'audio_proxy_sessions_active') ?? Number.NaN;
const rssEnd = rssKiB(proxy.pid) / 1024;
const heapEnd = (sampleValue(samples, 'nodejs_heap_size_used_bytes') ?? Number.NaN) / 1024 / 1024;
const rssPeak = Math.max(rssAtStart, ...rssSamples.map((s) => s.rssMiB));
await Promise.all([proxy.stop(), loopbackProxy.stop(), loopbackEmulator.stop()]);

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
process.stdout.write('\nkind          started     ok  failed  median ms\n');
for (const [kind, t] of tallies) {
  process.stdout.write(`${kind.padEnd(12)} ${String(t.started).padStart(8)} ${String(t.ok).padStart(6)} ${String(t.failed).padStart(7)} ${String(median(t.ms)).padStart(10)}\n`);
}
const count = (name: string, labels: Record<string, string>): number => sampleValue(samples, name, labels) ?? 0;
process.stdout.write('\nmain proxy\n');
for (const code of ['idle_timeout', 'rate_limited', 'rate_limit_exceeded', 'invalid_json', 'invalid_audio_frame']) {
  process.stdout.write(`  errors_total{code="${code}"} ${count('audio_proxy_errors_total', { code })}\n`);
}
process.stdout.write(`  responses_total{status="completed"} ${count('audio_proxy_responses_total', { status: 'completed' })}\n`);
process.stdout.write(`  sessions_active after settling ${active}\n`);
process.stdout.write('slow-reader proxy (loopback upstream)\n');
for (const code of ['client_too_slow', 'client_stalled']) {
  process.stdout.write(`  errors_total{code="${code}"} ${sampleValue(slowSamples, 'audio_proxy_errors_total', { code }) ?? 0}\n`);
}
process.stdout.write(`  audio_dropped_bytes_total{reason="client_slow"} ${sampleValue(slowSamples, 'audio_proxy_audio_dropped_bytes_total', { reason: 'client_slow' }) ?? 0}\n`);
process.stdout.write(`  audio_dropped_bytes_total{reason="upstream_slow"} ${sampleValue(slowSamples, 'audio_proxy_audio_dropped_bytes_total', { reason: 'upstream_slow' }) ?? 0}\n`);
process.stdout.write(`  sessions_active after settling ${slowActive}\n`);
process.stdout.write(`\nmain proxy RSS MiB: start ${rssAtStart.toFixed(1)}, peak ${rssPeak.toFixed(1)}, end (idle, 3 s after the last session) ${rssEnd.toFixed(1)}\n`);
process.stdout.write(`main proxy heap used MiB: start ${heapAtStart.toFixed(1)}, end ${heapEnd.toFixed(1)}\n`);
const totalSessions = [...tallies.values()].reduce((sum, t) => sum + t.started, 0);
process.stdout.write(`sessions: ${totalSessions} in ${seconds} s (${(totalSessions / seconds).toFixed(1)}/s)\n`);
for (const failure of failures.slice(0, 10)) process.stdout.write(`failure: ${failure}\n`);

const voiceFailed = (tallies.get('voice')?.failed ?? 0) > 0;
const leaked = active !== 0 || slowActive !== 0;
// Memory back down: the heap in use (what a leak grows) within 32 MiB of the start once idle. RSS is printed, not
// judged: V8 and malloc keep freed pages for reuse, so RSS stays near its peak without any leak.
const memoryStuck = !(heapEnd - heapAtStart < 32);
if (voiceFailed || leaked || memoryStuck) {
  process.stdout.write(`soak: FAILED (${[voiceFailed && 'voice turns failed', leaked && 'sessions left open', memoryStuck && 'memory stayed up'].filter(Boolean).join(', ')})\n`);
  process.exitCode = 1;
} else {
  process.stdout.write('soak: ok\n');
}
