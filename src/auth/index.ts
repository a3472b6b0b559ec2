/**
 * Client authentication at the upgrade. A token may arrive as `Authorization: Bearer`, the `token` query
 * parameter, or a `token.<value>` WebSocket subprotocol (browsers cannot set headers). Tokens are never logged.
 * Two modes: a static shared token (`PROXY_AUTH_TOKEN`, compared in constant time) or signed, expiring HS256
 * tokens (`PROXY_AUTH_SECRET`, whose optional `sub` becomes the user id in logs).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestTarget } from '../http/request-target.js';
import { offeredSubprotocols, TOKEN_SUBPROTOCOL_PREFIX, type Authenticator } from '../ws/gate.js';
import { verifyClientToken } from './jwt.js';

export { mintClientToken, verifyClientToken } from './jwt.js';


export interface AuthSettings {
  readonly token: string | null;
  readonly secret: string | null;
}

/** Checks a presented token; returns the user id (a signed token's `sub`) or why it was refused. */
export type TokenChecker = (token: string | undefined) => { ok: true; userId?: string } | { ok: false; message: string };

/**
 * The check of a presented token for the configured mode, or undefined when auth is off. Shared by the upgrade's
 * authenticator and by transports whose token arrives inside the protocol (a Twilio stream's `customParameters`).
 */
export function createTokenChecker(settings: AuthSettings): TokenChecker | undefined {
  const secret = settings.secret;
  if (secret !== null) {
    return (token) => {
      if (token === undefined) return { ok: false, message: 'A token is required.' };
      const checked = verifyClientToken(token, secret);
      if (!checked.ok) return checked;
      return checked.subject === undefined ? { ok: true } : { ok: true, userId: checked.subject };
    };
  }
  const expected = settings.token;
  if (expected === null) return undefined;
  return (token) => {
    if (token === undefined) return { ok: false, message: 'A token is required.' };
    if (!constantTimeEqual(token, expected)) return { ok: false, message: 'The token is not valid.' };
    return { ok: true };
  };
}

/** The authenticator for the configured mode, or undefined when auth is off. */
export function createAuthenticator(settings: AuthSettings): Authenticator | undefined {
  const check = createTokenChecker(settings);
  if (check === undefined) return undefined;
  return (request, target) => check(presentedToken(request, target).token);
}

/** The token a request carries: the Authorization header, else the query, else a `token.<value>` subprotocol. */
export function presentedToken(request: IncomingMessage, target: RequestTarget): { token?: string } {
  const header = request.headers.authorization;
  if (header !== undefined && /^Bearer\s+/i.test(header)) return { token: header.replace(/^Bearer\s+/i, '').trim() };
  const query = target.searchParams.get('token');
  if (query !== null && query !== '') return { token: query };
  const fromProtocol = offeredSubprotocols(request).find((candidate) => candidate.startsWith(TOKEN_SUBPROTOCOL_PREFIX));
  if (fromProtocol !== undefined) return { token: fromProtocol.slice(TOKEN_SUBPROTOCOL_PREFIX.length) };
  return {};
}

/** Compares digests so neither the content nor the length of the secret leaks through timing. */
export function constantTimeEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
