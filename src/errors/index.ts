/**
 * Every failure a client can be told about, in one table keyed by a stable code. A row says how the client learns
 * of it: before the WebSocket handshake, an HTTP status on a socket that is then destroyed (counted under an
 * `audio_proxy_upgrades_rejected_total` reason); during a session, an `error` event, fatal or not, and, when the
 * error ends the session, the WebSocket close code and the `audio_proxy_sessions_total` outcome. The gate, the
 * admitters, the session and the metrics all read this table; docs/protocol.md, docs/metrics.md and the demo page
 * are held against it by test/errors/index.test.ts.
 */

export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  /** Never sent: what a peer's close is reported as when the connection dropped without a close frame. */
  abnormal: 1006,
  policy: 1008,
  tooBig: 1009,
  upstreamFailure: 1011,
  tryAgainLater: 1013,
} as const;

/** How a session ended, as `audio_proxy_sessions_total` labels it. */
export const SESSION_OUTCOMES = ['normal', 'client_dropped', 'client_error', 'upstream_error', 'expired', 'shutdown', 'budget'] as const;
export type SessionOutcome = (typeof SESSION_OUTCOMES)[number];

/** Why an upgrade was refused, as `audio_proxy_upgrades_rejected_total` labels it. */
export const UPGRADE_REJECTIONS = ['origin', 'auth', 'path', 'draining', 'capacity', 'protocol', 'per_user', 'store_unavailable', 'budget'] as const;
export type UpgradeRejection = (typeof UPGRADE_REJECTIONS)[number];

/** How an error that ends a session ends it. */
export interface SessionEnding {
  /** The WebSocket close code. */
  readonly close: number;
  /** The close code instead when the cause is a service that says it is overloaded: try again later. */
  readonly closeWhenBusy?: number;
  readonly outcome: SessionOutcome;
}

/** An error told with an `error` event during a session. */
export interface EventErrorSpec {
  readonly kind: 'event';
  /** True when the proxy closes the socket right after sending the error. */
  readonly fatal: boolean;
  /** How the session ends: always present when fatal; for a non-fatal code, when some cause of it ends the session. */
  readonly ends?: SessionEnding;
  /** Default message, when the site that raises it has nothing more specific. */
  readonly message: string;
}

/** An upgrade refused before the handshake: the HTTP status, the metric's reason, and the body's message. */
export interface UpgradeRefusal {
  readonly status: number;
  readonly reason: UpgradeRejection;
  readonly message: string;
}

interface RefusalSpec extends UpgradeRefusal {
  readonly kind: 'refusal';
}

const refusal = (status: number, reason: UpgradeRejection, message: string): RefusalSpec => ({ kind: 'refusal', status, reason, message });
const notFatal = (message: string, ends?: SessionEnding): EventErrorSpec => ({ kind: 'event', fatal: false, message, ...(ends ? { ends } : {}) });
const fatal = (close: number, outcome: SessionOutcome, message: string, closeWhenBusy?: number): EventErrorSpec => ({
  kind: 'event',
  fatal: true,
  ends: { close, outcome, ...(closeWhenBusy === undefined ? {} : { closeWhenBusy }) },
  message,
});

