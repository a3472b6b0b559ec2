/**
 * What the upstream's failures do to the session, in one place: what an `error` event means (while connecting and
 * after), how a handshake failure or a close ends the session, and what a response that did not complete tells the
 * client. The tables they read (the service's codes sorted into kinds, each kind's client codes; the client codes'
 * close codes and outcomes) are in `errors/`. Every upstream string read here was scrubbed at the connection
 * (`upstream/redact.ts`).
 */
import { endingFor, ERRORS, type ErrorCode, type SessionOutcome } from '../errors/index.js';
import {
  describeUpstreamClose,
  failureKind,
  QUIET_UPSTREAM_ERRORS,
  TRANSIENT_CLOSE_CODES,
  UPSTREAM_FAILURES,
  UpstreamClose,
  type ResponseEndReason,
} from '../errors/upstream-failures.js';
import type { UpstreamEnd, UpstreamFailure } from '../upstream/connection.js';
import type { ResponseBody, UpstreamErrorBody } from '../upstream/events.js';

/** How a session ends for a failure: its outcome, and the fatal error and close code the client gets (the error table's). */
export interface SessionEnd {
  readonly outcome: SessionOutcome;
  readonly error: EndingError;
}

/** An error that ends the session: told to the client as fatal (the table's message when it has none), then this close. */
export interface EndingError {
  readonly code: ErrorCode;
  readonly message?: string;
  readonly closeCode: number;
  readonly upstreamCode?: string;
}

/** The end the error table gives `code`; `busy` when the service said it is overloaded (try again later). */
export function sessionEnd(code: ErrorCode, message?: string, options: { busy?: boolean; upstreamCode?: string } = {}): SessionEnd {
  const { close, outcome } = endingFor(code, options.busy);
  const extra = { ...(message === undefined ? {} : { message }), ...(options.upstreamCode === undefined ? {} : { upstreamCode: options.upstreamCode }) };
  return { outcome, error: { code, closeCode: close, ...extra } };
}

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
export function errorEventOutcome(error: UpstreamErrorBody, connecting: boolean): ErrorEventOutcome {
  const type = error.type;
  const code = error.code ?? type ?? 'unknown';
  const message = error.message ?? 'The upstream reported an error.';
  const upstream = { type, code, message };
  const kind = failureKind(code, type);
  // While connecting the proxy has sent nothing but its session.update: any error refuses the session (some
  // errors carry no event_id to say which request they answer).
  if (connecting || kind === 'refused_protocol') {
    const refusal = kind === 'auth' ? 'upstream_auth_failed' : 'upstream_error';
    return { quiet: false, upstream, ends: true, error: { code: refusal, message: `The upstream refused the session: ${message}`, upstreamCode: code } };
  }
  const clientCode = UPSTREAM_FAILURES[kind].event;
  // The upstream's words where they help (a request it refused); the table's where they may name the organisation.
  const words = kind === 'other' || kind === 'server_error' ? { message } : {};
  return { quiet: QUIET_UPSTREAM_ERRORS.has(code), upstream, ends: ERRORS[clientCode].fatal, error: { code: clientCode, upstreamCode: code, ...words } };
}

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
export function responseShortfall(response: ResponseBody): ResponseShortfall | undefined {
  const status = response.status;
  if (status !== 'failed' && status !== 'incomplete') return undefined;
  const details = response.status_details;
  const failure = details?.error;
  const upstream = { type: failure?.type, code: failure?.code, reason: details?.reason, message: failure?.message };
  if (status === 'incomplete') {
    const reason = upstream.reason === 'max_output_tokens' || upstream.reason === 'content_filter' ? upstream.reason : 'incomplete';
    return { reason, error: withUpstreamCode('upstream_incomplete', upstream.reason), upstream };
  }
  const kind = failureKind(upstream.code, upstream.type);
  const spec = UPSTREAM_FAILURES[kind];
  return { reason: spec.endReason, error: withUpstreamCode(spec.response, upstream.code ?? upstream.type), upstream };
}

function withUpstreamCode(code: ErrorCode, upstreamCode: string | undefined): ResponseShortfall['error'] {
  return upstreamCode === undefined ? { code } : { code, upstreamCode };
}

/** How the session ends when its upstream connection did: refused or unreachable, closed, or no longer answering. */
export function endForUpstream(end: UpstreamEnd): SessionEnd {
  if (end.kind === 'failed') return endForFailure(end.failure);
  if (end.kind === 'closed') return endForClose(end.code, end.reason);
  return sessionEnd('upstream_closed', 'The upstream stopped answering heartbeats.');
}

/**
 * Whether another connection may well succeed where this one ended: a dropped or failed connection, a server fault,
 * a heartbeat lost, an unreachable or overloaded upstream at a reconnect. Never credentials refused (a handshake 401 or
 * 403, or a close naming a refusal), quota, policy, or a refused request (1008, 3000, 4000).
 */
export function isTransientEnd(end: UpstreamEnd): boolean {
  if (end.kind === 'unanswered') return true;
  if (end.kind === 'failed') return end.failure.kind !== 'auth';
  const cause = parseCloseReason(end.reason);
  if (cause !== undefined && failureKind(cause.code, cause.type) !== 'other') return false;
  return TRANSIENT_CLOSE_CODES.has(end.code);
}

/** The handshake failed: credentials refused (401/403), rate limited (429: try again later), or unreachable. */
export function endForFailure(failure: UpstreamFailure): SessionEnd {
  if (failure.kind === 'auth') return sessionEnd('upstream_auth_failed', `The upstream refused the server's credentials (HTTP ${failure.status ?? 0}).`);
  if (failure.kind === 'overloaded') return sessionEnd('upstream_unavailable', 'The upstream is rate limiting; try again later.', { busy: true });
  return sessionEnd('upstream_unavailable', `The upstream could not be reached: ${failure.message}.`);
}

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
  const named = describeUpstreamClose(code, reason);
  const cause = parseCloseReason(reason);
  const kind = cause === undefined ? 'other' : failureKind(cause.code, cause.type);
  if (kind === 'auth') return sessionEnd('upstream_auth_failed', `The upstream refused the server's credentials (${named}).`);
  if (kind !== 'other') return sessionEnd(UPSTREAM_FAILURES[kind].event, `The upstream ended the session (${named}).`);
  if (code === UpstreamClose.goingAway) {
    // The service's reason is a sentence with its own full stop.
    const said = reason.replace(/\.+$/, '') || 'maximum duration reached';
    return sessionEnd('session_expired', `The upstream ended the session: ${said}.`);
  }
  if (code === UpstreamClose.tryAgainLater) {
    return sessionEnd('upstream_unavailable', `The upstream is overloaded; try again later (${named}).`, { busy: true });
  }
  return sessionEnd('upstream_closed', `The upstream closed the session (${named}).`);
}
