import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEvent, runClientSession } from '../../src/client/session.js';
import type { ProxyMessage } from '../../src/client/session.js';
import { encodeG711Wav, encodeWav, pcm16ToSamples, readWav } from '../../src/client/wav.js';
import { ulawEncode } from '../../src/audio/g711.js';
import { startProxy } from '../helpers/proxy.js';
import type { TestProxy } from '../helpers/proxy.js';
import { toneSamples } from '../helpers/signals.js';
import { INSTANT } from '../../src/emulator/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SPEECH_WAV = join(ROOT, 'test/fixtures/speech-16k.wav');
const speech = readWav(readFileSync(SPEECH_WAV));

/**
 * Milliseconds from the first to the last 10 ms window louder than −40 dBFS: the voiced extent, which ignores
 * the silence the VAD adds around an echoed utterance.
 */
function voicedMs(samples: Int16Array, rate: number): number {
  const window = Math.round(rate / 100);
  const minMeanSquare = (32768 * 10 ** (-40 / 20)) ** 2;
  let first = -1;
  let last = -1;
  for (let w = 0; (w + 1) * window <= samples.length; w++) {
    let sum = 0;
    for (let i = w * window; i < (w + 1) * window; i++) sum += (samples[i] ?? 0) ** 2;
    if (sum / window >= minMeanSquare) {
      if (first < 0) first = w;
      last = w;
    }
  }
  return first < 0 ? 0 : (last - first + 1) * 10;
}

