import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual, createAuthenticator, mintClientToken, presentedToken } from '../../src/auth/index.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';

function request(url: string, headers: Record<string, string> = {}): [IncomingMessage, URL] {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return [{ url, headers: lower, socket: { remoteAddress: '127.0.0.1' } } as unknown as IncomingMessage, new URL(url, 'http://h')];
}

describe('presentedToken', () => {
  it('reads the Authorization header, then the query, then a token.<value> subprotocol', () => {
    expect(presentedToken(...request('/', { Authorization: 'Bearer abc' }))).toEqual({ token: 'abc' });
    expect(presentedToken(...request('/', { Authorization: 'bearer   abc ' }))).toEqual({ token: 'abc' });
    expect(presentedToken(...request('/?token=q1'))).toEqual({ token: 'q1' });
    expect(presentedToken(...request('/', { 'Sec-WebSocket-Protocol': 'token.p1' }))).toEqual({ token: 'p1' });
    expect(presentedToken(...request('/?token=q1', { Authorization: 'Bearer h1' }))).toEqual({ token: 'h1' });
  });

  it('finds the token subprotocol wherever it is in the offered list', () => {
    expect(presentedToken(...request('/', { 'Sec-WebSocket-Protocol': 'voice.v1, token.secret' }))).toEqual({ token: 'secret' });
  });

  it('ignores a Basic header and an empty query token', () => {
    expect(presentedToken(...request('/?token=', { Authorization: 'Basic Zm9vOmJhcg==' }))).toEqual({});
  });
});

describe('constantTimeEqual', () => {
  it('compares content, whatever the lengths', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', 'abc')).toBe(false);
  });
});

describe('createAuthenticator', () => {
  it('is off when neither a token nor a secret is set', () => {
    expect(createAuthenticator({ token: null, secret: null })).toBeUndefined();
  });

  it('static token: right passes, wrong and missing are refused', () => {
    const auth = createAuthenticator({ token: 'static-token', secret: null });
    expect(auth?.(...request('/?token=static-token'))).toEqual({ ok: true });
    expect(auth?.(...request('/?token=static-tokeN'))).toMatchObject({ ok: false });
    expect(auth?.(...request('/'))).toEqual({ ok: false, message: 'A token is required.' });
  });

  it('signed tokens: sub becomes the user id, from any of the three places', () => {
    const auth = createAuthenticator({ token: null, secret: SECRET });
    const token = mintClientToken(SECRET, { sub: 'alice', ttlSeconds: 60 });
    expect(auth?.(...request('/', { Authorization: `Bearer ${token}` }))).toEqual({ ok: true, userId: 'alice' });
    expect(auth?.(...request('/', { 'Sec-WebSocket-Protocol': `token.${token}, voice.v1` }))).toEqual({ ok: true, userId: 'alice' });
    expect(auth?.(...request(`/?token=${token}`))).toEqual({ ok: true, userId: 'alice' });
  });

  it('signed tokens: the bare secret and an expired token are refused', () => {
    const jwtAuth = createAuthenticator({ token: null, secret: SECRET });
    expect(jwtAuth?.(...request(`/?token=${SECRET}`))).toMatchObject({ ok: false });
    const expired = mintClientToken(SECRET, { sub: 'alice', ttlSeconds: 1, nowSeconds: Math.floor(Date.now() / 1000) - 3600 });
    expect(jwtAuth?.(...request(`/?token=${expired}`))).toEqual({ ok: false, message: 'The token has expired.' });
  });

  it('refusal messages never echo the presented token', () => {
    const auth = createAuthenticator({ token: 'static-token', secret: null });
    const result = auth?.(...request('/?token=guess-123456'));
    expect(JSON.stringify(result)).not.toContain('guess-123456');
    const jwtAuth = createAuthenticator({ token: null, secret: SECRET });
    expect(JSON.stringify(jwtAuth?.(...request('/?token=guess-123456')))).not.toContain('guess-123456');
  });
});
