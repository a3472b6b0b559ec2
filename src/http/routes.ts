/** Plain HTTP: health, readiness, info, Prometheus metrics, the demo page, the TwiML helper; JSON 404 for anything else. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Registry } from 'prom-client';
import { echoClientText } from '../errors/index.js';
import type { Logger } from '../logger/index.js';
import type { StoreHealth } from '../shared-store/index.js';
import { parseRequestTarget } from './request-target.js';
import { serveStatic } from './static.js';

/** The whole server as `/health` describes it: one process, or every worker of a cluster. */
export interface ServerStatus {
  readonly activeSessions: number;
  /** When the server (the cluster's primary) started, epoch ms. */
  readonly startedAt: number;
  readonly workers: { readonly running: number; readonly configured: number };
  /** The store shared with other instances (REDIS_URL), when there is one. */
  readonly sharedStore?: StoreHealth;
}

export interface HttpDeps {
  /** True once this process drains: `/ready` turns 503. */
  readonly draining: () => boolean;
  /** The shared store's state for `/ready`, when there is one (asked only then: in a cluster it is a round trip). */
  readonly sharedStore?: () => Promise<StoreHealth | undefined>;
  readonly status: () => Promise<ServerStatus>;
  /** The `/info` document (built once: it never holds a secret). */
  readonly info: Readonly<Record<string, unknown>>;
  /** The Prometheus text exposition of the whole server. */
  readonly metrics: () => Promise<string>;
  readonly publicDir: string;
  readonly logger: Logger;
  /** The TwiML helper (docs/telephony.md): its path, and the document for a request's `Host`. */
  readonly twiml?: { readonly path: string; readonly document: (host: string | undefined) => string };
}

/** Creates the request handler for the plain HTTP routes. */
export function createHttpHandler(deps: HttpDeps): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    handle(deps, request, response).catch((error: unknown) => {
      // The path only: a query string may carry a client token.
      const path = (request.url ?? '').split('?')[0];
      deps.logger.error({ err: error instanceof Error ? error.message : String(error), path }, 'http handler failed');
      if (!response.headersSent) sendJson(response, 500, { error: { status: 500, message: 'Internal error.' } });
      else response.destroy();
    });
  };
}

async function handle(deps: HttpDeps, request: IncomingMessage, response: ServerResponse): Promise<void> {
  // A target with no path (`*`, garbage) matches no route: the JSON 404 below.
  const path = parseRequestTarget(request.url)?.pathname ?? '';
  // Twilio asks for a number's TwiML with a POST by default (its form body says nothing the document needs).
  if (deps.twiml !== undefined && path === deps.twiml.path && (request.method === 'POST' || request.method === 'GET')) {
    request.resume();
    const body = deps.twiml.document(request.headers.host);
    response.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
    response.end(body);
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    sendJson(response, 405, { error: { status: 405, message: 'Only GET and HEAD are served.' } });
    return;
  }
  switch (path) {
    case '/health': {
      const status = await deps.status();
      sendJson(response, 200, {
        status: 'ok',
        uptimeSeconds: Math.round((Date.now() - status.startedAt) / 1000),
        activeSessions: status.activeSessions,
        draining: deps.draining(),
        workers: status.workers,
        ...(status.sharedStore === undefined ? {} : { sharedStore: storeState(status.sharedStore) }),
      });
      return;
    }
    case '/ready': {
      const draining = deps.draining();
      const store = draining ? undefined : await deps.sharedStore?.();
      // In closed mode an unreachable store refuses every new session, so the instance is not ready; in open mode
      // it still serves (per-instance limits), and a 503 from every instance at once would empty the balancer.
      const ready = !draining && !(store?.reachable === false && store.failureMode === 'closed');
      sendJson(response, ready ? 200 : 503, { ready, ...(store === undefined ? {} : { sharedStore: storeState(store) }) });
      return;
    }
    case '/info':
      sendJson(response, 200, deps.info);
      return;
    case '/metrics': {
      const body = await deps.metrics();
      response.writeHead(200, { 'Content-Type': Registry.PROMETHEUS_CONTENT_TYPE, 'Cache-Control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : body);
      return;
    }
    default:
      if (await serveStatic(deps.publicDir, path, request, response)) return;
      sendJson(response, 404, { error: { status: 404, message: `Nothing at ${echoClientText(path)}.` } });
  }
}

function storeState(store: StoreHealth): string {
  return store.reachable ? 'reachable' : 'unreachable';
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  response.end(text);
}
