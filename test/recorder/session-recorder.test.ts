import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger/index.js';
import { createMetrics, type Metrics } from '../../src/metrics/index.js';
import { createSessionRecorder, type RecordingMode, type UpstreamFormats } from '../../src/recorder/session-recorder.js';

const PCM24: UpstreamFormats = { input: { type: 'audio/pcm', rate: 24000 }, output: { type: 'audio/pcm', rate: 24000 } };

let root: string;
let metrics: Metrics;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'session-recorder-'));
  metrics = createMetrics({ collectDefaults: false });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function recorder(options: { mode?: RecordingMode; dir?: string; sessionId?: string; formats?: UpstreamFormats } = {}) {
  return createSessionRecorder({
    dir: options.dir ?? join(root, 'out'),
    mode: options.mode ?? 'response',
    metrics,
    logger: createLogger('silent'),
    sessionId: options.sessionId ?? 'session-1',
    formats: options.formats ?? PCM24,
  });
}

async function counter(metric: { get(): Promise<{ values: Array<{ value: number }> }> }): Promise<number> {
  return (await metric.get()).values[0]?.value ?? 0;
}

async function listing(dir = join(root, 'out')): Promise<string[]> {
  return (await readdir(dir)).sort();
}

async function sidecar(name: string, dir = join(root, 'out')): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(dir, name), 'utf8')) as Record<string, unknown>;
}

function pcm(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 7 + seed) % 256;
  return out;
}

