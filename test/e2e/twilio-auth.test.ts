/**
 * Who may open a Twilio stream, over real sockets: Twilio's signature of the `wss://` URL (X-Twilio-Signature), our
 * token in the stream's parameters, or neither only when the operator allows it; the stream's media format; the
 * TwiML helper; and a SIGTERM draining a call in a real child process.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mintClientToken } from '../../src/auth/index.js';
import { TwilioCaller } from '../../src/client/twilio-caller.js';
import { killProxyProcesses, startProxyProcess } from '../helpers/proxy-process.js';
import { readyPort, startServerProcess, TSX_ENTRY, type ServerProcess } from '../helpers/server-process.js';
import { scrapeMetrics, sampleValue } from '../helpers/metrics-text.js';
import { startProxy, type TestProxy } from '../helpers/proxy.js';

const AUTH_TOKEN = 'twilio-test-auth-token';
const SECRET = 'a-signing-secret-of-at-least-32-characters';

let proxy: TestProxy | undefined;
let caller: TwilioCaller | undefined;
let cluster: ServerProcess | undefined;

afterEach(async () => {
  caller?.close();
  caller = undefined;
  killProxyProcesses();
  cluster?.kill();
  cluster = undefined;
  await proxy?.close();
  proxy = undefined;
});

async function twilioProxy(env: Record<string, string>): Promise<string> {
  proxy = await startProxy({ env });
  return `${proxy.url}twilio`;
}

const wss = (url: string): string => url.replace(/^ws:/, 'wss:');

async function rejectedAuth(): Promise<number | undefined> {
  return sampleValue((await scrapeMetrics(proxy?.httpUrl ?? '')).samples, 'audio_proxy_upgrades_rejected_total', { reason: 'auth' });
}

/** Resolves once the emulator has the session's first `session.update` (the session is open upstream). */
async function sessionOpened(c: TwilioCaller): Promise<void> {
  await c.waitUntil(() => proxy?.emulator.sessions[0]?.events.some((e) => e.type === 'session.update'));
}

