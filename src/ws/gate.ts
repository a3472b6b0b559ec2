/**
 * The upgrade gate: every check that can refuse a WebSocket runs here, before `handleUpgrade`, and a refusal is an
 * exact HTTP status on a socket that is then destroyed (no WebSocket is ever created for it).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { abortHandshake } from '../http/abort-handshake.js';
import { parseRequestTarget, type RequestTarget } from '../http/request-target.js';
import { refusalFor, type UpgradeRefusal } from '../errors/index.js';

export interface GateSettings {
  /** `ALLOWED_ORIGINS` and the server's own origins. */
  readonly allowedOrigins: readonly string[];
  readonly trustProxy: boolean;
}

export interface GateState {
  readonly draining: boolean;
}

/** Checks the credentials of an upgrade; returns the user id (for logs) or a refusal message. */
export type Authenticator = (request: IncomingMessage, target: RequestTarget) => { ok: true; userId?: string } | { ok: false; message: string };

/** A subprotocol of this form carries a client token (browsers cannot set headers); it is never echoed. */
export const TOKEN_SUBPROTOCOL_PREFIX = 'token.';

export type GateDecision =
  | { readonly ok: true; readonly target: RequestTarget; readonly ip: string; readonly userId?: string; readonly protocol?: string }
  | ({ readonly ok: false } & UpgradeRefusal);

/**
 * Decides whether an upgrade request may proceed, from the request alone. Order: path, draining, origin, auth,
 * subprotocol.
 * The connection limits come after, from admission (`src/admission/`), so an unauthenticated client learns
 * nothing about capacity.
 */
export function checkUpgrade(request: IncomingMessage, settings: GateSettings, state: GateState, authenticate?: Authenticator): GateDecision {
  const target = parseRequestTarget(request.url);
  if (target?.pathname !== '/') return refuse(refusalFor('path'));
  if (state.draining) return refuse(refusalFor('draining'));
  if (!originAllowed(request, settings.allowedOrigins)) return refuse(refusalFor('origin'));
  let userId: string | undefined;
  if (authenticate) {
    const auth = authenticate(request, target);
    if (!auth.ok) return refuse({ ...refusalFor('auth'), message: auth.message });
    userId = auth.userId;
  }
  const offered = offeredSubprotocols(request);
  const protocol = offered.find((candidate) => !candidate.startsWith(TOKEN_SUBPROTOCOL_PREFIX));
  // Offered protocols that get no answer fail the handshake in the client (browsers, `ws`); a token is never one.
  if (offered.length > 0 && protocol === undefined) return refuse(refusalFor('protocol'));
  const ip = clientIp(request, settings.trustProxy);
  return { ok: true, target, ip, ...(userId === undefined ? {} : { userId }), ...(protocol === undefined ? {} : { protocol }) };
}

/**
 * The subprotocols a client offers, in its order. The server answers with the first that is not a token, with auth
 * on or off: the protocol has one version, so any name the client offers is taken as it.
 */
export function offeredSubprotocols(request: IncomingMessage): string[] {
  return (request.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((protocol) => protocol.trim())
    .filter((protocol) => protocol !== '');
}

/**
 * A request without `Origin` (not a browser) passes; `*` allows every origin; otherwise the origin must be listed.
 * `allowed` holds the server's own origins too (`server-origins.ts`): the request's `Host` is never trusted for that.
 */
export function originAllowed(request: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  return allowed.includes('*') || allowed.includes(origin);
}

/**
 * The peer address; with `trustProxy`, the last `X-Forwarded-For` entry: the address the one trusted proxy in
 * front saw. Earlier entries are whatever the client wrote itself, so trusting them would let anyone pick their
 * own address and walk around the per-IP limit.
 */
export function clientIp(request: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = request.headers['x-forwarded-for'];
    const header = Array.isArray(forwarded) ? forwarded.join(',') : forwarded;
    const last = header?.split(',').at(-1)?.trim();
    if (last) return last;
  }
  return request.socket.remoteAddress ?? 'unknown';
}

/** Answers a refused upgrade with `status` and a body that says why, and destroys the socket. */
export function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  abortHandshake(socket, status, { error: { status, message } });
}

function refuse(refusal: UpgradeRefusal): GateDecision {
  return { ok: false, ...refusal };
}