/** 16 kHz → 8 kHz by averaging pairs (enough for a voiced-extent comparison; the fixture is 16 kHz speech). */
function downsampleTo8k(samples: Int16Array, rate: number): Int16Array {
  if (rate !== 16000) throw new Error('fixture is not 16 kHz');
  const out = new Int16Array(samples.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = ((samples[2 * i] ?? 0) + (samples[2 * i + 1] ?? 0)) >> 1;
  return out;
}

function names(messages: readonly ProxyMessage[]): string[] {
  return messages.map((m) => (m.type === 'event' ? String(m.name) : String(m.type)));
}

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI as a user would (`tsx src/client/main.ts …`) and resolves with its exit status and output. */
function runCli(args: string[], timeoutMs = 25_000): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/client/main.ts', ...args],
      { cwd: ROOT, timeout: timeoutMs, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A localhost port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 1;
}

describe('CLI client session against the proxy and emulator', () => {
  let proxy: TestProxy;
  let dir: string;

  beforeAll(async () => {
    proxy = await startProxy({ emulator: { behaviour: INSTANT } });
    dir = mkdtempSync(join(tmpdir(), 'voice-client-'));
  });

  afterAll(async () => {
    await proxy.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('streams speech in real time, gets the echoed reply and closes with 1000', { timeout: 30_000 }, async () => {
    const progress: number[] = [];
    const result = await runClientSession({
      url: proxy.url,
      audio: { samples: speech.samples, rate: speech.rate },
      onProgress: (sentMs) => progress.push(sentMs),
    });
    expect(result.failure).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.closeCode).toBe(1000);
    expect(result.errors).toEqual([]);
    const seen = names(result.messages);
    for (const name of ['AIConnected', 'AISpeechDetected', 'AISpeechEnded', 'AIResponseStart', 'AIResponseEnd']) {
      expect(seen).toContain(name);
    }
    expect(seen.indexOf('AISpeechEnded')).toBeLessThan(seen.indexOf('AIResponseStart'));
    const connected = result.messages.find((m) => isEvent(m, 'AIConnected'));
    expect(connected).toMatchObject({ input: { format: 'pcm16', rate: 16000 }, output: { format: 'pcm16', rate: 16000 } });
    expect(result.responses).toBe(1);

    // 20 ms frames; the 1 s of silence after them is not audio the user sent: progress ends at the file's length.
    expect(progress[0]).toBeCloseTo(20, 5);
    expect(progress.at(-1)).toBeCloseTo(speech.samples.length / 16, 5);
    expect(progress.filter((ms) => ms === progress.at(-1))).toHaveLength(1);

    const reply = pcm16ToSamples(result.replyAudio);
    const spokenMs = voicedMs(speech.samples, speech.rate);
    expect(voicedMs(reply, result.outputRate)).toBeGreaterThan(spokenMs * 0.9);
    expect(voicedMs(reply, result.outputRate)).toBeLessThan(spokenMs * 1.1);
  });

  it('asks for the reply at another rate with outputRate', { timeout: 30_000 }, async () => {
    const result = await runClientSession({ url: proxy.url, audio: { samples: speech.samples, rate: speech.rate }, outputRate: 24000 });
    expect(result.ok).toBe(true);
    expect(result.messages.find((m) => isEvent(m, 'AIConnected'))).toMatchObject({ output: { rate: 24000 } });
    const spokenMs = voicedMs(speech.samples, speech.rate);
    const replyMs = voicedMs(pcm16ToSamples(result.replyAudio), 24000);
    expect(replyMs).toBeGreaterThan(spokenMs * 0.9);
    expect(replyMs).toBeLessThan(spokenMs * 1.1);
  });

  it('sends a text message and waits for its response', async () => {
    const result = await runClientSession({ url: proxy.url, text: 'What time is it?' });
    expect(result.failure).toBeUndefined();
    expect(result.responses).toBe(1);
    const end = result.messages.find((m) => isEvent(m, 'AIResponseEnd'));
    expect(end).toMatchObject({ status: 'completed' });
    expect(String(end?.finalText)).toContain('What time is it?');
  });

  it('CLI: prints JSON lines, writes the reply WAV and exits 0', { timeout: 30_000 }, async () => {
    const out = join(dir, 'reply.wav');
    const run = await runCli(['--in', SPEECH_WAV, '--url', proxy.url, '--out', out, '--json']);
    expect(run.stderr).not.toContain('failed');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.some((l) => l.type === 'event' && l.name === 'AIResponseEnd' && typeof l.atMs === 'number')).toBe(true);
    const summary = lines.at(-1);
    expect(summary).toMatchObject({ type: 'client.summary', ok: true, closeCode: 1000, responses: 1, outputRate: 16000 });

    const reply = readWav(readFileSync(out));
    expect(reply.rate).toBe(16000);
    expect(reply.channels).toBe(1);
    const spokenMs = voicedMs(speech.samples, speech.rate);
    expect(voicedMs(reply.samples, reply.rate)).toBeGreaterThan(spokenMs * 0.9);
    expect(voicedMs(reply.samples, reply.rate)).toBeLessThan(spokenMs * 1.1);
    expect(Math.round((reply.samples.length * 1000) / reply.rate)).toBe(summary?.replyMs);
  });

  it('CLI: prints readable timestamped lines', { timeout: 30_000 }, async () => {
    const run = await runCli(['--text', 'hello there', '--url', proxy.url]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\[\s*\d+\.\d{3}s\] AIConnected sessionId=/m);
    expect(run.stdout).toMatch(/^\[\s*\d+\.\d{3}s\] AIResponseEnd .*status="completed"/m);
  });

  it('CLI: exits 1 and says why when the proxy sends an error', { timeout: 30_000 }, async () => {
    const badRate = join(dir, 'rate-96k.wav');
    writeFileSync(badRate, encodeWav(toneSamples({ rate: 96000, ms: 200, hz: 440 }), 96000));
    const run = await runCli(['--in', badRate, '--url', proxy.url]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('ERROR invalid_audio_format');
    expect(run.stderr).toMatch(/failed: .*1008.*invalid_audio_format/);
  });

  it('CLI: exits 1 when nothing listens at the URL, with no reply line (there was no connection) and no file', async () => {
    const out = join(dir, 'never.wav');
    const run = await runCli(['--in', SPEECH_WAV, '--out', out, '--url', `ws://127.0.0.1:${await closedPort()}/`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/failed: connection failed/);
    expect(run.stdout).not.toContain('reply audio');
    expect(() => readFileSync(out)).toThrow();
  });

  it('CLI: a μ-law WAV goes out as G.711 untouched (the telephony pass-through path); the reply is saved as μ-law', { timeout: 30_000 }, async () => {
    const ulawIn = join(dir, 'speech-ulaw.wav');
    const out = join(dir, 'reply-ulaw.wav');
    const at8k = downsampleTo8k(speech.samples, speech.rate);
    writeFileSync(ulawIn, encodeG711Wav(ulawEncode(at8k), 'g711_ulaw'));
    const run = await runCli(['--in', ulawIn, '--url', proxy.url, '--out', out, '--json']);
    expect(run.stderr).not.toContain('failed');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.find((l) => l.name === 'AIConnected')).toMatchObject({ input: { format: 'g711_ulaw', rate: 8000 }, output: { format: 'g711_ulaw' }, audioPath: 'passthrough' });
    expect(lines.at(-1)).toMatchObject({ ok: true, outputFormat: 'g711_ulaw', outputRate: 8000 });
    const reply = readWav(readFileSync(out));
    expect(reply).toMatchObject({ encoding: 'g711_ulaw', rate: 8000, channels: 1 });
    const spokenMs = voicedMs(at8k, 8000);
    expect(voicedMs(reply.samples, 8000)).toBeGreaterThan(spokenMs * 0.9);
    expect(voicedMs(reply.samples, 8000)).toBeLessThan(spokenMs * 1.1);
  });

  it('CLI: exits 2 for bad arguments or an unreadable file', async () => {
    const noInput = await runCli([]);
    expect(noInput.code).toBe(2);
    expect(noInput.stderr).toContain('Usage:');
    const unknown = await runCli(['--text', 'x', '--bogus']);
    expect(unknown.code).toBe(2);
    const notWav = join(dir, 'not.wav');
    writeFileSync(notWav, 'hello');
    const bad = await runCli(['--in', notWav]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('not a RIFF/WAVE file');
  });
});

describe('CLI client with auth on', () => {
  let proxy: TestProxy;

  beforeAll(async () => {
    proxy = await startProxy({ env: { PROXY_AUTH_TOKEN: 'client-secret-token' }, emulator: { behaviour: INSTANT } });
  });

  afterAll(async () => {
    await proxy.close();
  });

  it('sends --token as a bearer header, and fails with the HTTP status without it', async () => {
    const withToken = await runClientSession({ url: proxy.url, text: 'hi', token: 'client-secret-token' });
    expect(withToken.failure).toBeUndefined();
    const without = await runClientSession({ url: proxy.url, text: 'hi' });
    expect(without.ok).toBe(false);
    expect(without.failure).toContain('HTTP 401');
    expect(without.closeCode).toBeUndefined();
  });
});
