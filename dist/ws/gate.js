/**
 * The upgrade gate: every check that can refuse a WebSocket runs here, before `handleUpgrade`, and a refusal is an
 * exact HTTP status on a socket that is then destroyed (no WebSocket is ever created for it).
 */
import { STATUS_CODES } from 'node:http';
import { parseRequestTarget } from '../http/request-target.js';
import { UPGRADE_REFUSALS } from '../errors/index.js';
/**
 * Decides whether an upgrade request may proceed, from the request alone. Order: path, draining, origin, auth.
 * The connection limits come after, from admission (`src/admission/`), so an unauthenticated client learns
 * nothing about capacity.
 */
export function checkUpgrade(request, settings, state, authenticate) {
    const target = parseRequestTarget(request.url);
    if (target?.pathname !== '/')
        return refuse(UPGRADE_REFUSALS.path);
    if (state.draining)
        return refuse(UPGRADE_REFUSALS.draining);
    if (!originAllowed(request, settings.allowedOrigins))
        return refuse(UPGRADE_REFUSALS.origin);
    let userId;
    let protocol;
    if (authenticate) {
        const auth = authenticate(request, target);
        if (!auth.ok)
            return refuse({ ...UPGRADE_REFUSALS.auth, message: auth.message });
        userId = auth.userId;
        protocol = auth.protocol;
    }
    const ip = clientIp(request, settings.trustProxy);
    return { ok: true, target, ip, ...(userId === undefined ? {} : { userId }), ...(protocol === undefined ? {} : { protocol }) };
}
/**
 * A request without `Origin` (not a browser) passes; `*` allows every origin; otherwise the origin must be listed.
 * `allowed` holds the server's own origins too (`server-origins.ts`): the request's `Host` is never trusted for that.
 */
export function originAllowed(request, allowed) {
    const origin = request.headers.origin;
    if (origin === undefined)
        return true;
    return allowed.includes('*') || allowed.includes(origin);
}
/**
 * The peer address; with `trustProxy`, the last `X-Forwarded-For` entry: the address the one trusted proxy in
 * front saw. Earlier entries are whatever the client wrote itself, so trusting them would let anyone pick their
 * own address and walk around the per-IP limit.
 */
export function clientIp(request, trustProxy) {
    if (trustProxy) {
        const forwarded = request.headers['x-forwarded-for'];
        const header = Array.isArray(forwarded) ? forwarded.join(',') : forwarded;
        const last = header?.split(',').at(-1)?.trim();
        if (last)
            return last;
    }
    return request.socket.remoteAddress ?? 'unknown';
}
/** Writes an HTTP error response on the raw socket and destroys it. */
export function abortHandshake(socket, status, message, extraHeaders = {}) {
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
    if (socket.writable)
        socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${head}\r\n\r\n${body}`);
    socket.destroy();
}
function refuse(refusal) {
    return { ok: false, ...refusal };
}