describe('Twilio streams: who may open one', () => {
  it('a valid signature of the wss:// URL opens a session; /info says how streams authenticate, never the token', async () => {
    const url = await twilioProxy({ TWILIO_AUTH_TOKEN: AUTH_TOKEN });
    const info = await (await fetch(`${proxy?.httpUrl ?? ''}/info`)).text();
    expect(JSON.parse(info)).toMatchObject({ telephony: { twilio: { path: '/twilio', auth: ['signature'] } } });
    expect(info).not.toContain(AUTH_TOKEN);
    caller = await TwilioCaller.connect(url, { authToken: AUTH_TOKEN, signedUrl: wss(url) });
    caller.start();
    await sessionOpened(caller);
  });

  it('behind TLS termination the signed URL is PUBLIC_ORIGIN\'s, not the address connected to', async () => {
    const url = await twilioProxy({ TWILIO_AUTH_TOKEN: AUTH_TOKEN, PUBLIC_ORIGIN: 'https://voice.example.com' });
    caller = await TwilioCaller.connect(url, { authToken: AUTH_TOKEN, signedUrl: 'wss://voice.example.com/twilio' });
    caller.start();
    await sessionOpened(caller);
    await expect(TwilioCaller.connect(url, { authToken: AUTH_TOKEN, signedUrl: wss(url) })).rejects.toThrow('403');
  });

  it('a bad signature is refused before the handshake (403), counted as auth', async () => {
    const url = await twilioProxy({ TWILIO_AUTH_TOKEN: AUTH_TOKEN });
    await expect(TwilioCaller.connect(url, { signature: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' })).rejects.toThrow('403');
    await expect(TwilioCaller.connect(url, { authToken: 'another-accounts-token', signedUrl: wss(url) })).rejects.toThrow('403');
    expect(await rejectedAuth()).toBe(2);
    expect(proxy?.emulator.sessions).toHaveLength(0);
  });

  it('unsigned streams are refused (401) unless TWILIO_ALLOW_UNSIGNED', async () => {
    const url = await twilioProxy({ TWILIO_AUTH_TOKEN: AUTH_TOKEN });
    await expect(TwilioCaller.connect(url)).rejects.toThrow('401');
    await proxy?.close();
    const open = await twilioProxy({ TWILIO_ALLOW_UNSIGNED: 'true' });
    caller = await TwilioCaller.connect(open);
    caller.start();
    await sessionOpened(caller);
  });

  it('a signed token in customParameters opens the stream; a bad one closes it (1008) without a session', async () => {
    const url = await twilioProxy({ PROXY_AUTH_SECRET: SECRET });
    const bad = await TwilioCaller.connect(url);
    bad.start({ customParameters: { token: mintClientToken('another-secret-of-at-least-32-characters!', { ttlSeconds: 60 }) } });
    expect(await bad.closed).toEqual({ code: 1008, reason: 'auth' });
    const missing = await TwilioCaller.connect(url);
    missing.start();
    expect(await missing.closed).toEqual({ code: 1008, reason: 'auth' });
    expect(await rejectedAuth()).toBe(2);
    expect(proxy?.emulator.sessions).toHaveLength(0);

    caller = await TwilioCaller.connect(url);
    caller.start({ customParameters: { token: mintClientToken(SECRET, { sub: 'caller-1', ttlSeconds: 60 }) } });
    await sessionOpened(caller);
  });

  it('a stream in another format than μ-law 8 kHz is closed (1008 invalid_audio_format)', async () => {
    const url = await twilioProxy({ TWILIO_ALLOW_UNSIGNED: 'true' });
    caller = await TwilioCaller.connect(url);
    caller.start({ mediaFormat: { encoding: 'audio/x-l16', sampleRate: 16000, channels: 1 } });
    expect(await caller.closed).toEqual({ code: 1008, reason: 'invalid_audio_format' });
    expect(proxy?.emulator.sessions).toHaveLength(0);
  });

  it('TWILIO_PATH moves the endpoint; / still speaks protocol v1 and other paths are 404', async () => {
    const url = await twilioProxy({ TWILIO_ALLOW_UNSIGNED: 'true', TWILIO_PATH: '/phone/stream' });
    await expect(TwilioCaller.connect(url)).rejects.toThrow('404');
    caller = await TwilioCaller.connect(url.replace(/twilio$/, 'phone/stream'));
    caller.start();
    await sessionOpened(caller);
  });
});

describe('the TwiML helper', () => {
  it('answers GET and POST with <Connect><Stream> to this server, then the goodbye', async () => {
    await twilioProxy({ TWILIO_ALLOW_UNSIGNED: 'true', PUBLIC_ORIGIN: 'https://voice.example.com', TWILIO_GOODBYE: 'Thanks & bye.' });
    for (const method of ['GET', 'POST']) {
      const response = await fetch(`${proxy?.httpUrl ?? ''}/twilio/twiml`, { method, ...(method === 'POST' ? { body: 'CallSid=CA1&From=%2B1' } : {}) });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/xml');
      const body = await response.text();
      expect(body).toContain('<Connect>\n    <Stream url="wss://voice.example.com/twilio"></Stream>\n  </Connect>');
      expect(body).toContain('<Say>Thanks &amp; bye.</Say>');
    }
  });
});

describe('a call during a drain', () => {
  it('SIGTERM: the stream is closed with 1001 (Twilio goes on to the goodbye) and the server exits 0', async () => {
    const server = await startProxyProcess({ TWILIO_ALLOW_UNSIGNED: 'true', SHUTDOWN_GRACE_MS: '2000' });
    caller = await TwilioCaller.connect(`ws://127.0.0.1:${server.port}/twilio`);
    caller.start();
    for (let i = 0; i < 50; i += 1) caller.sendMedia(Buffer.alloc(160, 0xff));
    await waitForSessions(server.port, 1);
    server.process.kill('SIGTERM');
    expect(await caller.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    expect(await server.exit).toBe(0);
  });
});

describe('a call in cluster mode', () => {
  it('WORKERS=2: a worker serves the stream, and the whole server counts it', async () => {
    const server = startServerProcess(TSX_ENTRY, { WORKERS: '2', TWILIO_ALLOW_UNSIGNED: 'true' });
    cluster = server;
    const port = await readyPort(server);
    caller = await TwilioCaller.connect(`ws://127.0.0.1:${port}/twilio`);
    caller.start();
    for (let i = 0; i < 50; i += 1) caller.sendMedia(Buffer.alloc(160, 0xff));
    await waitForSessions(port, 1);
    await caller.hangUp();
    await waitForSessions(port, 0);
  });
});

async function waitForSessions(port: number, count: number): Promise<void> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { activeSessions: number };
    if (health.activeSessions === count) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`never ${count} sessions`);
}
