/**
 * How the upstream's failures reach the client, in one place: what its error codes mean (one table, read for
 * `error` events, failed or incomplete responses and close reasons), how a handshake failure or a close ends the
 * session, and what a response that did not complete tells the client. Sources: docs/emulator.md. Every upstream
 * string read here was scrubbed at the connection (`upstream/redact.ts`).
 */
import { CloseCode, ERRORS, type ErrorCode } from '../errors/index.js';
import type { SessionOutcome } from '../metrics/index.js';
import type { UpstreamFailure } from '../upstream/connection.js';
import { obj, str } from '../upstream/events.js';

export interface SessionEnd {
  readonly outcome: SessionOutcome;
  readonly error: { readonly code: ErrorCode; readonly message: string; readonly closeCode?: number };
}

/** What an upstream failure is about, whichever way it was reported. */
export type UpstreamFailureKind = 'auth' | 'rate_limited' | 'quota' | 'server_error' | 'refused_protocol' | 'other';

const KIND_BY_CODE: Readonly<Record<string, UpstreamFailureKind>> = {
  invalid_api_key: 'auth',
  rate_limit_exceeded: 'rate_limited',
  inference_rate_limit_exceeded: 'rate_limited',
  insufficient_quota: 'quota',
  server_error: 'server_error',
  beta_api_shape_disabled: 'refused_protocol',
};

/** When the code is missing or unknown, the error `type` may still say it. */
const KIND_BY_TYPE: Readonly<Record<string, UpstreamFailureKind>> = {
  authentication_error: 'auth',
  insufficient_quota: 'quota',
  rate_limit_exceeded: 'rate_limited',
  tokens: 'rate_limited',
  requests: 'rate_limited',
  server_error: 'server_error',
};

/** The kind of an upstream failure from its `code` and `type`. */
export function failureKind(code: string | undefined, type: string | undefined): UpstreamFailureKind {
  return (code === undefined ? undefined : KIND_BY_CODE[code]) ?? (type === undefined ? undefined : KIND_BY_TYPE[type]) ?? 'other';
}

/**
 * The client error code for each kind, when the upstream reported it in an `error` event (the session goes on
 * unless the code is fatal) and when a response failed because of it.
 */
export const CLIENT_CODE: Readonly<Record<UpstreamFailureKind, { readonly event: ErrorCode; readonly response: ErrorCode }>> = {
  auth: { event: 'upstream_auth_failed', response: 'upstream_auth_failed' },
  rate_limited: { event: 'upstream_rate_limited', response: 'upstream_rate_limited' },
  quota: { event: 'upstream_quota', response: 'upstream_quota' },
  server_error: { event: 'upstream_error', response: 'upstream_failed' },
  refused_protocol: { event: 'upstream_error', response: 'upstream_failed' },
  other: { event: 'upstream_error', response: 'upstream_failed' },
};

/** Upstream errors caused by our own harmless requests (a cancel racing the response's end): not worth a client's attention. */
const QUIET_UPSTREAM_ERRORS = new Set(['response_cancel_not_active']);

/** What an upstream `error` event means for the session. */
export interface ErrorEventOutcome {
  /** Harmless: logged at debug level only. */
  readonly quiet: boolean;
  /** The upstream's own words, for the log. */
  readonly upstream: { readonly type: string | undefined; readonly code: string; readonly message: string };
  /** The session ends (a refused key, a refused session or protocol). */
  readonly ends: boolean;
  readonly error: { readonly code: ErrorCode; readonly message?: string; readonly upstreamCode: string };
}

/** Reads an upstream `error` event's body; `connecting` until the session is configured. */
export function errorEventOutcome(error: Record<string, unknown> | undefined, connecting: boolean): ErrorEventOutcome {
  const type = str(error, 'type');
  const code = str(error, 'code') ?? type ?? 'unknown';
  const message = str(error, 'message') ?? 'The upstream reported an error.';
  const upstream = { type, code, message };
  const kind = failureKind(code, type);
  // While connecting the proxy has sent nothing but its session.update: any error refuses the session (some
  // errors carry no event_id to say which request they answer).
  if (connecting || kind === 'refused_protocol') {
    const refusal = kind === 'auth' ? 'upstream_auth_failed' : 'upstream_error';
    return { quiet: false, upstream, ends: true, error: { code: refusal, message: `The upstream refused the session: ${message}`, upstreamCode: code } };
  }
  const clientCode = CLIENT_CODE[kind].event;
  // The upstream's words where they help (a request it refused); the table's where they may name the organisation.
  const words = kind === 'other' || kind === 'server_error' ? { message } : {};
  return { quiet: QUIET_UPSTREAM_ERRORS.has(code), upstream, ends: ERRORS[clientCode].fatal, error: { code: clientCode, upstreamCode: code, ...words } };
}

/** The `reason` of an `AIResponseEnd` that did not complete: a closed set (docs/protocol.md). */
export type ResponseEndReason =
  | 'rate_limited'
  | 'quota_exceeded'
  | 'auth_failed'
  | 'server_error'
  | 'failed'
  | 'max_output_tokens'
  | 'content_filter'
  | 'incomplete';

