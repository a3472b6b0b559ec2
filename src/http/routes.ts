/** Plain HTTP: health, readiness, info, Prometheus metrics, the demo page; JSON 404 for anything else. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger/index.js';
import { parseRequestTarget } from './request-target.js';
import { serveStatic } from './static.js';

export interface HttpState {
  readonly draining: boolean;
  readonly activeSessions: number;
  readonly startedAt: number;
}

export interface HttpDeps {
  readonly state: () => HttpState;
  /** The `/info` document (built once: it never holds a secret). */
  readonly info: Readonly<Record<string, unknown>>;
  readonly registry: Registry;
  readonly publicDir: string;
  readonly logger: Logger;
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
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    sendJson(response, 405, { error: { status: 405, message: 'Only GET and HEAD are served.' } });
    return;
  }
  const state = deps.state();
  switch (path) {
    case '/health':
      sendJson(response, 200, {
        status: 'ok',
        uptimeSeconds: Math.round((Date.now() - state.startedAt) / 1000),
        activeSessions: state.activeSessions,
        draining: state.draining,
      });
      return;
    case '/ready':
      sendJson(response, state.draining ? 503 : 200, { ready: !state.draining });
      return;
    case '/info':
      sendJson(response, 200, deps.info);
      return;
    case '/metrics': {
      const body = await deps.registry.metrics();
      response.writeHead(200, { 'Content-Type': deps.registry.contentType, 'Cache-Control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : body);
      return;
    }
    default:
      if (await serveStatic(deps.publicDir, path, request, response)) return;
      sendJson(response, 404, { error: { status: 404, message: `Nothing at ${path.slice(0, 100)}.` } });
  }
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
