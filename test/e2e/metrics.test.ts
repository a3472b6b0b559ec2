import { describe, expect, it } from 'vitest';
import { parseMetricsText, sampleValue, scrapeMetrics, type MetricSample } from '../helpers/metrics-text.js';
import { startProxy } from '../helpers/proxy.js';
import { streamSamples, utterance } from '../helpers/voice.js';
import { rawUpgrade } from '../helpers/raw-client.js';
import { TestClient, UpgradeRejected } from '../helpers/ws-client.js';
import { perTest } from '../helpers/per-test.js';

const t = perTest();

/** Every proxy metric the README documents; the names are part of the product. */
const PRODUCT_METRICS = {
  audio_proxy_sessions_active: 'gauge',
  audio_proxy_sessions_total: 'counter',
  audio_proxy_upgrades_rejected_total: 'counter',
  audio_proxy_audio_bytes_total: 'counter',
  audio_proxy_audio_dropped_bytes_total: 'counter',
  audio_proxy_upstream_connect_seconds: 'histogram',
  audio_proxy_first_audio_seconds: 'histogram',
  audio_proxy_audio_gap_seconds: 'histogram',
  audio_proxy_responses_total: 'counter',
  audio_proxy_interruptions_total: 'counter',
  audio_proxy_errors_total: 'counter',
  audio_proxy_recorded_bytes_total: 'counter',
  audio_proxy_recorder_errors_total: 'counter',
  audio_proxy_tokens_total: 'counter',
  audio_proxy_cost_usd_total: 'counter',
  audio_proxy_usage_unpriced_total: 'counter',
} as const;

async function scrape(): Promise<MetricSample[]> {
  if (t.proxy === undefined) throw new Error('no proxy');
  return (await scrapeMetrics(t.proxy.httpUrl)).samples;
}

async function value(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  return sampleValue(await scrape(), name, labels);
}