const FAILED_REASON: Readonly<Record<UpstreamFailureKind, ResponseEndReason>> = {
  auth: 'auth_failed',
  rate_limited: 'rate_limited',
  quota: 'quota_exceeded',
  server_error: 'server_error',
  refused_protocol: 'failed',
  other: 'failed',
};

/** What the client and the log learn about a response the upstream did not complete. */
export interface ResponseShortfall {
  readonly reason: ResponseEndReason;
  readonly error: { readonly code: ErrorCode; readonly upstreamCode?: string };
  /** The upstream's own words, for the log only (they may name the organisation). */
  readonly upstream: { readonly type?: string; readonly code?: string; readonly reason?: string; readonly message?: string };
}

/**
 * For a `response.done` whose status is `failed` or `incomplete`, the reason and error to report; undefined for any
 * other status. Its strings arrive scrubbed and bounded (`upstream/redact.ts`, at the connection).
 */
export function responseShortfall(response: Record<string, unknown> | undefined): ResponseShortfall | undefined {
  const status = str(response, 'status');
  if (status !== 'failed' && status !== 'incomplete') return undefined;
  const details = obj(response, 'status_details');
  const failure = obj(details, 'error');
  const upstream = { type: str(failure, 'type'), code: str(failure, 'code'), reason: str(details, 'reason'), message: str(failure, 'message') };
  if (status === 'incomplete') {
    const reason = upstream.reason === 'max_output_tokens' || upstream.reason === 'content_filter' ? upstream.reason : 'incomplete';
    return { reason, error: withUpstreamCode('upstream_incomplete', upstream.reason), upstream };
  }
  const kind = failureKind(upstream.code, upstream.type);
  return { reason: FAILED_REASON[kind], error: withUpstreamCode(CLIENT_CODE[kind].response, upstream.code ?? upstream.type), upstream };
}

function withUpstreamCode(code: ErrorCode, upstreamCode: string | undefined): ResponseShortfall['error'] {
  return upstreamCode === undefined ? { code } : { code, upstreamCode };
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

/** Close codes the service documents or is reported to use, by name. */
export const UpstreamClose = {
  normal: 1000,
  /** The session cap ("Your session hit the maximum duration of 60 minutes."), or the server going away. */
  goingAway: 1001,
  /** No close frame: the connection dropped. */
  dropped: 1006,
  policy: 1008,
  internalError: 1011,
  tryAgainLater: 1013,
  /** Reported after `invalid_api_key` past the upgrade, reason `invalid_request_error.invalid_api_key`. */
  refusedCredentials: 3000,
  /** Reported after a refused request shape, e.g. reason `invalid_request_error.beta_api_shape_disabled`. */
  refusedRequest: 4000,
} as const;

const CLOSE_NAMES: Readonly<Record<number, string>> = {
  [UpstreamClose.normal]: 'normal closure',
  [UpstreamClose.goingAway]: 'going away',
  [UpstreamClose.dropped]: 'connection lost',
  [UpstreamClose.policy]: 'policy violation',
  [UpstreamClose.internalError]: 'internal error',
  [UpstreamClose.tryAgainLater]: 'try again later',
  [UpstreamClose.refusedCredentials]: 'credentials refused',
  [UpstreamClose.refusedRequest]: 'request refused',
};

/** `invalid_request_error.invalid_api_key` → its type and code; undefined for a free-form reason. */
export function parseCloseReason(reason: string): { type: string; code: string } | undefined {
  const match = /^([a-z_]+)\.([a-z_]+)$/.exec(reason);
  return match ? { type: match[1] ?? '', code: match[2] ?? '' } : undefined;
}

/**
 * The open upstream closed. A `<type>.<code>` reason is read with the code table (a bad key → auth failure);
 * otherwise 1001 is the session cap (the session expired), 1013 a try-again-later, anything else (1006, 1008,
 * 1011, …) the upstream closing on us, named in the message.
 */
export function endForClose(code: number, reason: string): SessionEnd {
  const named = `code ${code}${CLOSE_NAMES[code] ? ` ${CLOSE_NAMES[code]}` : ''}${reason ? `: ${reason}` : ''}`;
  const cause = parseCloseReason(reason);
  const kind = cause === undefined ? 'other' : failureKind(cause.code, cause.type);
  if (kind === 'auth') {
    return { outcome: 'upstream_error', error: { code: 'upstream_auth_failed', message: `The upstream refused the server's credentials (${named}).` } };
  }
  if (kind !== 'other') {
    return { outcome: 'upstream_error', error: { code: CLIENT_CODE[kind].event, message: `The upstream ended the session (${named}).` } };
  }
  if (code === UpstreamClose.goingAway) {
    // The service's reason is a sentence with its own full stop.
    const said = reason.replace(/\.+$/, '') || 'maximum duration reached';
    return { outcome: 'expired', error: { code: 'session_expired', message: `The upstream ended the session: ${said}.` } };
  }
  if (code === UpstreamClose.tryAgainLater) {
    return {
      outcome: 'upstream_error',
      error: { code: 'upstream_unavailable', message: `The upstream is overloaded; try again later (${named}).`, closeCode: CloseCode.tryAgainLater },
    };
  }
  return { outcome: 'upstream_error', error: { code: 'upstream_closed', message: `The upstream closed the session (${named}).` } };
}
