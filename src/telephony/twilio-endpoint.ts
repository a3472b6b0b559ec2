/**
 * A Twilio stream from the handshake to its session: Twilio sends `connected`, then `start` with the stream's ids,
 * its media format and its custom parameters. Only then is a session opened, since until `start` the proxy knows
 * neither the `streamSid` every reply must carry nor, for a stream authenticated by token, who it is. A stream that
 * sends no `start` in time, streams another format than μ-law 8 kHz mono, or carries a missing or bad token is
 * closed (1008) without a session; Twilio then goes on with its TwiML.
 */
import type WebSocket from 'ws';
import type { DtmfMode } from '../config/index.js';
import { CloseCode } from '../errors/index.js';
import type { Logger } from '../logger/index.js';
import type { TwilioAuth } from './twilio-gate.js';
import { isTwilioMulaw, parseTwilioMessage } from './twilio-messages.js';
import { TwilioTransport } from './twilio-transport.js';

/** How long Twilio has, after the handshake, to send `start` (it sends it at once, right after `connected`). */
const TWILIO_START_TIMEOUT_MS = 10_000;
/** The `customParameters` entry a stream's token travels in (`<Parameter name="token" value="…"/>`). */
const TOKEN_PARAMETER = 'token';

/** Why a stream got no session: its media format, or its token (the close frame's reason says the same). */
export type Refusal = 'invalid_audio_format' | 'auth';

export interface TwilioStreamDeps {
  readonly log: Logger;
  readonly auth: TwilioAuth;
  /** Checks a token carried in the stream's parameters (present when `auth` is `token`). */
  readonly checkToken?: (token: string | undefined) => { ok: true; userId?: string } | { ok: false; message: string };
  readonly dtmf: DtmfMode;
  /** The stream was turned away before a session, for the metrics: its format, or its token. */
  readonly refused: (why: Refusal) => void;
  /** The stream is ready: open its session (which calls `transport.listen`). */
  readonly open: (transport: TwilioTransport, userId: string | undefined) => void;
}

/** Waits for the stream's `start`, then opens its session; closes it without one when it cannot be served. */
export function acceptTwilioStream(socket: WebSocket, deps: TwilioStreamDeps): void {
  const { log } = deps;
  const refuse = (why: Refusal | 'no_start', details: Record<string, unknown> = {}): void => {
    log.info({ reason: why, ...details }, 'twilio stream refused');
    if (why !== 'no_start') deps.refused(why);
    socket.close(CloseCode.policy, why);
  };
  const timer = setTimeout(() => {
    socket.off('message', onMessage);
    refuse('no_start');
  }, TWILIO_START_TIMEOUT_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));

  const onMessage = (data: Buffer, isBinary: boolean): void => {
    const message = isBinary ? undefined : parseTwilioMessage(data.toString('utf8'));
    // `connected` first, then `start`; nothing else is expected before it, and nothing before it is kept.
    if (message?.event !== 'start') return;
    clearTimeout(timer);
    socket.off('message', onMessage);
    const { start } = message;
    const ids = { streamSid: start.streamSid, callSid: start.callSid };
    if (!isTwilioMulaw(start.mediaFormat)) return refuse('invalid_audio_format', { ...ids, mediaFormat: start.mediaFormat });
    let userId: string | undefined;
    if (deps.auth === 'token') {
      const checked = deps.checkToken?.(start.customParameters[TOKEN_PARAMETER]) ?? { ok: false, message: 'No token check is configured.' };
      if (!checked.ok) return refuse('auth', { ...ids, why: checked.message });
      userId = checked.userId;
    }
    const streamLog = log.child({ ...ids, ...(userId === undefined ? {} : { userId }) });
    deps.open(new TwilioTransport(socket, start, { dtmf: deps.dtmf, log: streamLog }), userId);
  };
  socket.on('message', onMessage);
}
