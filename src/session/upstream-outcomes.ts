/** How an upstream that failed to open, or closed, ends the client's session: outcome, error code, close code. */
import { CloseCode, type ErrorCode } from '../errors/index.js';
import type { SessionOutcome } from '../metrics/index.js';
import type { UpstreamFailure } from '../upstream/connection.js';

export interface SessionEnd {
  readonly outcome: SessionOutcome;
  readonly error: { readonly code: ErrorCode; readonly message: string; readonly closeCode?: number };
}

/** The handshake failed: credentials refused (401/403), rate limited (429: try again later), or unreachable. */
export function endForFailure(failure: UpstreamFailure): SessionEnd {
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
export function endForClose(code: number, reason: string): SessionEnd {
  if (code === CloseCode.goingAway) {
    return { outcome: 'expired', error: { code: 'session_expired', message: `The upstream ended the session: ${reason || 'maximum duration reached'}.` } };
  }
  return {
    outcome: 'upstream_error',
    error: { code: 'upstream_closed', message: `The upstream closed the session (code ${code}${reason ? `: ${reason}` : ''}).` },
  };
}
