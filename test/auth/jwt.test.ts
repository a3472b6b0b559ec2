import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CLOCK_TOLERANCE_SECONDS, MAX_TOKEN_CHARS, mintClientToken, verifyClientToken } from '../../src/auth/jwt.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const NOW = 1_800_000_000;

function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** A token built by hand, so tests can forge headers and payloads the library would never mint. */
function forge(header: Record<string, unknown>, payload: Record<string, unknown>, secret = SECRET): string {
  const body = `${b64url(header)}.${b64url(payload)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

describe('signed client tokens (PROXY_AUTH_SECRET)', () => {
  it('a minted token verifies and carries its sub', () => {
    const token = mintClientToken(SECRET, { sub: 'alice', ttlSeconds: 600, nowSeconds: NOW });
    expect(verifyClientToken(token, SECRET, NOW + 1)).toEqual({ ok: true, subject: 'alice' });
  });

  it('a token without sub verifies with no user id', () => {
    const token = mintClientToken(SECRET, { ttlSeconds: 60, nowSeconds: NOW });
    expect(verifyClientToken(token, SECRET, NOW)).toEqual({ ok: true });
  });

  it('expires after ttl plus the small clock tolerance, and says so', () => {
    const token = mintClientToken(SECRET, { sub: 'bob', ttlSeconds: 60, nowSeconds: NOW });
    expect(verifyClientToken(token, SECRET, NOW + 60 + CLOCK_TOLERANCE_SECONDS - 1).ok).toBe(true);
    expect(verifyClientToken(token, SECRET, NOW + 60 + CLOCK_TOLERANCE_SECONDS + 1)).toEqual({ ok: false, message: 'The token has expired.' });
  });

  it('refuses a token with no exp, even correctly signed', () => {
    expect(verifyClientToken(forge({ alg: 'HS256', typ: 'JWT' }, { sub: 'eve', iat: NOW }), SECRET, NOW).ok).toBe(false);
  });

  it('refuses a token signed with another secret', () => {
    const token = mintClientToken('another-secret-that-is-long-enough-987654321', { sub: 'eve', ttlSeconds: 600, nowSeconds: NOW });
    expect(verifyClientToken(token, SECRET, NOW)).toEqual({ ok: false, message: 'The token is not valid.' });
  });

  it('refuses alg "none" and algorithms other than HS256', () => {
    const payload = { sub: 'eve', exp: NOW + 600 };
    expect(verifyClientToken(`${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`, SECRET, NOW).ok).toBe(false);
    const hs512 = `${b64url({ alg: 'HS512' })}.${b64url(payload)}`;
    const signed512 = `${hs512}.${createHmac('sha512', SECRET).update(hs512).digest('base64url')}`;
    expect(verifyClientToken(signed512, SECRET, NOW).ok).toBe(false);
    // The right HMAC under a header that lies about the algorithm.
    expect(verifyClientToken(forge({ alg: 'RS256' }, payload), SECRET, NOW).ok).toBe(false);
  });

  it('refuses a token that is not yet valid (nbf)', () => {
    expect(verifyClientToken(forge({ alg: 'HS256' }, { exp: NOW + 600, nbf: NOW + 120 }), SECRET, NOW).ok).toBe(false);
  });

  it('refuses a tampered payload (sub changed after signing)', () => {
    const [header, , signature] = mintClientToken(SECRET, { sub: 'alice', ttlSeconds: 600, nowSeconds: NOW }).split('.');
    const tampered = `${header}.${b64url({ sub: 'admin', exp: NOW + 600 })}.${signature}`;
    expect(verifyClientToken(tampered, SECRET, NOW).ok).toBe(false);
  });

  it('refuses an oversized token without parsing it', () => {
    const huge = forge({ alg: 'HS256' }, { exp: NOW + 600, pad: 'x'.repeat(MAX_TOKEN_CHARS) });
    expect(verifyClientToken(huge, SECRET, NOW).ok).toBe(false);
  });

  it('cuts a very long sub before it becomes a log field', () => {
    const token = forge({ alg: 'HS256' }, { exp: NOW + 600, sub: 'u'.repeat(1000) });
    const checked = verifyClientToken(token, SECRET, NOW);
    expect(checked.ok && checked.subject?.length).toBe(128);
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string().map((s) => `${s}.${s}.${s}`), fc.base64String()), (token) => {
        const checked = verifyClientToken(token, SECRET, NOW);
        expect(checked.ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
