import { Registry } from 'prom-client';
import { echoClientText } from '../errors/index.js';
import { parseRequestTarget } from './request-target.js';
import { serveStatic } from './static.js';
/** Creates the request handler for the plain HTTP routes. */
export function createHttpHandler(deps) {
    return (request, response) => {
        handle(deps, request, response).catch((error) => {
            // The path only: a query string may carry a client token.
            const path = (request.url ?? '').split('?')[0];
            deps.logger.error({ err: error instanceof Error ? error.message : String(error), path }, 'http handler failed');
            if (!response.headersSent)
                sendJson(response, 500, { error: { status: 500, message: 'Internal error.' } });
            else
                response.destroy();
        });
    };
}
async function handle(deps, request, response) {
    // A target with no path (`*`, garbage) matches no route: the JSON 404 below.
    const path = parseRequestTarget(request.url)?.pathname ?? '';
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
            });
            return;
        }
        case '/ready': {
            const draining = deps.draining();
            sendJson(response, draining ? 503 : 200, { ready: !draining });
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
            if (await serveStatic(deps.publicDir, path, request, response))
                return;
            sendJson(response, 404, { error: { status: 404, message: `Nothing at ${echoClientText(path)}.` } });
    }
}
export function sendJson(response, status, body) {
    const text = JSON.stringify(body);
    response.writeHead(status, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(text),
        'Cache-Control': 'no-store',
    });
    response.end(text);
}
