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

/** The authenticator for the configured mode, or undefined when auth is off. */
export function createAuthenticator(settings: AuthSettings): Authenticator | undefined {
  const secret = settings.secret;
  if (secret !== null) {
    return (request, target) => {
      const presented = presentedToken(request, target);
      if (presented.token === undefined) return { ok: false, message: 'A token is required.' };
      const checked = verifyClientToken(presented.token, secret);
      if (!checked.ok) return checked;
      return checked.subject === undefined ? { ok: true } : { ok: true, userId: checked.subject };
    };
  }
  const expected = settings.token;
  if (expected === null) return undefined;
  return (request, target) => {
    const presented = presentedToken(request, target);
    if (presented.token === undefined) return { ok: false, message: 'A token is required.' };
    if (!constantTimeEqual(presented.token, expected)) return { ok: false, message: 'The token is not valid.' };
    return { ok: true };
  };
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
