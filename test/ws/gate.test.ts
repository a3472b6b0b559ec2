import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { checkUpgrade, refuseUpgrade, clientIp, originAllowed, type Authenticator, type GateSettings, type GateState } from '../../src/ws/gate.js';

const SETTINGS: GateSettings = { allowedOrigins: ['https://app.example'], trustProxy: false };

function request(url: string, headers: Record<string, string> = {}, remoteAddress = '10.0.0.1'): IncomingMessage {
  return { url, headers: { host: 'proxy.example', ...headers }, socket: { remoteAddress } } as unknown as IncomingMessage;
}

function state(overrides: Partial<GateState> = {}): GateState {
  return { draining: overrides.draining ?? false };
}

const allow: Authenticator = () => ({ ok: true, userId: 'alice' });
const deny: Authenticator = () => ({ ok: false, message: 'A token is required.' });

describe('checkUpgrade', () => {
  it('lets a plain request through with its ip', () => {
    expect(checkUpgrade(request('/?inputRate=16000'), SETTINGS, state())).toMatchObject({ ok: true, ip: '10.0.0.1' });
  });

  it.each([
    ['a path other than /', request('/admin'), state(), undefined, 404, 'path'],
    ['a target URL parsing would read as a host (//evil.example/)', request('//evil.example/'), state(), undefined, 404, 'path'],
    ['a target with no path (*)', request('*'), state(), undefined, 404, 'path'],
    ['draining', request('/'), state({ draining: true }), undefined, 503, 'draining'],
    ['a foreign origin', request('/', { origin: 'https://evil.example' }), state(), undefined, 403, 'origin'],
    ['a failed auth', request('/'), state(), deny, 401, 'auth'],
  ])('refuses %s', (_name, req, st, auth, status, reason) => {
    expect(checkUpgrade(req, SETTINGS, st, auth)).toMatchObject({ ok: false, status, reason });
  });

  it('checks in order: path, draining, origin, auth (the connection limits come after, from admission)', () => {
    const draining = state({ draining: true });
    const evil = { origin: 'https://evil.example' };
    expect(checkUpgrade(request('/x', evil), SETTINGS, draining, deny)).toMatchObject({ status: 404 });
    expect(checkUpgrade(request('/', evil), SETTINGS, draining, deny)).toMatchObject({ status: 503, reason: 'draining' });
    expect(checkUpgrade(request('/', evil), SETTINGS, state(), deny)).toMatchObject({ status: 403 });
    expect(checkUpgrade(request('/'), SETTINGS, state(), deny)).toMatchObject({ status: 401, message: 'A token is required.' });
  });

  it('passes the user id and the chosen subprotocol on', () => {
    const offering = request('/', { 'sec-websocket-protocol': 'token.abc, voice.v1' });
    expect(checkUpgrade(offering, SETTINGS, state(), allow)).toMatchObject({ ok: true, userId: 'alice', protocol: 'voice.v1' });
  });

  it('answers the first offered subprotocol that is not a token, auth on or off; a token-only offer is refused (400)', () => {
    const offer = (protocols: string): IncomingMessage => request('/', { 'sec-websocket-protocol': protocols });
    expect(checkUpgrade(offer('chat, voice.v1'), SETTINGS, state())).toMatchObject({ ok: true, protocol: 'chat' });
    expect(checkUpgrade(offer('token.abc, voice.v1'), SETTINGS, state())).toMatchObject({ ok: true, protocol: 'voice.v1' });
    expect(checkUpgrade(request('/'), SETTINGS, state())).not.toHaveProperty('protocol');
    expect(checkUpgrade(offer('token.abc'), SETTINGS, state())).toMatchObject({ ok: false, status: 400, reason: 'protocol' });
    expect(checkUpgrade(offer('token.abc'), SETTINGS, state(), allow)).toMatchObject({ ok: false, status: 400, reason: 'protocol' });
    // A wrong token is a 401 first.
    expect(checkUpgrade(offer('token.abc'), SETTINGS, state(), deny)).toMatchObject({ ok: false, status: 401 });
  });

  it('the address admission counts is the X-Forwarded-For one only with TRUST_PROXY', () => {
    const req = request('/', { 'x-forwarded-for': '203.0.113.7' }, '127.0.0.1');
    expect(checkUpgrade(req, SETTINGS, state())).toMatchObject({ ok: true, ip: '127.0.0.1' });
    expect(checkUpgrade(req, { ...SETTINGS, trustProxy: true }, state())).toMatchObject({ ok: true, ip: '203.0.113.7' });
  });
});

describe('clientIp', () => {
  it('ignores X-Forwarded-For unless the proxy is trusted', () => {
    expect(clientIp(request('/', { 'x-forwarded-for': '198.51.100.1' }, '127.0.0.1'), false)).toBe('127.0.0.1');
    expect(clientIp(request('/', { 'x-forwarded-for': '198.51.100.1' }, '127.0.0.1'), true)).toBe('198.51.100.1');
  });

  it('a client cannot pick its own address by sending X-Forwarded-For through the trusted proxy', () => {
    // The trusted proxy appends the address it saw: the spoofed entry comes first, the real one last.
    const spoofed = request('/', { 'x-forwarded-for': '1.2.3.4, 198.51.100.9' }, '127.0.0.1');
    expect(clientIp(spoofed, true)).toBe('198.51.100.9');
  });

  it('falls back to the socket address on an empty header', () => {
    expect(clientIp(request('/', { 'x-forwarded-for': ' ' }, '127.0.0.1'), true)).toBe('127.0.0.1');
  });
});

describe('originAllowed', () => {
  it('no Origin (not a browser), a listed origin and * pass; others fail, whatever Host says', () => {
    expect(originAllowed(request('/'), ['https://app.example'])).toBe(true);
    expect(originAllowed(request('/', { origin: 'https://app.example' }), ['https://app.example'])).toBe(true);
    // Host is proxy.example: a page at that name is not "own" unless configured (DNS rebinding).
    expect(originAllowed(request('/', { origin: 'http://proxy.example' }), [])).toBe(false);
    expect(originAllowed(request('/', { origin: 'https://evil.example' }), ['*'])).toBe(true);
    expect(originAllowed(request('/', { origin: 'https://evil.example' }), ['https://app.example'])).toBe(false);
    expect(originAllowed(request('/', { origin: 'https://app.example.evil.example' }), ['https://app.example'])).toBe(false);
    expect(originAllowed(request('/', { origin: 'null' }), ['https://app.example'])).toBe(false);
  });
});

describe('refuseUpgrade', () => {
  it('writes the exact status with a JSON body and destroys the socket', () => {
    const socket = new PassThrough();
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    refuseUpgrade(socket, 429, 'Too many connections from this address.');
    const text = Buffer.concat(chunks).toString();
    expect(text.startsWith('HTTP/1.1 429 Too Many Requests\r\n')).toBe(true);
    expect(text).toContain('Connection: close');
    expect(JSON.parse(text.split('\r\n\r\n')[1] ?? '')).toEqual({ error: { status: 429, message: 'Too many connections from this address.' } });
    expect(socket.destroyed).toBe(true);
  });
});
