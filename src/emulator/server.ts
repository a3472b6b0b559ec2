/**
 * The emulator's HTTP server: gates each upgrade on path, fault options and API key exactly as
 * documented (status, JSON body, socket destroyed), then hands the socket to an `EmulatedSession`.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { abortHandshake } from '../http/abort-handshake.js';
import { parseRequestTarget } from '../http/request-target.js';
import { defaultBehaviour } from './behaviour.js';
import type { SessionBehaviour } from './behaviour.js';
import { EmulatedSession } from './session.js';
import type { EmulatorSessionRecord, Refusal } from './session.js';

export type { EmulatorSessionRecord, Refusal };

export interface EmulatorOptions {
  /** Default 0 (a random free port). */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** When set, upgrades need `Authorization: Bearer <apiKey>` (or `api-key: <apiKey>`), else HTTP 401. */
  apiKey?: string;
  /** A wrong key is accepted at the upgrade, then refused: `error` `invalid_api_key`, close 3000 (as users report). */
  refuseKeyAfterUpgrade?: boolean;
  /** Deployments that exist on the Azure path (`/openai/v1/realtime`): a transcription model must name one. */
  azureDeployments?: readonly string[];
  /** Starting timing and fault switches of every session (defaults: realistic; see `SessionBehaviour`). */
  behaviour?: Partial<SessionBehaviour>;
  /** Refuse every upgrade with this HTTP status (401, 403, 429, 500, …). */
  refuseHandshakeStatus?: number;
  /** Close each session `ms` after it opens. */
  closeAfterMs?: { ms: number; code: number; reason?: string };
  /** Close the session after `afterDeltas` (default 1) audio deltas of its first response. */
  closeMidResponse?: { code: number; reason?: string; afterDeltas?: number };
  /** Extra delay before each server event (order is kept). */
  eventLatencyMs?: number;
  /** How many times faster than real time reply audio is sent. Default 4; Infinity = as fast as possible. */
  audioPace?: number;
  /** Audio per `response.output_audio.delta`, ms. Default 40. */
  replyChunkMs?: number;
  /** Answer each append at once with a delta carrying the same audio; no VAD, no responses. */
  loopback?: boolean;
  /**
   * With `loopback`: conversation mode instead of echoes. Appends are consumed; each `response.create` gets a reply
   * of this many ms of audio in `replyChunkMs` deltas at `audioPace` (see loopback-replies.ts).
   */
  loopbackReplyMs?: number;
  /** Default 60 minutes; then close 1001 like the real service. */
  maxSessionMs?: number;
  /** Keep every client event per session in `sessions[i].events`. */
  recordEvents?: boolean;
  /** Default: silent. */
  logger?: Logger;
}

export interface Emulator {
  /** `ws://host:port/v1/realtime` (no query). */
  readonly url: string;
  readonly port: number;
  /** One per accepted connection, in order. */
  readonly sessions: EmulatorSessionRecord[];
  /** Closes all sessions and the server; idempotent. */
  close(): Promise<void>;
}

export const REALTIME_PATH = '/v1/realtime';
/** Azure OpenAI's GA path for the same protocol. */
export const AZURE_REALTIME_PATH = '/openai/v1/realtime';
const DEFAULT_AUDIO_PACE = 4;
const DEFAULT_REPLY_CHUNK_MS = 40;
const DEFAULT_MAX_SESSION_MS = 60 * 60 * 1000;
/** One append may carry 15 MiB of audio: 20 MiB of base64 plus the JSON around it. */
const MAX_PAYLOAD_BYTES = 24 * 1024 * 1024;
const SHUTDOWN_GRACE_MS = 250;

const STATUS_ERRORS: Record<number, { type: string; code: string | null; message: string }> = {
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory', message: 'Forbidden.' },
  404: { type: 'invalid_request_error', code: null, message: 'Not found.' },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached. Please try again later.' },
  500: { type: 'server_error', code: null, message: 'The server had an error while processing your request.' },
};

/** The service's JSON error body for an HTTP status. */
function errorBody(status: number): { error: Record<string, unknown> } {
  const known = STATUS_ERRORS[status] ?? { type: 'server_error', code: null, message: `HTTP ${status}` };
  return { error: { ...known, param: null } };
}

/** Answers a refused upgrade the way the service does: its status and error body. */
function refuse(socket: Duplex, status: number): void {
  abortHandshake(socket, status, errorBody(status));
}

