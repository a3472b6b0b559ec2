/**
 * What the AI service's failures become for the client: its error codes and types sorted into kinds, each kind's
 * client code (for an `error` event, and for a response that failed) and `AIResponseEnd` reason, and the close codes
 * the service uses, by name. Sources: docs/emulator.md and ../shared/spec/openai-realtime-ga.md.
 */
import type { ErrorCode } from './index.js';

/** What an upstream failure is about, whichever way it was reported. */
export type UpstreamFailureKind = 'auth' | 'rate_limited' | 'quota' | 'server_error' | 'refused_protocol' | 'other';

/** The `reason` of an `AIResponseEnd` that did not complete: a closed set (docs/protocol.md). */
export type ResponseEndReason =
  | 'rate_limited'
  | 'quota_exceeded'
  | 'auth_failed'
  | 'server_error'
  | 'failed'
  | 'max_output_tokens'
  | 'content_filter'
  | 'incomplete'
  /** The AI service's session was lost mid-response; the session goes on with a new one (`SessionRenewed`). */
  | 'upstream_lost';

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

/** What the client is told for each kind. */
export interface KindSpec {
  /** The code of the `error` event when the upstream reported it in an `error` event (or a close reason). */
  readonly event: ErrorCode;
  /** The code of the `error` event that follows an `AIResponseEnd` of a response that failed for it. */
  readonly response: ErrorCode;
  /** That `AIResponseEnd`'s `reason`. */
  readonly endReason: ResponseEndReason;
}

export const UPSTREAM_FAILURES: Readonly<Record<UpstreamFailureKind, KindSpec>> = {
  auth: { event: 'upstream_auth_failed', response: 'upstream_auth_failed', endReason: 'auth_failed' },
  rate_limited: { event: 'upstream_rate_limited', response: 'upstream_rate_limited', endReason: 'rate_limited' },
  quota: { event: 'upstream_quota', response: 'upstream_quota', endReason: 'quota_exceeded' },
  server_error: { event: 'upstream_error', response: 'upstream_failed', endReason: 'server_error' },
  refused_protocol: { event: 'upstream_error', response: 'upstream_failed', endReason: 'failed' },
  other: { event: 'upstream_error', response: 'upstream_failed', endReason: 'failed' },
};

/** Upstream errors caused by our own harmless requests (a cancel racing the response's end): not worth a client's attention. */
export const QUIET_UPSTREAM_ERRORS: ReadonlySet<string> = new Set(['response_cancel_not_active']);

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

/**
 * Closes of an open upstream that another connection may well not repeat: the session cap outside a renewal (1001), a
 * dropped connection (1006), a server fault or restart (1011, 1012), a try-again-later (1013), a bad gateway (1014).
 * A close whose reason names a refusal (`<type>.<code>`: a bad key, quota, policy) is never one of them, nor 1008 or
 * the 3000/4000 refusals.
 */
export const TRANSIENT_CLOSE_CODES: ReadonlySet<number> = new Set([1001, 1006, 1011, 1012, 1013, 1014]);

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

/** `code 1011 internal error: boom`: an upstream close as a client message names it. */
export function describeUpstreamClose(code: number, reason: string): string {
  return `code ${code}${CLOSE_NAMES[code] ? ` ${CLOSE_NAMES[code]}` : ''}${reason ? `: ${reason}` : ''}`;
}
