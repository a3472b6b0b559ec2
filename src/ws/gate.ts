/**
 * The upgrade gate: every check that can refuse a WebSocket runs here, before `handleUpgrade`, and a refusal is an
 * exact HTTP status on a socket that is then destroyed (no WebSocket is ever created for it).
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { parseRequestTarget, type RequestTarget } from '../http/request-target.js';
import type { UpgradeRejection } from '../metrics/index.js';

export interface GateSettings {
  readonly allowedOrigins: readonly string[];
  readonly maxConnections: number;
  readonly maxConnectionsPerIp: number;
  readonly trustProxy: boolean;
}

export interface GateState {
  readonly draining: boolean;
  readonly activeConnections: number;
  connectionsFrom(ip: string): number;
}

/** Checks the credentials of an upgrade; returns the user id (for logs) or a refusal message. */
export type Authenticator = (request: IncomingMessage, target: RequestTarget) => { ok: true; userId?: string; protocol?: string } | { ok: false; message: string };

export type GateDecision =
  | { readonly ok: true; readonly target: RequestTarget; readonly ip: string; readonly userId?: string; readonly protocol?: string }
  | { readonly ok: false; readonly status: number; readonly reason: UpgradeRejection; readonly message: string };

/** Decides whether an upgrade request may proceed. Order: path, draining, origin, auth, capacity, per-IP. */
export function checkUpgrade(request: IncomingMessage, settings: GateSettings, state: GateState, authenticate?: Authenticator): GateDecision {
  const target = parseRequestTarget(request.url);
  if (target?.pathname !== '/') return refuse(404, 'path', 'WebSocket upgrades are served on / only.');
  if (state.draining) return refuse(503, 'draining', 'The server is shutting down.');
  if (!originAllowed(request, settings.allowedOrigins)) return refuse(403, 'origin', 'This origin is not allowed.');
  let userId: string | undefined;
  let protocol: string | undefined;
  if (authenticate) {
    const auth = authenticate(request, target);
    if (!auth.ok) return refuse(401, 'auth', auth.message);
    userId = auth.userId;
    protocol = auth.protocol;
  }
  if (state.activeConnections >= settings.maxConnections) return refuse(503, 'capacity', 'The server is at capacity; try again later.');
  const ip = clientIp(request, settings.trustProxy);
  if (state.connectionsFrom(ip) >= settings.maxConnectionsPerIp) return refuse(429, 'capacity', 'Too many connections from this address.');
  return { ok: true, target, ip, ...(userId === undefined ? {} : { userId }), ...(protocol === undefined ? {} : { protocol }) };
}

/** A request without `Origin` (not a browser) passes; `*` allows every origin; the server's own origin always passes. */
export function originAllowed(request: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  const host = request.headers.host;
  return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
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

/** Writes an HTTP error response on the raw socket and destroys it. */
export function abortHandshake(socket: Duplex, status: number, message: string, extraHeaders: Record<string, string> = {}): void {
  const body = JSON.stringify({ error: { status, message } });
  const headers = {
    Connection: 'close',
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
    ...extraHeaders,
  };
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\r\n');
  if (socket.writable) socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${head}\r\n\r\n${body}`);
  socket.destroy();
}

function refuse(status: number, reason: UpgradeRejection, message: string): GateDecision {
  return { ok: false, status, reason, message };
}
