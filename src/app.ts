/**
 * Wires the server: HTTP routes, the upgrade gate, admission, one SessionBridge per client, heartbeats, and
 * graceful drain. The same code runs alone or as one worker of a cluster: what differs (who admits connections,
 * what the whole server looks like, where the built-in emulator listens for `UPSTREAM=local`) comes in through
 * `ServerOptions`.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Admitter } from './admission/index.js';
import { createLocalAdmitter } from './admission/local.js';
import type { Config, UpstreamConfig } from './config/index.js';
import { clientError, CloseCode, endingFor, refusalFor, type UpgradeRefusal } from './errors/index.js';
import { buildInfo, serverUrls } from './http/info.js';
import { createHttpHandler, type ServerStatus } from './http/routes.js';
import type { Logger } from './logger/index.js';
import type { StoreHealth } from './shared-store/index.js';
import { createMetrics, type Metrics } from './metrics/index.js';
import type { TokenChecker } from './auth/index.js';
import { parseRequestTarget } from './http/request-target.js';
import type { ClientProtocol } from './metrics/index.js';
import { SessionBridge, type BridgeDeps } from './session/bridge.js';
import { bridgeSettings } from './session/settings.js';
import type { SessionBudget } from './session/budget-watch.js';
import { twilioUpgradeHandler, twimlRoute } from './telephony/twilio-route.js';
import type { ClientTransport } from './ws/client-transport.js';
import { SessionRegistry } from './session/registry.js';
import type { BudgetCharger } from './usage/budget.js';
import { UsageAccounting } from './usage/meter.js';
import { checkUpgrade, refuseUpgrade, type Authenticator, type GateDecision, type GateSettings } from './ws/gate.js';
import { parseFormats, type ClientFormats } from './ws/query.js';
import { serverOrigins } from './ws/server-origins.js';
import { SocketTransport } from './ws/socket-transport.js';

type Admitted = Extract<GateDecision, { ok: true }>;
/** What admission needs of a gate's decision. */
type Admission = Pick<Admitted, 'ip' | 'userId'>;

export interface ServerOptions {
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /** Checks client credentials at the upgrade (none: every client may connect). */
  readonly authenticate?: Authenticator;
  /** Checks a token that arrives inside a protocol (a Twilio stream's parameters); present when auth is on. */
  readonly checkToken?: TokenChecker;
  /** Creates each session's recorder (none: recording off). */
  readonly createRecorder?: BridgeDeps['createRecorder'];
  /** Slow-loris guard: a request (an upgrade included) must deliver its headers within this. Default 10 s. */
  readonly headersTimeoutMs?: number;
  /** Who may open a session. Default: MAX_CONNECTIONS and MAX_CONNECTIONS_PER_IP counted in this process. */
  readonly admitter?: Admitter;
  /** The state of the store the admitter shares limits in (REDIS_URL), for `/ready` and `/health`. */
  readonly storeHealth?: () => StoreHealth;
  /** Charges each session's usage to its user's budget (USER_BUDGET_*; its upgrade check is in `admitter`). */
  readonly budget?: BudgetCharger;
  /** With `UPSTREAM=local`: where the built-in emulator listens (whoever started it: `main`, the cluster's primary, a test). */
  readonly localUpstreamUrl?: string;
  /** When this process is one of a cluster's workers: the whole server, as the primary sees it. */
  readonly cluster?: ClusterMember;
}

/** What a cluster worker gets from its primary. */
export interface ClusterMember {
  readonly workers: number;
  /** The whole server, the shared store's state included when REDIS_URL is set. */
  status(): Promise<ServerStatus>;
  /** The Prometheus text of every worker, aggregated. */
  metricsText(): Promise<string>;
  /** This worker's session count changed (the primary sums them for `/health`). */
  sessionsChanged(count: number): void;
}

export interface RunningServer {
  /** `ws://host:port/` for clients. */
  readonly url: string;
  /** `http://host:port` for the HTTP routes. */
  readonly httpUrl: string;
  readonly port: number;
  readonly metrics: Metrics;
  readonly activeSessions: number;
  /** Drains (ServerShuttingDown, grace for in-flight responses, close 1001) and stops listening. Idempotent. */
  close(): Promise<void>;
}

const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
const PUBLIC_DIR = fileURLToPath(new URL('./http/public/', import.meta.url));