/** Polls /metrics until the value is `expected` (metrics move asynchronously with socket events). */
async function eventually(name: string, labels: Record<string, string>, expected: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: number | undefined;
  while (Date.now() < deadline) {
    last = await value(name, labels);
    if (last === expected) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect({ name, labels, value: last }).toEqual({ name, labels, value: expected });
}

describe('/metrics text parser (test helper)', () => {
  it('reads names, escaped label values and special values', () => {
    const samples = parseMetricsText(
      ['# HELP x_total A counter.', '# TYPE x_total counter', 'x_total{a="q\\"uo,te",b="x\\\\y"} 3', 'y_bucket{le="+Inf"} 7', 'z NaN', 'n Nan', 'w 1e3', ''].join('\n'),
    );
    expect(samples).toEqual([
      { name: 'x_total', labels: { a: 'q"uo,te', b: 'x\\y' }, value: 3 },
      { name: 'y_bucket', labels: { le: '+Inf' }, value: 7 },
      { name: 'z', labels: {}, value: NaN },
      { name: 'n', labels: {}, value: NaN },
      { name: 'w', labels: {}, value: 1000 },
    ]);
  });
});

describe('metrics an operator scrapes', () => {
  it('exposes every product metric with its type, plus the default process metrics, as Prometheus text', async () => {
    t.proxy = await startProxy();
    const { text, contentType, samples } = await scrapeMetrics(t.proxy.httpUrl);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const [name, type] of Object.entries(PRODUCT_METRICS)) expect(text).toContain(`# TYPE ${name} ${type}\n`);
    expect(sampleValue(samples, 'audio_proxy_sessions_active')).toBe(0);
    expect(sampleValue(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sampleValue(samples, 'nodejs_eventloop_lag_seconds')).toBeDefined();
    // Latency buckets from 10 ms to 10 s.
    const les = samples.filter((s) => s.name === 'audio_proxy_first_audio_seconds_bucket').map((s) => s.labels.le);
    expect(les).toEqual(['0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']);
  });

  it('every series of a closed label set is there at 0 before anything happened (dashboards and alerts work at once)', async () => {
    t.proxy = await startProxy();
    const samples = await scrape();
    const zeroSeries: [string, string, string[]][] = [
      ['audio_proxy_sessions_total', 'outcome', ['normal', 'client_error', 'upstream_error', 'expired', 'shutdown']],
      ['audio_proxy_upgrades_rejected_total', 'reason', ['origin', 'auth', 'path', 'draining', 'capacity']],
      ['audio_proxy_audio_bytes_total', 'direction', ['in', 'out']],
      ['audio_proxy_audio_dropped_bytes_total', 'reason', ['preopen_overflow', 'interrupted', 'client_slow', 'upstream_slow']],
      ['audio_proxy_responses_total', 'status', ['completed', 'cancelled', 'incomplete', 'failed']],
      ['audio_proxy_errors_total', 'code', ['invalid_json', 'config_key_locked', 'upstream_unavailable', 'idle_timeout', 'internal_error']],
    ];
    for (const [name, label, values] of zeroSeries) {
      for (const labelValue of values) expect({ name, labelValue, value: sampleValue(samples, name, { [label]: labelValue }) }).toEqual({ name, labelValue, value: 0 });
    }
  });

  it('a voice turn: sessions, bytes in and out, response status, first-audio latency and frame gaps as the client saw them', async () => {
    t.proxy = await startProxy();
    const c = (t.client = await TestClient.connect(`${t.proxy.url}?inputRate=24000`));
    const connected = await c.waitForType('AIConnected');
    expect(await value('audio_proxy_sessions_active')).toBe(1);
    expect(await value('audio_proxy_upstream_connect_seconds_count')).toBe(1);

    const { all } = utterance(24000);
    await streamSamples(c, all, 24000);
    const end = await c.waitForType('AIResponseEnd', 10_000);
    const samples = await scrape();
    const frames = c.messages.filter((m) => m.binary);
    const receivedBytes = frames.reduce((n, m) => n + m.data.length, 0);
    expect(sampleValue(samples, 'audio_proxy_audio_bytes_total', { direction: 'in' })).toBe(all.length * 2);
    expect(sampleValue(samples, 'audio_proxy_audio_bytes_total', { direction: 'out' })).toBe(receivedBytes);
    expect(sampleValue(samples, 'audio_proxy_responses_total', { status: 'completed' })).toBe(1);
    expect(sampleValue(samples, 'audio_proxy_interruptions_total')).toBe(0);

    // First audio: from the end of the user's turn to the first response byte sent. The client sees both moments
    // a little later than the proxy, by about the same socket delay.
    const speechEndedAt = c.messages.find((m) => m.json?.name === 'AISpeechEnded')?.at ?? NaN;
    const firstAudioAt = frames[0]?.at ?? NaN;
    expect(sampleValue(samples, 'audio_proxy_first_audio_seconds_count')).toBe(1);
    const firstAudio = sampleValue(samples, 'audio_proxy_first_audio_seconds_sum') ?? NaN;
    expect(firstAudio).toBeGreaterThanOrEqual(0);
    expect(Math.abs(firstAudio - (firstAudioAt - speechEndedAt) / 1000)).toBeLessThan(0.1);

    // Gaps: one per frame after the first; together they span the response's audio as sent.
    const lastAudioAt = frames[frames.length - 1]?.at ?? NaN;
    expect(sampleValue(samples, 'audio_proxy_audio_gap_seconds_count')).toBe(frames.length - 1);
    const gaps = sampleValue(samples, 'audio_proxy_audio_gap_seconds_sum') ?? NaN;
    expect(Math.abs(gaps - (lastAudioAt - firstAudioAt) / 1000)).toBeLessThan(0.1);

    // Label values come from closed sets: no session or response id anywhere.
    const allowedLabels = new Set(['outcome', 'reason', 'result', 'direction', 'modality', 'status', 'code', 'protocol', 'le']);
    for (const sample of samples.filter((s) => s.name.startsWith('audio_proxy_'))) {
      for (const [label, labelValue] of Object.entries(sample.labels)) {
        expect(allowedLabels.has(label)).toBe(true);
        expect(labelValue).not.toBe(connected.sessionId);
        expect(labelValue).not.toBe(end.responseId);
      }
    }

    c.socket.close(1000);
    await c.waitForClose();
    await eventually('audio_proxy_sessions_active', {}, 0);
    expect(await value('audio_proxy_sessions_total', { outcome: 'normal' })).toBe(1);
  });

  it('how the client ended is logged and counted as it happened: its close code, or 1006 and client_dropped for a dropped connection', async () => {
    const logs: string[] = [];
    t.proxy = await startProxy({ env: { LOG_LEVEL: 'info' }, logStream: { write: (line) => void logs.push(line) } });
    const closedLines = (): Array<{ outcome?: string; closeCode?: number }> =>
      logs.map((line) => JSON.parse(line) as { msg?: string; outcome?: string; closeCode?: number }).filter((record) => record.msg === 'session closed');

    const polite = await TestClient.connect(t.proxy.url);
    await polite.waitForType('AIConnected');
    polite.socket.close(1001, 'tab closed');
    await polite.waitForClose();
    await eventually('audio_proxy_sessions_active', {}, 0);

    // Gone without a close frame: the TCP connection simply drops (a lost network, a killed app).
    const raw = await rawUpgrade(t.proxy.url);
    await eventually('audio_proxy_sessions_active', {}, 1);
    raw.socket.destroy();
    await eventually('audio_proxy_sessions_active', {}, 0);

    expect(closedLines()).toEqual([
      expect.objectContaining({ outcome: 'normal', closeCode: 1001 }),
      expect.objectContaining({ outcome: 'client_dropped', closeCode: 1006 }),
    ]);
    expect(await value('audio_proxy_sessions_total', { outcome: 'normal' })).toBe(1);
    expect(await value('audio_proxy_sessions_total', { outcome: 'client_dropped' })).toBe(1);
  });

  it('a barge-in counts one interruption and a cancelled response', async () => {
    t.proxy = await startProxy({ emulator: { audioPace: 1 } });
    const c = (t.client = await TestClient.connect(`${t.proxy.url}?inputRate=16000`));
    await c.waitForType('AIConnected');
    await streamSamples(c, utterance(16000, 1500, 700).all, 16000);
    const start = await c.waitForType('AIResponseStart', 10_000);
    await c.waitUntil(() => c.binaryFrames.length > 0);
    expect(await value('audio_proxy_interruptions_total')).toBe(0);
    await streamSamples(c, utterance(16000, 800, 700, 2).all, 16000, 20, 20);
    await c.waitForType('AIInterrupted', 10_000);
    await c.waitFor((m) => m.name === 'AIResponseEnd' && m.responseId === start.responseId, 10_000);
    expect(await value('audio_proxy_interruptions_total')).toBe(1);
    expect(await value('audio_proxy_responses_total', { status: 'cancelled' })).toBe(1);
  });

  it('a refused upgrade and bad client input are counted by reason and code', async () => {
    t.proxy = await startProxy();
    const wsBase = t.proxy.httpUrl.replace(/^http/, 'ws');
    await expect(TestClient.connect(`${wsBase}/nope`)).rejects.toEqual(new UpgradeRejected(404));
    expect(await value('audio_proxy_upgrades_rejected_total', { reason: 'path' })).toBe(1);

    const c = (t.client = await TestClient.connect(t.proxy.url));
    await c.waitForType('AIConnected');
    c.socket.send('{not json');
    await c.waitFor((m) => m.type === 'error' && m.code === 'invalid_json');
    expect(await value('audio_proxy_errors_total', { code: 'invalid_json' })).toBe(1);
    c.sendBinary(Buffer.alloc(3));
    await c.waitFor((m) => m.type === 'error' && m.code === 'invalid_audio_frame');
    expect(await value('audio_proxy_errors_total', { code: 'invalid_audio_frame' })).toBe(1);

    const bad = await TestClient.connect(`${t.proxy.url}?inputRate=12345`);
    await bad.waitFor((m) => m.type === 'error' && m.code === 'invalid_audio_format');
    expect((await bad.waitForClose()).code).toBe(1008);
    expect(await value('audio_proxy_errors_total', { code: 'invalid_audio_format' })).toBe(1);
    // A connection refused for its format never became a session.
    expect(await value('audio_proxy_sessions_active')).toBe(1);
  });
});
