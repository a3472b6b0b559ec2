import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ulawEncode } from '../../src/audio/g711.js';
import { sanitizeId } from '../../src/recorder/file-names.js';
import { scrapeMetrics, sampleValue } from '../helpers/metrics-text.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';
import { killProxyProcesses, startProxyProcess } from '../helpers/proxy-process.js';
import { chunkBuffer, samplesToBuffer } from '../helpers/signals.js';
import { streamSamples, utterance } from '../helpers/voice.js';
import { TestClient } from '../helpers/ws-client.js';
import { perTest } from '../helpers/per-test.js';
import { INSTANT } from '../../src/emulator/index.js';

let root: string | undefined;

const t = perTest(async () => {
  killProxyProcesses();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
  root = undefined;
});

type Sidecar = Record<string, unknown>;

async function tempRoot(): Promise<string> {
  root = await mkdtemp(join(tmpdir(), 'recording-e2e-'));
  return root;
}

/** Polls `dir` until `count` files match (a sidecar appears only once its raw file is complete on disk). */
async function waitForFiles(dir: string, match: (name: string) => boolean, count: number, timeoutMs = 5000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const names = (await readdir(dir).catch(() => [] as string[])).filter(match).sort();
    if (names.length >= count) return names;
    if (Date.now() > deadline) throw new Error(`expected ${count} matching files in ${dir}; found ${names.join(', ') || 'none'}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function readRecording(dir: string, jsonName: string): Promise<{ raw: Buffer; rawName: string; sidecar: Sidecar }> {
  const rawName = jsonName.replace(/\.json$/, '.raw');
  const sidecar = JSON.parse(await readFile(join(dir, jsonName), 'utf8')) as Sidecar;
  return { raw: await readFile(join(dir, rawName)), rawName, sidecar };
}

/** Binary frames the client received for one response. */
function receivedAudio(c: TestClient, responseId: string): Buffer {
  const start = c.messages.findIndex((m) => m.json?.name === 'AIResponseStart' && m.json.responseId === responseId);
  const end = c.messages.findIndex((m) => m.json?.name === 'AIResponseEnd' && m.json.responseId === responseId);
  return Buffer.concat(c.messages.slice(start, end < 0 ? undefined : end).filter((m) => m.binary).map((m) => m.data));
}

/** What the emulator received in `input_audio_buffer.append` events: the audio as sent upstream. */
function upstreamInput(p: TestProxy, session = 0): Buffer {
  const appends = (p.emulator.sessions[session]?.events ?? []).filter((e) => e.type === 'input_audio_buffer.append');
  return Buffer.concat(appends.map((e) => Buffer.from(String(e.audio), 'base64')));
}

/** Byte-exact comparison with a readable failure (vitest's deep equality on large Buffers is very slow). */
function expectSameBytes(actual: Buffer, expected: Buffer): void {
  let firstDifference = -1;
  for (let i = 0; i < Math.min(actual.length, expected.length); i++) {
    if (actual[i] !== expected[i]) {
      firstDifference = i;
      break;
    }
  }
  expect({ length: actual.length, firstDifference }).toEqual({ length: expected.length, firstDifference: -1 });
}

/** sox's idea of the file's length in seconds, or undefined when sox is not installed. */
function soxSeconds(file: string): number | undefined {
  const result = spawnSync('sox', ['-t', 'raw', '-r', '24000', '-e', 'signed', '-b', '16', '-c', '1', file, '-n', 'stat'], { encoding: 'utf8' });
  if (result.error !== undefined) return undefined;
  const match = /Length \(seconds\):\s*([\d.]+)/.exec(result.stderr);
  if (match?.[1] === undefined) throw new Error(`sox stat said: ${result.stderr}`);
  return Number(match[1]);
}

async function sendG711(c: TestClient, bytes: Buffer): Promise<void> {
  for (const frame of chunkBuffer(bytes, 160)) {
    c.sendBinary(frame);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe('SAVE_AUDIO recordings', () => {
  it('response, 24 kHz: the file holds exactly the audio the upstream sent, complete when the response ends; the sidecar agrees', async () => {
    const out = join(await tempRoot(), 'recordings'); // does not exist yet: created on demand
    t.proxy = await startProxy({ env: { SAVE_AUDIO: 'response', AUDIO_OUTPUT_DIR: out }, emulator: { behaviour: INSTANT } });
    const c = (t.client = await TestClient.connect(`${t.proxy.url}?inputRate=24000`));
    const connected = await c.waitForType('AIConnected');
    const sessionId = String(connected.sessionId);
    const { all } = utterance(24000);
    await streamSamples(c, all, 24000);
    const started = await c.waitForType('AISpeechDetected');
    const ended = await c.waitForType('AISpeechEnded');
    const end = await c.waitForType('AIResponseEnd', 10_000);
    const responseId = String(end.responseId);

    // The session is still open: the response's files are complete because the response ended.
    const [jsonName] = await waitForFiles(out, (n) => n.endsWith('.json'), 1);
    const { raw, rawName, sidecar } = await readRecording(out, jsonName ?? '');
    expect(rawName).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d-\\d{3}Z_${sessionId}_${sanitizeId(responseId)}_24000hz_s16le_mono\\.raw$`));

    // 24 kHz pass-through: what the client got is what the upstream sent, and so is the file.
    expectSameBytes(raw, receivedAudio(c, responseId));
    // The emulator echoes the committed utterance: a contiguous run of the bytes we sent, from where speech began.
    const sent = samplesToBuffer(all);
    const at = sent.indexOf(raw);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(Math.abs(at / 48 - Number(started.audioStartMs))).toBeLessThanOrEqual(1);
    expect(Math.abs(raw.length / 48 - (Number(ended.audioEndMs) - Number(started.audioStartMs)))).toBeLessThanOrEqual(1);

    expect(sidecar).toMatchObject({
      kind: 'response',
      file: rawName,
      sessionId,
      responseId,
      format: { encoding: 's16le', sampleRateHz: 24000, channels: 1, bytesPerSample: 2 },
      byteCount: raw.length,
      durationMs: raw.length / 48,
      droppedBytes: 0,
      status: 'completed',
      finalText: end.finalText,
      interrupted: false,
      interruptedAtMs: null,
      usage: end.usage,
      endedBy: 'response_done',
    });
    expect(end.usage).toMatchObject({ output: { audio: expect.any(Number) as number } });
    expect(String(end.finalText).length).toBeGreaterThan(0);
    const startedAt = Date.parse(String(sidecar.startedAt));
    expect(startedAt).toBeLessThanOrEqual(Date.parse(String(sidecar.firstAudioAt)));
    expect(Date.parse(String(sidecar.firstAudioAt))).toBeLessThanOrEqual(Date.parse(String(sidecar.endedAt)));
    expect(Math.abs(startedAt - Date.now())).toBeLessThan(60_000);

    const { samples } = await scrapeMetrics(t.proxy.httpUrl);
    expect(sampleValue(samples, 'audio_proxy_recorded_bytes_total')).toBe(raw.length);
    expect(sampleValue(samples, 'audio_proxy_recorder_errors_total')).toBe(0);

    const seconds = soxSeconds(join(out, rawName));
    if (seconds !== undefined) {
      console.info(`sox stat: ${seconds} s for ${raw.length} bytes (expected ${raw.length / 48000} s)`);
      expect(seconds).toBeCloseTo(raw.length / 48000, 5);
    }
  });

  it('both, 16 kHz client: the input file is the audio as sent upstream (24 kHz); the response is the echo of it, byte for byte', async () => {
    const out = await tempRoot();
    t.proxy = await startProxy({ env: { SAVE_AUDIO: 'both', AUDIO_OUTPUT_DIR: out }, emulator: { behaviour: INSTANT } });
    const c = (t.client = await TestClient.connect(`${t.proxy.url}?inputRate=16000`));
    const sessionId = String((await c.waitForType('AIConnected')).sessionId);
    await streamSamples(c, utterance(16000).all, 16000);
    const end = await c.waitForType('AIResponseEnd', 10_000);
    const responseId = String(end.responseId);
    await waitForFiles(out, (n) => n.includes(sanitizeId(responseId)) && n.endsWith('.json'), 1);
    expect((await readdir(out)).some((n) => n.includes('_input_'))).toBe(true); // open while the session lives

    c.socket.close(1000);
    await c.waitForClose();
    // The input file is finished by the session's close.
    const [inputJson] = await waitForFiles(out, (n) => n.endsWith(`_${sessionId}_input_24000hz_s16le_mono.json`), 1);
    const input = await readRecording(out, inputJson ?? '');
    const upstream = upstreamInput(t.proxy);
    expect(upstream.length).toBeGreaterThan(48_000);
    expectSameBytes(input.raw, upstream);
    expect(input.sidecar).toMatchObject({ kind: 'input', sessionId, byteCount: upstream.length, durationMs: upstream.length / 48 });

    const [responseJson] = await waitForFiles(out, (n) => n.includes(`_${sanitizeId(responseId)}_`) && n.endsWith('.json'), 1);
    const response = await readRecording(out, responseJson ?? '');
    // Not what the client heard (that was resampled to 16 kHz) but what the upstream sent: a run of its input.
    expect(response.raw.length).toBeGreaterThan(24_000);
    expect(input.raw.indexOf(response.raw)).toBeGreaterThanOrEqual(0);
    const received = receivedAudio(c, responseId);
    expect(Math.abs(received.length - (response.raw.length * 2) / 3)).toBeLessThanOrEqual(2 * 48);
    expect(response.sidecar).toMatchObject({ status: 'completed', finalText: end.finalText, byteCount: response.raw.length });
    expect(await readdir(out)).toHaveLength(4);
  });

  it('G.711 μ-law pass-through: the G.711 bytes are recorded and named _8000hz_mulaw_mono', async () => {
    const out = await tempRoot();
    t.proxy = await startProxy({ env: { SAVE_AUDIO: 'both', AUDIO_OUTPUT_DIR: out }, emulator: { behaviour: INSTANT } });
    const c = (t.client = await TestClient.connect(`${t.proxy.url}?inputFormat=g711_ulaw`));
    await c.waitForType('AIConnected');
    const sent = Buffer.from(ulawEncode(utterance(8000).all));
    await sendG711(c, sent);
    const end = await c.waitForType('AIResponseEnd', 10_000);
    c.socket.close(1000);
    await c.waitForClose();
    const names = await waitForFiles(out, (n) => n.endsWith('.json'), 2);
    expect(names.every((n) => n.endsWith('_8000hz_mulaw_mono.json'))).toBe(true);
    const input = await readRecording(out, names.find((n) => n.includes('_input_')) ?? '');
    expectSameBytes(input.raw, sent);
    const response = await readRecording(out, names.find((n) => !n.includes('_input_')) ?? '');
    expectSameBytes(response.raw, receivedAudio(c, String(end.responseId)));
    expect(response.sidecar).toMatchObject({
      format: { encoding: 'mulaw', sampleRateHz: 8000, channels: 1, bytesPerSample: 1 },
      durationMs: response.raw.length / 8,
    });
    expect(sent.indexOf(response.raw)).toBeGreaterThanOrEqual(0);
  });

  it('an interrupted response: the sidecar says so and where, the file holds what was relayed', async () => {
    const out = await tempRoot();
    t.proxy = await startProxy({ env: { SAVE_AUDIO: 'response', AUDIO_OUTPUT_DIR: out }, emulator: { audioPace: 1 } });
    const c = (t.client = await TestClient.connect(`${t.proxy.url}?inputRate=24000`));
    await c.waitForType('AIConnected');
    await streamSamples(c, utterance(24000, 1500, 700).all, 24000);
    const start = await c.waitForType('AIResponseStart', 10_000);
    const responseId = String(start.responseId);
    await c.waitUntil(() => c.binaryFrames.length > 0);
    await streamSamples(c, utterance(24000, 800, 700, 2).all, 24000, 20, 20);
    const interrupted = await c.waitForType('AIInterrupted', 10_000);
    const end = await c.waitFor((m) => m.name === 'AIResponseEnd' && m.responseId === responseId, 10_000);
    expect(end.status).toBe('cancelled');

    const [jsonName] = await waitForFiles(out, (n) => n.includes(`_${sanitizeId(responseId)}_`) && n.endsWith('.json'), 1);
    const { raw, sidecar } = await readRecording(out, jsonName ?? '');
    expect(sidecar).toMatchObject({
      status: 'cancelled',
      interrupted: true,
      interruptedAtMs: interrupted.playedMs,
      finalText: end.finalText,
      byteCount: raw.length,
    });
    expect(Number(interrupted.playedMs)).toBeLessThanOrEqual(raw.length / 48);
    expectSameBytes(raw, receivedAudio(c, responseId));
  });

  it('shutdown mid-response: the server waits until the files are complete, the sidecar says the session ended it', async () => {
    const out = await tempRoot();
    t.proxy = await startProxy({ env: { SAVE_AUDIO: 'response', AUDIO_OUTPUT_DIR: out, SHUTDOWN_GRACE_MS: '0' }, emulator: { audioPace: 1 } });
    const c = (t.client = await TestClient.connect(`${t.proxy.url}?inputRate=24000`));
    await c.waitForType('AIConnected');
    await streamSamples(c, utterance(24000, 1500, 700).all, 24000);
    const start = await c.waitForType('AIResponseStart', 10_000);
    await c.waitUntil(() => c.binaryFrames.length >= 3);
    await t.proxy.server.close();
    // No polling: close() resolved, so the files must be on disk and complete.
    const names = (await readdir(out)).sort();
    expect(names).toHaveLength(2);
    const { raw, sidecar } = await readRecording(out, names.find((n) => n.endsWith('.json')) ?? '');
    expect(sidecar).toMatchObject({ responseId: start.responseId, status: 'incomplete', endedBy: 'session_closed', byteCount: raw.length });
    expect(raw.length).toBeGreaterThan(0);
    expectSameBytes(raw, receivedAudio(c, String(start.responseId)));
  });

  it('an output directory that cannot be created: the conversation goes on, one recorder error is counted', async () => {
    const base = await tempRoot();
    await writeFile(join(base, 'not-a-directory'), 'x');
    // A path under a file fails with ENOTDIR even for root (chmod would not stop root).
    const out = join(base, 'not-a-directory', 'recordings');
    t.proxy = await startProxy({ env: { SAVE_AUDIO: 'both', AUDIO_OUTPUT_DIR: out }, emulator: { behaviour: INSTANT } });
    const c = (t.client = await TestClient.connect(`${t.proxy.url}?inputRate=24000`));
    await c.waitForType('AIConnected');
    await streamSamples(c, utterance(24000).all, 24000);
    const end = await c.waitForType('AIResponseEnd', 10_000);
    expect(end.status).toBe('completed');
    expect(c.binaryFrames.length).toBeGreaterThan(0);
    expect(c.json.filter((m) => m.type === 'error')).toEqual([]);
    c.socket.close(1000);
    await c.waitForClose();

    const deadline = Date.now() + 5000;
    let errors: number | undefined;
    do {
      errors = sampleValue((await scrapeMetrics(t.proxy.httpUrl)).samples, 'audio_proxy_recorder_errors_total');
      if (errors === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    } while (Date.now() < deadline);
    expect(errors).toBe(1);
    const samples = (await scrapeMetrics(t.proxy.httpUrl)).samples;
    expect(sampleValue(samples, 'audio_proxy_recorded_bytes_total')).toBe(0);
    expect(sampleValue(samples, 'audio_proxy_sessions_total', { outcome: 'normal' })).toBe(1);
    expect(await readdir(base)).toEqual(['not-a-directory']);
  });

  it('npm start with SAVE_AUDIO: on SIGTERM the process exits 0 only after the recording is complete', { timeout: 40_000 }, async () => {
    const out = await tempRoot();
    const { process: proc, port, exit } = await startProxyProcess({
      SAVE_AUDIO: 'response',
      AUDIO_OUTPUT_DIR: out,
      SHUTDOWN_GRACE_MS: '5000',
    });
    const c = (t.client = await TestClient.connect(`ws://127.0.0.1:${port}/?inputRate=24000`));
    await c.waitForType('AIConnected', 10_000);
    await streamSamples(c, utterance(24000).all, 24000);
    const start = await c.waitForType('AIResponseStart', 10_000);
    await c.waitUntil(() => c.binaryFrames.length > 0);
    proc.kill('SIGTERM');
    expect(await exit).toBe(0);
    const names = (await readdir(out)).sort();
    expect(names.filter((n) => n.endsWith('.json'))).toHaveLength(1);
    const { raw, sidecar } = await readRecording(out, names.find((n) => n.endsWith('.json')) ?? '');
    expect(sidecar).toMatchObject({ responseId: start.responseId, byteCount: raw.length });
    // The in-flight response was allowed to finish within the grace period.
    expect(sidecar.status).toBe('completed');
    const end = c.json.find((m) => m.name === 'AIResponseEnd');
    expect(sidecar.finalText).toBe(end?.finalText);
    expectSameBytes(raw, receivedAudio(c, String(start.responseId)));
  });
});
