import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { startProxy, TEST_API_KEY, type TestProxy } from '../helpers/proxy.js';
import { TestClient } from '../helpers/ws-client.js';
import { sampleValue, scrapeMetrics } from '../helpers/metrics-text.js';
import { startFaultUpstream, startSilentUpstream, type FaultUpstream } from '../helpers/fault-upstream.js';
import { perTest } from '../helpers/per-test.js';

let upstream: FaultUpstream | undefined;
let logs: string[] = [];

const t = perTest(async () => {
  await upstream?.close();
  upstream = undefined;
  logs = [];
});

async function proxyOn(faulty: FaultUpstream, env: Record<string, string> = {}): Promise<TestProxy> {
  upstream = faulty;
  t.proxy = await startProxy({
    env: { OPENAI_REALTIME_URL: faulty.url, LOG_LEVEL: 'debug', ...env },
    logStream: { write: (line) => void logs.push(line) },
  });
  return t.proxy;
}

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const { samples } = await scrapeMetrics(t.proxy?.httpUrl ?? '');
  return sampleValue(samples, name, labels) ?? 0;
}

async function connect(p: TestProxy): Promise<TestClient> {
  t.client = await TestClient.connect(p.url);
  return t.client;
}

/** Nothing left behind: no session in the server, the gauge back at 0, the upstream socket closed. */
async function expectNoLeaks(c: TestClient): Promise<void> {
  await c.waitUntil(() => t.proxy?.server.activeSessions === 0);
  const text = await (await fetch(`${t.proxy?.httpUrl}/metrics`)).text();
  expect(text).toMatch(/^audio_proxy_sessions_active 0$/m);
  await c.waitUntil(() => upstream?.open === 0);
  expect(logs.join('')).not.toContain(TEST_API_KEY);
}

async function fatal(c: TestClient, code: string, closeCode: number, timeoutMs = 5000): Promise<Record<string, unknown>> {
  const error = await c.waitFor((m) => m.type === 'error' && m.fatal === true, timeoutMs);
  expect(error).toMatchObject({ code, fatal: true });
  expect((await c.waitForClose(timeoutMs)).code).toBe(closeCode);
  await expectNoLeaks(c);
  return error;
}

