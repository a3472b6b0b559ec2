/** How an upstream that failed to open, or closed, ends the client's session: outcome, error code, close code. */
import { CloseCode } from '../errors/index.js';
/** The handshake failed: credentials refused (401/403), rate limited (429: try again later), or unreachable. */
export function endForFailure(failure) {
    if (failure.kind === 'auth') {
        return {
            outcome: 'upstream_error',
            error: { code: 'upstream_auth_failed', message: `The upstream refused the server's credentials (HTTP ${failure.status ?? 0}).` },
        };
    }
    if (failure.kind === 'overloaded') {
        return {
            outcome: 'upstream_error',
            error: { code: 'upstream_unavailable', message: 'The upstream is rate limiting; try again later.', closeCode: CloseCode.tryAgainLater },
        };
    }
    return { outcome: 'upstream_error', error: { code: 'upstream_unavailable', message: `The upstream could not be reached: ${failure.message}.` } };
}
/** The open upstream closed: 1001 is its session cap (the session expired); anything else is a failure. */
export function endForClose(code, reason) {
    if (code === CloseCode.goingAway) {
        return { outcome: 'expired', error: { code: 'session_expired', message: `The upstream ended the session: ${reason || 'maximum duration reached'}.` } };
    }
    return {
        outcome: 'upstream_error',
        error: { code: 'upstream_closed', message: `The upstream closed the session (code ${code}${reason ? `: ${reason}` : ''}).` },
    };
}