describe('session recorder', () => {
  it('records each response in its own raw file with a sidecar that agrees with it', async () => {
    const rec = recorder();
    rec.inputAudio(pcm(480, 9)); // ignored with SAVE_AUDIO=response
    rec.responseStarted('resp_A');
    const audio = [pcm(4800, 1), pcm(960, 2), pcm(2400, 3)];
    for (const chunk of audio) rec.responseAudio('resp_A', chunk);
    rec.responseEnded('resp_A', { status: 'completed', finalText: 'hello there', interrupted: false });
    rec.responseStarted('resp_B');
    rec.responseAudio('resp_B', pcm(96, 4));
    rec.responseEnded('resp_B', { status: 'cancelled', finalText: 'hel', interrupted: true, interruptedAtMs: 1 });
    await rec.close();

    const files = await listing();
    expect(files).toHaveLength(4);
    const rawA = files.find((f) => f.includes('_session-1_resp_A_24000hz_s16le_mono.raw'));
    expect(rawA).toBeDefined();
    expect((await readFile(join(root, 'out', rawA ?? ''))).equals(Buffer.concat(audio))).toBe(true);
    const metaA = await sidecar((rawA ?? '').replace(/\.raw$/, '.json'));
    expect(metaA).toMatchObject({
      kind: 'response',
      file: rawA,
      sessionId: 'session-1',
      responseId: 'resp_A',
      format: { encoding: 's16le', sampleRateHz: 24000, channels: 1, bytesPerSample: 2 },
      byteCount: 8160,
      durationMs: 170,
      droppedBytes: 0,
      status: 'completed',
      finalText: 'hello there',
      interrupted: false,
      interruptedAtMs: null,
      endedBy: 'response_done',
    });
    expect(Date.parse(String(metaA.endedAt))).toBeGreaterThanOrEqual(Date.parse(String(metaA.startedAt)));
    const metaB = await sidecar(files.find((f) => f.includes('_resp_B_') && f.endsWith('.json')) ?? '');
    expect(metaB).toMatchObject({ status: 'cancelled', interrupted: true, interruptedAtMs: 1, byteCount: 96, durationMs: 2 });
    expect(await counter(metrics.recordedBytes)).toBe(8160 + 96);
    expect(await counter(metrics.recorderErrors)).toBe(0);
  });

  it('with SAVE_AUDIO=both also records the input, one file per session', async () => {
    const rec = recorder({ mode: 'both' });
    const input = [pcm(960, 1), pcm(960, 2), pcm(480, 3)];
    rec.inputAudio(input[0] ?? Buffer.alloc(0));
    rec.responseStarted('resp_1');
    rec.responseAudio('resp_1', pcm(48, 5));
    rec.inputAudio(input[1] ?? Buffer.alloc(0));
    rec.responseEnded('resp_1', { status: 'completed', finalText: 'x', interrupted: false });
    rec.inputAudio(input[2] ?? Buffer.alloc(0));
    await rec.close();

    const files = await listing();
    const inputs = files.filter((f) => f.includes('_session-1_input_24000hz_s16le_mono.'));
    expect(inputs).toHaveLength(2);
    const raw = inputs.find((f) => f.endsWith('.raw')) ?? '';
    expect((await readFile(join(root, 'out', raw))).equals(Buffer.concat(input))).toBe(true);
    expect(await sidecar(raw.replace(/\.raw$/, '.json'))).toMatchObject({ kind: 'input', byteCount: 2400, durationMs: 50 });
  });

  it('names G.711 pass-through recordings by their law', async () => {
    const rec = recorder({ mode: 'both', formats: { input: { type: 'audio/pcmu' }, output: { type: 'audio/pcmu' } } });
    rec.inputAudio(pcm(160, 1));
    rec.responseAudio('resp_U', pcm(800, 2)); // no responseStarted: some servers omit response.created
    rec.responseEnded('resp_U', { status: 'completed', finalText: '', interrupted: false });
    await rec.close();
    const files = await listing();
    expect(files.filter((f) => f.endsWith('_8000hz_mulaw_mono.raw'))).toHaveLength(2);
    const meta = await sidecar(files.find((f) => f.includes('resp_U') && f.endsWith('.json')) ?? '');
    expect(meta).toMatchObject({ format: { encoding: 'mulaw', sampleRateHz: 8000 }, byteCount: 800, durationMs: 100 });
    expect(String(meta.sox)).toContain('-e mu-law -b 8');

    const alaw = recorder({ sessionId: 's2', formats: { input: { type: 'audio/pcma' }, output: { type: 'audio/pcma' } } });
    alaw.responseAudio('r', pcm(8, 1));
    await alaw.close();
    expect((await listing()).some((f) => f.endsWith('_s2_r_8000hz_alaw_mono.raw'))).toBe(true);
  });

  it('completes files of a response still open when the session closes', async () => {
    const rec = recorder();
    rec.responseStarted('resp_open');
    rec.responseAudio('resp_open', pcm(480, 1));
    await rec.close();
    const meta = await sidecar((await listing()).find((f) => f.endsWith('.json')) ?? '');
    expect(meta).toMatchObject({ status: 'incomplete', endedBy: 'session_closed', byteCount: 480 });
  });

  it('writes nothing for a response without audio, and close() is idempotent', async () => {
    const rec = recorder();
    rec.responseStarted('resp_text');
    rec.responseEnded('resp_text', { status: 'completed', finalText: 'text only', interrupted: false });
    const closing = rec.close();
    expect(rec.close()).toBe(closing);
    await closing;
    rec.responseAudio('late', pcm(10, 1)); // after close: ignored, no throw
    await expect(readdir(join(root, 'out'))).rejects.toThrow();
  });

  it('keeps hostile identifiers inside the directory', async () => {
    const rec = recorder({ sessionId: '../../escape', mode: 'both' });
    rec.inputAudio(pcm(2, 1));
    rec.responseAudio('/../../../tmp/evil\u0000', pcm(2, 1));
    await rec.close();
    expect(await readdir(root)).toEqual(['out']);
    const files = await listing();
    expect(files).toHaveLength(4);
    for (const file of files) expect(file).toMatch(/^[A-Za-z0-9_-]+\.(raw|json)$/);
  });

  it('a directory that cannot be made stops recording for the session: counted once, nothing thrown', async () => {
    await writeFile(join(root, 'a-file'), 'not a directory');
    const rec = recorder({ mode: 'both', dir: join(root, 'a-file', 'out') }); // ENOTDIR, even for root
    rec.inputAudio(pcm(960, 1));
    rec.responseStarted('resp_1');
    rec.responseAudio('resp_1', pcm(960, 2));
    rec.responseStarted('resp_2');
    rec.responseAudio('resp_2', pcm(960, 3));
    await new Promise((resolve) => setTimeout(resolve, 20));
    rec.responseAudio('resp_2', pcm(960, 4)); // after the failure: ignored
    rec.responseEnded('resp_1', { status: 'completed', finalText: '', interrupted: false });
    await rec.close();
    expect(await counter(metrics.recorderErrors)).toBe(1);
    expect(await readdir(root)).toEqual(['a-file']);
  });

  it('logs the failure once per session, with the error code', async () => {
    await writeFile(join(root, 'a-file'), 'x');
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
    const rec = createSessionRecorder({ dir: join(root, 'a-file', 'out'), mode: 'both', metrics, logger, sessionId: 's', formats: PCM24 });
    rec.inputAudio(pcm(960, 1));
    rec.responseAudio('r1', pcm(960, 2));
    rec.responseAudio('r2', pcm(960, 3));
    await rec.close();
    const failures = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.msg === 'recording stopped: write failed');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ level: 40, sessionId: 's', code: 'ENOTDIR' });
  });

  it('an output path that is a file fails the same way (EEXIST)', async () => {
    const dir = join(root, 'plain-file');
    await writeFile(dir, 'x');
    const rec = recorder({ dir });
    rec.responseAudio('resp_1', pcm(960, 2));
    rec.responseEnded('resp_1', { status: 'completed', finalText: '', interrupted: false });
    await rec.close();
    expect(await counter(metrics.recorderErrors)).toBe(1);
  });
});
