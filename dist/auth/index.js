/**
 * Client authentication at the upgrade. A token may arrive as `Authorization: Bearer`, the `token` query
 * parameter, or a `token.<value>` WebSocket subprotocol (browsers cannot set headers). Tokens are never logged.
 * Two modes: a static shared token (`PROXY_AUTH_TOKEN`, compared in constant time) or signed, expiring HS256
 * tokens (`PROXY_AUTH_SECRET`, whose optional `sub` becomes the user id in logs).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { verifyClientToken } from './jwt.js';
export { mintClientToken, verifyClientToken } from './jwt.js';
const SUBPROTOCOL_PREFIX = 'token.';
/** The authenticator for the configured mode, or undefined when auth is off. */
export function createAuthenticator(settings) {
    const secret = settings.secret;
    if (secret !== null) {
        return (request, target) => {
            const presented = presentedToken(request, target);
            if (presented.token === undefined)
                return { ok: false, message: 'A token is required.' };
            const checked = verifyClientToken(presented.token, secret);
            if (!checked.ok)
                return checked;
            return {
                ok: true,
                ...(checked.subject === undefined ? {} : { userId: checked.subject }),
                ...(presented.protocol === undefined ? {} : { protocol: presented.protocol }),
            };
        };
    }
    const expected = settings.token;
    if (expected === null)
        return undefined;
    return (request, target) => {
        const presented = presentedToken(request, target);
        if (presented.token === undefined)
            return { ok: false, message: 'A token is required.' };
        if (!constantTimeEqual(presented.token, expected))
            return { ok: false, message: 'The token is not valid.' };
        return { ok: true, ...(presented.protocol === undefined ? {} : { protocol: presented.protocol }) };
    };
}
/**
 * The token a request carries, and the subprotocol to answer with: the first offered protocol that is not a
 * token, so the secret is never echoed back in the handshake response.
 */
export function presentedToken(request, target) {
    const offered = (request.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((protocol) => protocol.trim())
        .filter((protocol) => protocol !== '');
    const protocol = offered.find((candidate) => !candidate.startsWith(SUBPROTOCOL_PREFIX));
    const withProtocol = protocol === undefined ? {} : { protocol };
    const header = request.headers.authorization;
    if (header !== undefined && /^Bearer\s+/i.test(header))
        return { token: header.replace(/^Bearer\s+/i, '').trim(), ...withProtocol };
    const query = target.searchParams.get('token');
    if (query !== null && query !== '')
        return { token: query, ...withProtocol };
    const fromProtocol = offered.find((candidate) => candidate.startsWith(SUBPROTOCOL_PREFIX));
    if (fromProtocol !== undefined)
        return { token: fromProtocol.slice(SUBPROTOCOL_PREFIX.length), ...withProtocol };
    return withProtocol;
}
/** Compares digests so neither the content nor the length of the secret leaks through timing. */
export function constantTimeEqual(presented, expected) {
    const a = createHash('sha256').update(presented).digest();
    const b = createHash('sha256').update(expected).digest();
    return timingSafeEqual(a, b);
}
