/**
 * The Twilio path as one server serves it: the TwiML document on `<path>/twiml` (for the HTTP routes), and each
 * upgrade on `<path>`: its own gate (`twilio-gate.ts`), the server's admission, then a stream that opens its session
 * on the shared core at `start` (`twilio-endpoint.ts`). The server (`app.ts`) passes in what the path shares with
 * protocol v1: the gate's settings, the drain, admission, refusals and how a session starts.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { TwilioConfig } from '../config/index.js';
import type { UpgradeRefusal } from '../errors/index.js';
import type { RequestTarget } from '../http/request-target.js';
import type { Logger } from '../logger/index.js';
import type { Metrics } from '../metrics/index.js';
import type { ClientTransport } from '../ws/client-transport.js';
import type { GateSettings } from '../ws/gate.js';
import type { ClientFormats } from '../ws/query.js';
import { acceptTwilioStream, type TwilioStreamDeps } from './twilio-endpoint.js';
import { checkTwilioUpgrade } from './twilio-gate.js';
import { connectStreamTwiml, publicStreamUrl } from './twiml.js';

/** A Twilio stream's audio, both ways: μ-law at 8 kHz, passed through to the upstream unchanged. */
const TWILIO_FORMATS: ClientFormats = {
  input: { encoding: 'g711_ulaw', rate: 8000 },
  output: { encoding: 'g711_ulaw', rate: 8000 },
};

export interface TwilioRouteDeps {
  readonly twilio: TwilioConfig;
  /** PUBLIC_ORIGIN: the origin Twilio is given for this server. */
  readonly publicOrigin: string | null;
  /** The settings the gate shares with protocol v1, as they are now (the server's own origins join once it listens). */
  gateSettings(): GateSettings;
  draining(): boolean;
  /** Checks a token a stream carries in its parameters (present when auth is on). */
  readonly checkToken?: TwilioStreamDeps['checkToken'];
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Turns the upgrade away, counted and logged as every refusal of the server. */
  refuse(request: IncomingMessage, socket: Duplex, refusal: UpgradeRefusal): void;
  /** The server's admission, then the handshake; `open` gets the WebSocket. */
  admitThenUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, decision: { readonly ip: string }, open: (client: WebSocket) => void): void;
  /** Opens a session on the shared core for a stream that is ready. */
  startSession(transport: ClientTransport, formats: ClientFormats, userId: string | undefined): void;
}

/** The HTTP route that serves the TwiML document connecting a call to this server's stream path. */
export function twimlRoute(twilio: TwilioConfig, publicOrigin: string | null): { readonly path: string; readonly document: (host: string | undefined) => string } {
  return {
    path: `${twilio.path}/twiml`,
    document: (host) => connectStreamTwiml({ streamUrl: publicStreamUrl(publicOrigin, host, twilio.path), goodbye: twilio.goodbye }),
  };
}

/** The handler of upgrades on the Twilio path: its gate, the same admission, then a stream that opens its session at `start`. */
export function twilioUpgradeHandler(deps: TwilioRouteDeps): (request: IncomingMessage, target: RequestTarget, socket: Duplex, head: Buffer) => void {
  const { twilio, metrics } = deps;
  const log = deps.log.child({ protocol: 'twilio' });
  return (request, target, socket, head) => {
    const settings = { ...deps.gateSettings(), ...twilio, tokens: deps.checkToken !== undefined, publicOrigin: deps.publicOrigin };
    const decision = checkTwilioUpgrade(request, target, settings, { draining: deps.draining() });
    if (!decision.ok) return deps.refuse(request, socket, decision);
    deps.admitThenUpgrade(request, socket, head, decision, (client) =>
      acceptTwilioStream(client, {
        log,
        auth: decision.auth,
        ...(deps.checkToken === undefined ? {} : { checkToken: deps.checkToken }),
        dtmf: twilio.dtmf,
        refused: (why) => (why === 'auth' ? metrics.upgradesRejected.inc({ reason: 'auth' }) : metrics.errorsTotal.inc({ code: why })),
        open: (transport, userId) => deps.startSession(transport, TWILIO_FORMATS, userId),
      }),
    );
  };
}