function authorized(request: IncomingMessage, apiKey: string): boolean {
  if (request.headers.authorization === `Bearer ${apiKey}`) return true;
  if (request.headers['api-key'] === apiKey) return true;
  // Browsers cannot set headers: the service also takes the key as a subprotocol.
  const protocols = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  return protocols.includes(`openai-insecure-api-key.${apiKey}`);
}

/** The key a refused client presented (header, Azure header or subprotocol), for the service-style masked echo. */
function presentedKey(request: IncomingMessage): string {
  const bearer = request.headers.authorization?.replace(/^Bearer\s+/i, '');
  const azure = request.headers['api-key'];
  return bearer ?? (typeof azure === 'string' ? azure : '');
}

/** Starts an emulator listening on `host:port`. */
export async function createEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const host = options.host ?? '127.0.0.1';
  const sessions: EmulatorSessionRecord[] = [];
  const live = new Set<EmulatedSession>();
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: MAX_PAYLOAD_BYTES,
    handleProtocols: (protocols) => (protocols.has('realtime') ? 'realtime' : false),
  });
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = parseRequestTarget(request.url)?.pathname;
    const status = path === REALTIME_PATH || path === AZURE_REALTIME_PATH ? 426 : 404;
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(errorBody(status)));
  });

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const target = parseRequestTarget(request.url);
    if (target === undefined || (target.pathname !== REALTIME_PATH && target.pathname !== AZURE_REALTIME_PATH)) return refuse(socket, 404);
    if (options.refuseHandshakeStatus !== undefined) return refuse(socket, options.refuseHandshakeStatus);
    const badKey = options.apiKey !== undefined && !authorized(request, options.apiKey);
    if (badKey && !options.refuseKeyAfterUpgrade) return refuse(socket, 401);
    wss.handleUpgrade(request, socket, head, (ws) => {
      const loopback = options.loopback ?? false;
      const session = new EmulatedSession(ws, {
        model: target.searchParams.get('model') || null,
        beta: request.headers['openai-beta'] !== undefined,
        ...(options.loopbackReplyMs !== undefined ? { loopbackReplyMs: options.loopbackReplyMs } : {}),
        invalidKey: badKey ? presentedKey(request) : null,
        azure: target.pathname === AZURE_REALTIME_PATH,
        azureDeployments: options.azureDeployments ?? [],
        behaviour: { ...defaultBehaviour(loopback), ...options.behaviour, responseFaults: [...(options.behaviour?.responseFaults ?? [])] },
        loopback,
        recordEvents: options.recordEvents ?? false,
        eventLatencyMs: options.eventLatencyMs ?? 0,
        pacing: { audioPace: options.audioPace ?? DEFAULT_AUDIO_PACE, chunkMs: options.replyChunkMs ?? DEFAULT_REPLY_CHUNK_MS },
        maxSessionMs: options.maxSessionMs ?? DEFAULT_MAX_SESSION_MS,
        ...(options.closeAfterMs ? { closeAfterMs: options.closeAfterMs } : {}),
        ...(options.closeMidResponse ? { closeMidResponse: options.closeMidResponse } : {}),
        logger,
      });
      sessions.push(session.record);
      live.add(session);
      ws.once('close', () => live.delete(session));
      session.start();
    });
  };
  // Like the proxy: an exception in a listener must not end the process (and every other session with it).
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    try {
      onUpgrade(request, socket, head);
    } catch (error) {
      logger.error({ err: error }, 'emulator upgrade failed');
      socket.destroy();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const url = `ws://${host.includes(':') ? `[${host}]` : host}:${port}${REALTIME_PATH}`;
  logger.debug({ url }, 'realtime emulator listening');

  let closed: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closed ??= shutdown(server, wss, live);
    return closed;
  };
  return { url, port, sessions, close };
}

async function shutdown(server: ReturnType<typeof createServer>, wss: WebSocketServer, live: Set<EmulatedSession>): Promise<void> {
  const closing = server.listening ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
  for (const session of live) session.close(1001, 'Emulator shutting down');
  const deadline = Date.now() + SHUTDOWN_GRACE_MS;
  while (wss.clients.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  for (const client of wss.clients) client.terminate();
  wss.close();
  server.closeAllConnections();
  await closing;
}