/** Starts the proxy on `config.host:config.port` (port 0 picks a free one). */
export async function startServer(config: Config, options: ServerOptions): Promise<RunningServer> {
  const logger = options.logger;
  const metrics = options.metrics ?? createMetrics();
  const cluster = options.cluster;
  const upstream = resolveUpstream(config.upstream, options.localUpstreamUrl);

  if (upstream.kind === 'azure' && config.session.transcriptionModel === null) {
    logger.warn('UPSTREAM=azure without TRANSCRIPTION_MODEL: user transcripts are off (set it to the name of a transcription deployment)');
  }

  const startedAt = Date.now();
  const sessions = new SessionRegistry((count) => cluster?.sessionsChanged(count));
  const sockets = new Set<WebSocket>();
  let draining = false;
  const admitter = options.admitter ?? createLocalAdmitter(config.limits);
  const accounting = new UsageAccounting(config.usage.prices, metrics, logger);
  const { budget } = options;

  const info = buildInfo(config, upstream, cluster?.workers ?? 1);
  const sessionSettings = bridgeSettings(config, upstream);
  const { storeHealth } = options;
  const localStatus = (): ServerStatus => ({
    activeSessions: sessions.size,
    startedAt,
    workers: { running: 1, configured: 1 },
    ...(storeHealth === undefined ? {} : { sharedStore: storeHealth() }),
  });
  // The server's own origins join the allow-list once the port is bound (below).
  let gateSettings: GateSettings = { allowedOrigins: config.allowedOrigins, trustProxy: config.limits.trustProxy };
  const headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const server: Server = createServer(
    // Node checks these only every connectionsCheckingInterval, so check often enough to honour short timeouts.
    { headersTimeout, requestTimeout: Math.max(headersTimeout, 30_000), connectionsCheckingInterval: Math.min(1000, headersTimeout / 2) },
    createHttpHandler({
      draining: () => draining,
      status: cluster ? () => cluster.status() : () => Promise.resolve(localStatus()),
      ...(config.sharedStore === null
        ? {}
        : { sharedStore: cluster ? async () => (await cluster.status()).sharedStore : () => Promise.resolve(localStatus().sharedStore) }),
      info,
      metrics: cluster ? () => cluster.metricsText() : () => metrics.registry.metrics(),
      publicDir: PUBLIC_DIR,
      logger,
      twiml: twimlRoute(config.twilio, config.publicOrigin),
    }),
  );
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: config.maxFrameBytes,
    // The gate already chose the subprotocol (if any); echo only that one.
    handleProtocols: (_protocols, request: IncomingMessage & { chosenProtocol?: string }) => request.chosenProtocol ?? false,
  });

  const refuse = (socket: Duplex, refusal: UpgradeRefusal, details: Record<string, unknown> = {}): void => {
    metrics.upgradesRejected.inc({ reason: refusal.reason });
    logger.info({ status: refusal.status, reason: refusal.reason, ...details }, 'upgrade refused');
    refuseUpgrade(socket, refusal.status, refusal.message);
  };

  /** A gate's refusal; one of the origin says what an operator needs to allow the page. */
  const refuseAtGate = (request: IncomingMessage, socket: Duplex, refusal: UpgradeRefusal): void =>
    refuse(socket, refusal, refusal.reason === 'origin' ? originDetails(request) : {});

  /** Gate (the request itself), then admission (the counts, maybe a round trip to the cluster's primary). */
  const onUpgrade = (request: IncomingMessage & { chosenProtocol?: string }, socket: Duplex, head: Buffer): void => {
    const target = parseRequestTarget(request.url);
    if (target !== undefined && target.pathname === config.twilio.path) return onTwilioUpgrade(request, target, socket, head);
    const decision = checkUpgrade(request, gateSettings, { draining }, options.authenticate);
    if (!decision.ok) return refuseAtGate(request, socket, decision);
    if (decision.protocol !== undefined) request.chosenProtocol = decision.protocol;
    admitThenUpgrade(request, socket, head, decision, (client) => openSession(client, decision));
  };

  /** Admission, then the handshake; `open` gets the WebSocket. The lease lives as long as the raw socket. */
  const admitThenUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer, decision: Admission, open: (client: WebSocket) => void): void => {
    admit(request, socket, head, decision, open).catch((error: unknown) => {
      logger.error({ err: error instanceof Error ? error.message : String(error) }, 'admission failed');
      refuseUpgrade(socket, 500, 'Internal error.');
    });
  };

  const admit = async (request: IncomingMessage, socket: Duplex, head: Buffer, decision: Admission, open: (client: WebSocket) => void): Promise<void> => {
    const admission = await admitter.admit({ ip: decision.ip, ...(decision.userId === undefined ? {} : { userId: decision.userId }) });
    if (!admission.ok) return refuse(socket, admission);
    const { lease } = admission;
    // While the decision was pending the client may have gone, or the drain begun: give the slot back.
    if (socket.destroyed) return lease.release();
    socket.once('close', () => lease.release());
    if (draining) return refuse(socket, refusalFor('draining'));
    wss.handleUpgrade(request, socket, head, (client) => {
      // From here the socket is a WebSocket: a failure is a close frame, never an HTTP answer.
      guard(
        logger,
        'session start',
        () => {
          wss.emit('connection', client, request);
          sockets.add(client);
          client.on('close', () => sockets.delete(client));
          open(client);
        },
        () => client.close(CloseCode.upstreamFailure, 'internal_error'),
      );
    });
  };

  const openSession = (client: WebSocket, decision: Admitted): void => {
    const transport = new SocketTransport(client);
    const formats = parseFormats(decision.target.searchParams);
    if (!formats.ok) {
      metrics.errorsTotal.inc({ code: 'invalid_audio_format' });
      transport.send(clientError('invalid_audio_format', `Unsupported audio format: ${formats.message}.`));
      transport.close(endingFor('invalid_audio_format').close, 'invalid_audio_format');
      return;
    }
    startSession(transport, formats.formats, 'v1', decision.userId);
  };

  /** One session on the shared core, whatever protocol its client speaks. */
  const startSession = (transport: ClientTransport, formats: ClientFormats, protocol: ClientProtocol, userId: string | undefined): void => {
    const bridge = new SessionBridge(transport, formats, sessionSettings, {
      logger: userId === undefined ? logger : logger.child({ userId }),
      metrics,
      accounting,
      ...(budget === undefined || userId === undefined ? {} : { budget: chargeTo(budget, userId) }),
      ...(options.createRecorder === undefined ? {} : { createRecorder: options.createRecorder }),
      onClosed: (closed) => sessions.remove(closed),
    });
    metrics.sessionsOpened.inc({ protocol });
    sessions.add(bridge);
  };

  /** The Twilio path (docs/telephony.md): its own gate, the same admission, then a session at the stream's `start`. */
  const onTwilioUpgrade = twilioUpgradeHandler({
    twilio: config.twilio,
    publicOrigin: config.publicOrigin,
    gateSettings: () => gateSettings,
    draining: () => draining,
    ...(options.checkToken === undefined ? {} : { checkToken: options.checkToken }),
    log: logger,
    metrics,
    refuse: refuseAtGate,
    admitThenUpgrade,
    startSession: (transport, formats, userId) => startSession(transport, formats, 'twilio', userId),
  });

  // Every server and socket listener below runs through `guard`: an exception thrown in an event listener would
  // otherwise reach the process and end every session on it. (Session handlers have their own guard.)
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    guard(logger, 'upgrade', () => onUpgrade(request, socket, head), () => {
      refuseUpgrade(socket, 500, 'Internal error.');
    });
  });

  // Heartbeat: a client that has not answered the previous ping is gone (half-open TCP); terminate it so its
  // session closes and everything it held is released.
  const alive = new WeakSet<WebSocket>();
  wss.on('connection', (client) => {
    // A WebSocket that emits 'error' with no listener throws; the session (if one opens) logs its own errors.
    client.on('error', () => undefined);
    alive.add(client);
    client.on('pong', () => alive.add(client));
  });
  const heartbeat = setInterval(() => {
    for (const client of sockets) {
      guard(logger, 'heartbeat', () => {
        if (!alive.has(client)) {
          logger.info('client missed a heartbeat; terminating');
          client.terminate();
          return;
        }
        alive.delete(client);
        client.ping();
      });
    }
  }, config.limits.heartbeatIntervalMs);
  heartbeat.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // After listening, the server emits 'error' for failed accepts (e.g. out of file descriptors, when libuv's own
  // EMFILE fallback fails); unhandled, that would end the process.
  server.on('error', (error) => logger.error({ err: error.message }, 'server error'));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const { url, httpUrl } = serverUrls(config.host, port);
  const ownOrigins = serverOrigins({ host: config.host, port }, config.publicOrigin);
  gateSettings = { ...gateSettings, allowedOrigins: [...config.allowedOrigins, ...ownOrigins] };
  logger.info({ port, host: config.host, upstream: upstream.kind, model: upstream.model, ownOrigins }, 'listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      draining = true;
      clearInterval(heartbeat);
      logger.info({ sessions: sessions.size, graceMs: config.shutdownGraceMs }, 'draining');
      await sessions.drain(config.shutdownGraceMs);
      for (const client of sockets) client.close(CloseCode.goingAway, 'server shutting down');
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      wss.close();
      logger.info('stopped');
    })();
    return closing;
  };

  return {
    url,
    httpUrl,
    port,
    metrics,
    get activeSessions() {
      return sessions.size;
    },
    close,
  };
}

