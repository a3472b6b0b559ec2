/**
 * The upgrade gate of the Twilio path: who may open a stream, decided from the request before `handleUpgrade`, like
 * the protocol-v1 gate (`ws/gate.ts`) whose origin and address rules it shares. Twilio cannot send our bearer token,
 * but it signs the upgrade (`X-Twilio-Signature` over the `wss://` URL, keyed with TWILIO_AUTH_TOKEN). A stream
 * without a signature may still carry one of our tokens, which arrives only in `start.customParameters`: it is then
 * checked when `start` comes (`twilio-endpoint.ts`). With neither, the stream is refused unless the operator set
 * TWILIO_ALLOW_UNSIGNED.
 */
import type { IncomingMessage } from 'node:http';
import { refusalFor, type UpgradeRefusal } from '../errors/index.js';
import type { RequestTarget } from '../http/request-target.js';
import { clientIp, originAllowed, type GateSettings, type GateState } from '../ws/gate.js';
import { validTwilioSignature } from './twilio-signature.js';
import { publicStreamUrl } from './twiml.js';

export interface TwilioGateSettings extends GateSettings {
  readonly authToken: string | null;
  readonly allowUnsigned: boolean;
  /** Clients authenticate with tokens (PROXY_AUTH_TOKEN or PROXY_AUTH_SECRET): a stream may carry one instead. */
  readonly tokens: boolean;
  /** The origin Twilio is given for this server (PUBLIC_ORIGIN): the signed URL's host. */
  readonly publicOrigin: string | null;
}

/** How a stream proved itself: Twilio's signature, a token still to come in `start`, or not at all (allowed). */
export type TwilioAuth = 'signature' | 'token' | 'unsigned';

export type TwilioGateDecision =
  | { readonly ok: true; readonly target: RequestTarget; readonly ip: string; readonly auth: TwilioAuth }
  | ({ readonly ok: false } & UpgradeRefusal);

/** The signature header Twilio sends on every request it makes, the WebSocket upgrade included. */
const TWILIO_SIGNATURE_HEADER = 'x-twilio-signature';

/** Decides whether an upgrade on the Twilio path may proceed. Order: draining, origin, signature, token, switch. */
export function checkTwilioUpgrade(request: IncomingMessage, target: RequestTarget, settings: TwilioGateSettings, state: GateState): TwilioGateDecision {
  if (state.draining) return { ok: false, ...refusalFor('draining') };
  if (!originAllowed(request, settings.allowedOrigins)) return { ok: false, ...refusalFor('origin') };
  const ip = clientIp(request, settings.trustProxy);
  const signature = request.headers[TWILIO_SIGNATURE_HEADER];
  if (settings.authToken !== null && typeof signature === 'string') {
    // Twilio signs the URL it was given; behind a TLS terminator that is PUBLIC_ORIGIN's host, not ours.
    const url = publicStreamUrl(settings.publicOrigin, request.headers.host, request.url ?? target.pathname);
    if (!validTwilioSignature(settings.authToken, signature, url)) return { ok: false, ...refusalFor('twilio_signature') };
    return { ok: true, target, ip, auth: 'signature' };
  }
  if (settings.tokens) return { ok: true, target, ip, auth: 'token' };
  if (settings.allowUnsigned) return { ok: true, target, ip, auth: 'unsigned' };
  return { ok: false, ...refusalFor('twilio_unsigned') };
}
