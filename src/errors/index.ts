/**
 * Every error a client can see has a stable `code`. This one table says, for each code, whether it ends the
 * session and with which WebSocket close code; `UPGRADE_REFUSALS` says which HTTP status refuses an upgrade.
 */

export interface ErrorSpec {
  /** True when the proxy closes the socket right after sending the error. */
  readonly fatal: boolean;
  /** WebSocket close code used when fatal. */
  readonly closeCode?: number;
  /** Default message, when the site that raises it has nothing more specific. */
  readonly message: string;
}

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

export const ERRORS = {
  invalid_json: { fatal: false, message: 'The text frame is not valid JSON.' },
  unknown_message_type: { fatal: false, message: 'Unknown message type.' },
  invalid_message: { fatal: false, message: 'The message has a missing or wrong field.' },
  invalid_audio_frame: { fatal: false, message: 'The audio frame does not hold a whole number of samples.' },
  invalid_audio_format: { fatal: true, closeCode: CloseCode.policy, message: 'Unsupported audio format or rate.' },
  audio_buffer_overflow: {
    fatal: false,
    message: 'Audio sent before the session was ready exceeded the pre-open buffer; the excess was dropped.',
  },
  config_key_locked: { fatal: true, closeCode: CloseCode.policy, message: 'The server does not let clients set these keys.' },
  rate_limited: { fatal: false, message: 'Too many control messages; slow down.' },
  rate_limit_exceeded: { fatal: true, closeCode: CloseCode.policy, message: 'Control messages kept exceeding the rate limit.' },
  client_too_slow: {
    fatal: false,
    message: 'The connection is not reading audio fast enough; some response audio was dropped.',
  },
  response_text_truncated: {
    fatal: false,
    message: 'The response text reached its limit; the rest is not shown (the audio goes on).',
  },
  client_stalled: { fatal: true, closeCode: CloseCode.tryAgainLater, message: 'The connection stopped reading; closing.' },
  upstream_error: { fatal: false, message: 'The upstream reported an error.' },
  upstream_rate_limited: {
    fatal: false,
    closeCode: CloseCode.tryAgainLater,
    message: 'The AI service is rate limiting this server; the response failed. Try again in a moment.',
  },
  upstream_quota: {
    fatal: false,
    closeCode: CloseCode.upstreamFailure,
    message: "The AI service refused the response: the server's quota is used up.",
  },
  upstream_failed: { fatal: false, message: 'The AI service failed to produce the response.' },
  upstream_incomplete: { fatal: false, message: 'The AI service cut the response short.' },
  upstream_unavailable: { fatal: true, closeCode: CloseCode.upstreamFailure, message: 'The upstream could not be reached.' },
  upstream_auth_failed: {
    fatal: true,
    closeCode: CloseCode.upstreamFailure,
    message: 'The upstream refused the server credentials.',
  },
  upstream_closed: { fatal: true, closeCode: CloseCode.upstreamFailure, message: 'The upstream closed the session.' },
  session_expired: {
    fatal: true,
    closeCode: CloseCode.goingAway,
    message: 'The session reached its maximum duration.',
  },
  idle_timeout: { fatal: true, closeCode: CloseCode.goingAway, message: 'No audio or message arrived for too long.' },
  internal_error: { fatal: true, closeCode: CloseCode.upstreamFailure, message: 'Internal error.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** Why an upgrade was refused, as `audio_proxy_upgrades_rejected_total` labels it. */
export const UPGRADE_REJECTIONS = ['origin', 'auth', 'path', 'draining', 'capacity', 'protocol'] as const;
export type UpgradeRejection = (typeof UPGRADE_REJECTIONS)[number];

/** An upgrade refused before the handshake: the HTTP status, the metric's reason, and the body's message. */
export interface UpgradeRefusal {
  readonly status: number;
  readonly reason: UpgradeRejection;
  readonly message: string;
}

/** Every refusal of an upgrade, in the order the checks run (see docs/security.md). */
export const UPGRADE_REFUSALS = {
  path: { status: 404, reason: 'path', message: 'WebSocket upgrades are served on / only.' },
  draining: { status: 503, reason: 'draining', message: 'The server is shutting down.' },
  origin: { status: 403, reason: 'origin', message: 'This origin is not allowed.' },
  auth: { status: 401, reason: 'auth', message: 'Authentication is required.' },
  protocol: {
    status: 400,
    reason: 'protocol',
    message: 'Offer a subprotocol besides the token (e.g. voice.v1): the server never echoes a token, and a client that offers subprotocols fails a handshake that answers none.',
  },
  capacity: { status: 503, reason: 'capacity', message: 'The server is at capacity; try again later.' },
  // Counted under `capacity` as it always was: the metric's reasons are part of the product.
  per_ip: { status: 429, reason: 'capacity', message: 'Too many connections from this address.' },
} as const satisfies Record<string, UpgradeRefusal>;

/** The JSON `error` event a client receives. */
export interface ClientErrorEvent {
  readonly type: 'error';
  readonly code: ErrorCode;
  readonly message: string;
  readonly fatal: boolean;
  /** For `upstream_*` errors, the upstream's own error code, when it gave one. */
  readonly upstreamCode?: string;
}

/** Builds the client `error` event for a code, with an optional more specific message. */
export function clientError(code: ErrorCode, message?: string, upstreamCode?: string): ClientErrorEvent {
  const spec: ErrorSpec = ERRORS[code];
  return {
    type: 'error',
    code,
    message: message ?? spec.message,
    fatal: spec.fatal,
    ...(upstreamCode === undefined ? {} : { upstreamCode }),
  };
}

/** Close code for a fatal error code (1011 when the table has none). */
export function closeCodeFor(code: ErrorCode): number {
  const spec: ErrorSpec = ERRORS[code];
  return spec.closeCode ?? CloseCode.upstreamFailure;
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
