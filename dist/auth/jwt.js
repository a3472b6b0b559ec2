/**
 * Signed, expiring client tokens (`PROXY_AUTH_SECRET`): HS256 JWTs that an operator's web backend mints per user.
 * `jsonwebtoken` verifies synchronously, which keeps the upgrade gate a plain synchronous check.
 */
import jwt from 'jsonwebtoken';
/** The only algorithm accepted: a token naming `none`, RS256 or anything else is refused. */
const ALGORITHMS = ['HS256'];
/** Clock skew forgiven between the minting backend and this server. */
export const CLOCK_TOLERANCE_SECONDS = 5;
/** Tokens longer than this are refused unread (a JWT with a short `sub` is ~200 characters). */
export const MAX_TOKEN_CHARS = 4096;
/** `sub` is logged as the user id; a longer one is cut so a token cannot flood the logs. */
const MAX_SUBJECT_CHARS = 128;
/** Verifies an HS256 token: signature, `exp` present and in the future, `nbf` if present. Never throws. */
export function verifyClientToken(token, secret, nowSeconds = Math.floor(Date.now() / 1000)) {
    if (token.length > MAX_TOKEN_CHARS)
        return { ok: false, message: 'The token is not valid.' };
    let payload;
    try {
        payload = jwt.verify(token, secret, { algorithms: ALGORITHMS, clockTolerance: CLOCK_TOLERANCE_SECONDS, clockTimestamp: nowSeconds });
    }
    catch (error) {
        if (error instanceof jwt.TokenExpiredError)
            return { ok: false, message: 'The token has expired.' };
        return { ok: false, message: 'The token is not valid.' };
    }
    if (typeof payload === 'string' || typeof payload.exp !== 'number')
        return { ok: false, message: 'The token has no expiry ("exp").' };
    const subject = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub.slice(0, MAX_SUBJECT_CHARS) : undefined;
    return subject === undefined ? { ok: true } : { ok: true, subject };
}
/** Mints an HS256 token that expires `ttlSeconds` from now, with an optional `sub` (the user id). */
export function mintClientToken(secret, options) {
    const iat = options.nowSeconds ?? Math.floor(Date.now() / 1000);
    const payload = { iat, exp: iat + options.ttlSeconds };
    if (options.sub !== undefined)
        payload.sub = options.sub;
    return jwt.sign(payload, secret, { algorithm: 'HS256' });
}