/** One user's side of the budget: what a session charges its usage to. */
function chargeTo(budget: BudgetCharger, userId: string): SessionBudget {
  return { charge: (spend) => budget.charge(userId, spend) };
}

/** What an operator needs to allow a refused page: its origin (cut: it is the client's text) and the variable. */
function originDetails(request: IncomingMessage): Record<string, unknown> {
  return { origin: String(request.headers.origin).slice(0, 200), hint: 'add this origin to ALLOWED_ORIGINS to allow it' };
}

/** Runs one listener's work; an exception is logged and `recover` cleans up, instead of reaching the process. */
function guard(logger: Logger, listener: string, work: () => void, recover?: () => void): void {
  try {
    work();
  } catch (error) {
    logger.error({ err: error instanceof Error ? (error.stack ?? error.message) : String(error), listener }, 'listener failed');
    try {
      recover?.();
    } catch {
      // Recovery is best effort (the socket may already be gone); the exception must still stop here.
    }
  }
}

/** The upstream to use: as configured, or for `UPSTREAM=local` the emulator someone started for it. */
function resolveUpstream(upstream: UpstreamConfig, localUrl: string | undefined): UpstreamConfig {
  if (upstream.kind !== 'local') return upstream;
  if (localUrl === undefined) throw new Error('UPSTREAM=local needs the built-in emulator started first (ServerOptions.localUpstreamUrl)');
  return { ...upstream, url: localUrl };
}