export const ERRORS = {
  // ---- Before the handshake, in the order the checks run (see docs/security.md). No WebSocket is ever created.
  path: refusal(404, 'path', 'WebSocket upgrades are served on / (and the Twilio path) only.'),
  draining: refusal(503, 'draining', 'The server is shutting down.'),
  origin: refusal(403, 'origin', 'This origin is not allowed.'),
  auth: refusal(401, 'auth', 'Authentication is required.'),
  // The Twilio path (docs/telephony.md): counted as `auth`, like every other credential refusal.
  twilio_signature: refusal(403, 'auth', 'The X-Twilio-Signature header does not match this stream URL.'),
  twilio_unsigned: refusal(
    401,
    'auth',
    "This server takes signed Twilio streams only: set TWILIO_AUTH_TOKEN, or pass a token in the stream's parameters.",
  ),
  protocol: refusal(
    400,
    'protocol',
    'Offer a subprotocol besides the token (e.g. voice.v1): the server never echoes a token, and a client that offers subprotocols fails a handshake that answers none.',
  ),
  capacity: refusal(503, 'capacity', 'The server is at capacity; try again later.'),
  // Counted under `capacity` as it always was: the metric's reasons are part of the product.
  per_ip: refusal(429, 'capacity', 'Too many connections from this address.'),
  per_user: refusal(429, 'per_user', 'Too many sessions for this user.'),
  // REDIS_FAILURE_MODE=closed while the shared store is unreachable: the shared limits cannot be checked.
  store_unavailable: refusal(503, 'store_unavailable', 'The server cannot check its shared limits right now; try again later.'),
  // USER_BUDGET_*: the user has already spent this period's budget (checked after the other limits).
  over_budget: refusal(429, 'budget', "This user's budget for the period is spent; it resets at the start of the next period (UTC)."),

  // ---- The client's own mistakes: the session goes on, unless it is one it cannot go on with.
  invalid_json: notFatal('The text frame is not valid JSON.'),
  unknown_message_type: notFatal('Unknown message type.'),
  invalid_message: notFatal('The message has a missing or wrong field.'),
  invalid_audio_frame: notFatal('The audio frame does not hold a whole number of samples.'),
  invalid_audio_format: fatal(CloseCode.policy, 'client_error', 'Unsupported audio format or rate.'),
  audio_buffer_overflow: notFatal('Audio sent before the session was ready exceeded the pre-open buffer; the excess was dropped.'),
  message_buffer_overflow: notFatal('More control messages arrived before the session was ready than it holds; the excess was dropped.'),
  config_key_locked: fatal(CloseCode.policy, 'client_error', 'The server does not let clients set these keys.'),
  rate_limited: notFatal('Too many control messages; slow down.'),
  rate_limit_exceeded: fatal(CloseCode.policy, 'client_error', 'Control messages kept exceeding the rate limit.'),
  client_too_slow: notFatal('The connection is not reading audio fast enough; some response audio was dropped.'),
  response_text_truncated: notFatal('The response text reached its limit; the rest is not shown (the audio goes on).'),
  client_stalled: fatal(CloseCode.tryAgainLater, 'client_error', 'The connection stopped reading; closing.'),

  // ---- The AI service's failures (their causes are sorted in `upstream-failures.ts`).
  upstream_error: notFatal('The upstream reported an error.', { close: CloseCode.upstreamFailure, outcome: 'upstream_error' }),
  upstream_rate_limited: notFatal('The AI service is rate limiting this server; the response failed. Try again in a moment.', {
    close: CloseCode.tryAgainLater,
    outcome: 'upstream_error',
  }),
  upstream_quota: notFatal("The AI service refused the response: the server's quota is used up.", {
    close: CloseCode.upstreamFailure,
    outcome: 'upstream_error',
  }),
  upstream_failed: notFatal('The AI service failed to produce the response.'),
  upstream_incomplete: notFatal('The AI service cut the response short.'),
  upstream_unavailable: fatal(CloseCode.upstreamFailure, 'upstream_error', 'The upstream could not be reached.', CloseCode.tryAgainLater),
  upstream_auth_failed: fatal(CloseCode.upstreamFailure, 'upstream_error', 'The upstream refused the server credentials.'),
  upstream_closed: fatal(CloseCode.upstreamFailure, 'upstream_error', 'The upstream closed the session.'),

  // ---- The session's own limits, and the proxy's bugs.
  session_expired: fatal(CloseCode.goingAway, 'expired', 'The session reached its maximum duration.'),
  idle_timeout: fatal(CloseCode.goingAway, 'expired', 'No audio or message arrived for too long.'),
  // Sent after the AIResponseEnd of the response that reached the limit: that response was finished, not cut.
  budget_exhausted: fatal(CloseCode.policy, 'budget', "This user's budget for the period is spent; the session ends."),
  // Counted as an upstream error as it always was (the outcome labels are part of the product).
  internal_error: fatal(CloseCode.upstreamFailure, 'upstream_error', 'Internal error.'),
} as const satisfies Record<string, EventErrorSpec | RefusalSpec>;

type Table = typeof ERRORS;

/** A code sent to clients in an `error` event. */
export type ErrorCode = { [K in keyof Table]: Table[K] extends EventErrorSpec ? K : never }[keyof Table];
/** A refusal of an upgrade. */
export type RefusalCode = { [K in keyof Table]: Table[K] extends RefusalSpec ? K : never }[keyof Table];

/** Every `error` event code, in table order (the `code` label values of `audio_proxy_errors_total`). */
export const ERROR_CODES = (Object.keys(ERRORS) as (keyof Table)[]).filter((code): code is ErrorCode => ERRORS[code].kind === 'event');

/** The refusal an upgrade gets for `code`. */
export function refusalFor(code: RefusalCode): UpgradeRefusal {
  const { status, reason, message } = ERRORS[code];
  return { status, reason, message };
}

/** The JSON `error` event a client receives. */
export interface ClientErrorEvent {
  readonly type: 'error';
  readonly code: ErrorCode;
  readonly message: string;
  readonly fatal: boolean;
  /** For `upstream_*` errors, the upstream's own error code, when it gave one. */
  readonly upstreamCode?: string;
}

/** Builds the client `error` event for a code, with an optional more specific message; `fatal` when it ends the session. */
export function clientError(code: ErrorCode, message?: string, upstreamCode?: string, endsSession = false): ClientErrorEvent {
  const spec: EventErrorSpec = ERRORS[code];
  return {
    type: 'error',
    code,
    message: message ?? spec.message,
    fatal: endsSession || spec.fatal,
    ...(upstreamCode === undefined ? {} : { upstreamCode }),
  };
}

/** Where no row says otherwise, an error that ends a session is the proxy failing: 1011, counted as an upstream error. */
const DEFAULT_ENDING: SessionEnding = { close: CloseCode.upstreamFailure, outcome: 'upstream_error' };

/** How `code` ends a session: its close code (the busy one when the service said it is overloaded) and outcome. */
export function endingFor(code: ErrorCode, busy = false): { readonly close: number; readonly outcome: SessionOutcome } {
  const ending: SessionEnding = ERRORS[code].ends ?? DEFAULT_ENDING;
  return { close: busy ? (ending.closeWhenBusy ?? ending.close) : ending.close, outcome: ending.outcome };
}

/** Client strings quoted back in an error message are cut to this many characters. */
export const ECHO_MAX_CHARS = 40;

/**
 * A client string as it may appear in an error message (ours to the client, or an HTTP refusal): at most
 * ECHO_MAX_CHARS characters, so an error never becomes an amplifier. Every place that echoes client input uses it.
 */
export function echoClientText(text: string): string {
  return text.length > ECHO_MAX_CHARS ? `${text.slice(0, ECHO_MAX_CHARS)}…` : text;
}