describe('upstream faults, each a documented error and close, nothing leaked', () => {
  it('handshake timeout (TCP accepted, upgrade never answered) → upstream_unavailable, 1011', async () => {
    const p = await proxyOn(await startSilentUpstream(), { UPSTREAM_CONNECT_TIMEOUT_MS: '300' });
    const c = await connect(p);
    const error = await fatal(c, 'upstream_unavailable', 1011);
    expect(String(error.message)).toContain('timed out');
    expect(upstream?.connections).toBe(1);
  });

  it('upgrade accepted but the session never opened (no session.created) → upstream_unavailable, 1011', async () => {
    const p = await proxyOn(await startFaultUpstream({ silentSession: true }), { UPSTREAM_CONNECT_TIMEOUT_MS: '300' });
    const c = await connect(p);
    c.sendBinary(Buffer.alloc(640)); // audio held for a session that never comes
    const error = await fatal(c, 'upstream_unavailable', 1011);
    expect(String(error.message)).toContain('in time');
    expect(c.json.some((m) => m.name === 'AIConnected')).toBe(false);
  });

  it.each([
    ['TCP reset', 'reset'],
    ['the connection dropped without a close frame (1006)', 'terminate'],
    ['close 1011', { close: 1011, reason: 'boom' }],
    ['close 1001 outside a renewal (the upstream going away)', { close: 1001, reason: 'going away' }],
  ] as const)('%s mid-response: the response ends incomplete (upstream_lost), the session reconnects and goes on, no error', async (_name, fault) => {
    const p = await proxyOn(await startFaultUpstream({ midResponse: { afterDeltas: 2, fault } }));
    const c = await connect(p);
    await c.waitForType('AIConnected');
    c.sendJson({ type: 'text', text: 'talk to me' });
    const cut = await c.waitForType('AIResponseEnd');
    expect(cut).toMatchObject({ status: 'incomplete', reason: 'upstream_lost' });
    expect(await c.waitForType('SessionRenewed')).toMatchObject({ reason: 'upstream_lost', replayedItems: 2 });
    const from = c.json.length;
    c.sendJson({ type: 'text', text: 'still there?' });
    expect(await c.waitFor((m) => m.name === 'AIResponseEnd', 5000, from)).toMatchObject({ status: 'completed' });
    expect(c.json.filter((m) => m.type === 'error')).toEqual([]);
    expect(upstream?.connections).toBe(2);
    expect(await metric('audio_proxy_responses_total', { status: 'incomplete' })).toBe(1);
  });

  it.each([
    ['a refused key (3000 invalid_api_key)', { close: 3000, reason: 'invalid_request_error.invalid_api_key' }, 'upstream_auth_failed'],
    ['a refused request shape (4000)', { close: 4000, reason: 'invalid_request_error.beta_api_shape_disabled' }, 'upstream_error'],
    ['quota (insufficient_quota)', { close: 1011, reason: 'insufficient_quota.insufficient_quota' }, 'upstream_quota'],
    ['a policy close (1008)', { close: 1008, reason: 'policy violation' }, 'upstream_closed'],
  ] as const)('%s mid-response is not retried: the session ends as before (%s)', async (_name, fault, code) => {
    const p = await proxyOn(await startFaultUpstream({ midResponse: { afterDeltas: 1, fault } }));
    const c = await connect(p);
    await c.waitForType('AIConnected');
    c.sendJson({ type: 'text', text: 'talk to me' });
    await fatal(c, code, 1011);
    expect(upstream?.connections).toBe(1);
    expect(c.json.some((m) => m.name === 'SessionRenewed')).toBe(false);
  });

  it('a few malformed frames are ignored: no error to the client, the turn completes', async () => {
    const garbage = (s: WebSocket): void => {
      for (const frame of ['not json', '{"no":"type"}', '[1,2,3]', '{"type":5}', '']) s.send(frame);
      s.send(Buffer.from([1, 2, 3]), { binary: true });
    };
    const p = await proxyOn(await startFaultUpstream({ onReady: garbage }));
    const c = await connect(p);
    await c.waitForType('AIConnected');
    c.sendJson({ type: 'text', text: 'still there?' });
    const end = await c.waitForType('AIResponseEnd');
    expect(end).toMatchObject({ status: 'completed', finalText: 'w0 w1 w2 w3 w4 ' });
    expect(c.binaryFrames.length).toBeGreaterThan(0);
    expect(c.json.filter((m) => m.type === 'error')).toEqual([]);
  });

  it('a storm of malformed frames → fatal upstream_error, 1011', async () => {
    const p = await proxyOn(await startFaultUpstream({ onReady: (s) => Array.from({ length: 50 }, () => s.send('{oops')) }));
    await fatal(await connect(p), 'upstream_error', 1011);
  });

  it('a few upstream error events are passed on, non-fatal, with the upstream code; the session goes on', async () => {
    const errors = (s: WebSocket): void => {
      for (let i = 0; i < 3; i += 1) {
        s.send(JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', code: `bad_thing_${i}`, message: `Bad thing ${i}.` } }));
      }
    };
    const p = await proxyOn(await startFaultUpstream({ onReady: errors }));
    const c = await connect(p);
    await c.waitUntil(() => c.json.filter((m) => m.type === 'error').length === 3);
    expect(c.json.filter((m) => m.type === 'error')).toEqual([0, 1, 2].map((i) => ({
      type: 'error',
      code: 'upstream_error',
      message: `Bad thing ${i}.`,
      fatal: false,
      upstreamCode: `bad_thing_${i}`,
    })));
    c.sendJson({ type: 'ping', id: 'after' });
    await c.waitFor((m) => m.type === 'pong' && m.id === 'after');
  });

  it('an error event storm (> 20 within 1 s) → fatal upstream_error, 1011', async () => {
    const storm = (s: WebSocket): void => {
      for (let i = 0; i < 40; i += 1) s.send(JSON.stringify({ type: 'error', error: { type: 'server_error', code: 'boom', message: 'Boom.' } }));
    };
    const p = await proxyOn(await startFaultUpstream({ onReady: storm }));
    const c = await connect(p);
    await fatal(c, 'upstream_error', 1011);
    // Each error before the storm was recognised was passed on; none after the close.
    expect(c.json.filter((m) => m.type === 'error' && m.fatal === false)).toHaveLength(20);
  });

  it('an upstream that stops answering pings on every connection: reconnected until the budget is spent, then upstream_closed, 1011', async () => {
    const p = await proxyOn(await startFaultUpstream({ autoPong: false }), { HEARTBEAT_INTERVAL_MS: '200', UPSTREAM_RECONNECT_ATTEMPTS: '2' });
    const c = await connect(p);
    await c.waitForType('AIConnected');
    const error = await fatal(c, 'upstream_closed', 1011);
    expect(String(error.message)).toContain('heartbeat');
    // Each reconnect worked, and each new session lost its heartbeat again: the drops share one budget.
    expect(c.json.filter((m) => m.name === 'SessionRenewed')).toHaveLength(2);
    expect(upstream?.connections).toBe(3);
    expect(await metric('audio_proxy_upstream_renewals_total', { reason: 'upstream_lost', result: 'gave_up' })).toBe(1);
  });

  it('an upstream error that quotes the API key reaches neither the client nor the logs with it', async () => {
    const leaky = (s: WebSocket): void => {
      s.send(JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', code: 'leak', message: `Key ${TEST_API_KEY} is not allowed; Bearer ${TEST_API_KEY}` } }));
      s.close(4000, `closing for ${TEST_API_KEY}`);
    };
    const p = await proxyOn(await startFaultUpstream({ onReady: leaky }));
    const c = await connect(p);
    const passed = await c.waitFor((m) => m.type === 'error' && m.code === 'upstream_error');
    expect(String(passed.message)).toContain('[redacted]');
    const closed = await fatal(c, 'upstream_closed', 1011);
    expect(String(closed.message)).toContain('closing for');
    expect(c.messages.map((m) => m.data.toString('utf8')).join('')).not.toContain(TEST_API_KEY);
  });

  it('a key echoed in an error code and param, a transcription failure and a close reason reaches neither client nor logs; diagnostics are bounded', async () => {
    // Not shaped like an OpenAI key: only the match on the configured header value can catch it.
    const key = 'gateway-secret-0123456789abcdef';
    const leaky = (s: WebSocket): void => {
      s.send(JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', code: `bad_key_${key}`, param: key, message: `${'x'.repeat(5000)} ${key}` } }));
      s.send(JSON.stringify({
        type: 'conversation.item.input_audio_transcription.failed',
        item_id: 'item_1',
        content_index: 0,
        error: { type: 'transcription_error', code: key, message: `cannot use ${key}` },
      }));
      setTimeout(() => s.close(4000, `closing for ${key}`), 50);
    };
    const p = await proxyOn(await startFaultUpstream({ onReady: leaky }), { OPENAI_API_KEY: key });
    const c = await connect(p);
    const [first, transcription] = await c.waitUntil(() => {
      const errors = c.json.filter((m) => m.type === 'error' && m.fatal === false);
      return errors.length >= 2 && errors;
    });
    expect(first?.upstreamCode).toBe('bad_key_[redacted]');
    expect(String(first?.message)).toHaveLength(501);
    expect(String(first?.message).endsWith('…')).toBe(true);
    expect(transcription).toMatchObject({ upstreamCode: '[redacted]', message: 'Transcription failed: cannot use [redacted]' });
    const closed = await fatal(c, 'upstream_closed', 1011);
    expect(String(closed.message)).toContain('closing for [redacted]');
    expect(c.messages.map((m) => m.data.toString('utf8')).join('')).not.toContain(key);
    expect(logs.join('')).not.toContain(key);
    expect(logs.join('')).toContain('bad_key_[redacted]');
  });
});
