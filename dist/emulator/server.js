/**
 * The emulator's HTTP server: gates each upgrade on path, fault options and API key exactly as
 * documented (status, JSON body, socket destroyed), then hands the socket to an `EmulatedSession`.
 */
import { createServer, STATUS_CODES } from 'node:http';
import { pino } from 'pino';
import { WebSocketServer } from 'ws';
import { parseRequestTarget } from '../http/request-target.js';
import { EmulatedSession } from './session.js';
export const REALTIME_PATH = '/v1/realtime';
const DEFAULT_AUDIO_PACE = 4;
const DEFAULT_REPLY_CHUNK_MS = 40;
const DEFAULT_MAX_SESSION_MS = 60 * 60 * 1000;
/** One append may carry 15 MiB of audio: 20 MiB of base64 plus the JSON around it. */
const MAX_PAYLOAD_BYTES = 24 * 1024 * 1024;
const SHUTDOWN_GRACE_MS = 250;
const STATUS_ERRORS = {
    401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
    403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory', message: 'Forbidden.' },
    404: { type: 'invalid_request_error', code: null, message: 'Not found.' },
    429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached. Please try again later.' },
    500: { type: 'server_error', code: null, message: 'The server had an error while processing your request.' },
};
function errorBody(status) {
    const known = STATUS_ERRORS[status] ?? { type: 'server_error', code: null, message: `HTTP ${status}` };
    return JSON.stringify({ error: { ...known, param: null } });
}
/** Answers a refused upgrade on the raw socket and destroys it (ws's `abortHandshake`). */
function refuse(socket, status) {
    const body = errorBody(status);
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Refused'}\r\n` +
        'Connection: close\r\nContent-Type: application/json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    socket.destroy();
}
function authorized(request, apiKey) {
    if (request.headers.authorization === `Bearer ${apiKey}`)
        return true;
    if (request.headers['api-key'] === apiKey)
        return true;
    // Browsers cannot set headers: the service also takes the key as a subprotocol.
    const protocols = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    return protocols.includes(`openai-insecure-api-key.${apiKey}`);
}
/** Starts an emulator listening on `host:port`. */
export async function createEmulator(options = {}) {
    const logger = options.logger ?? pino({ level: 'silent' });
    const host = options.host ?? '127.0.0.1';
    const sessions = [];
    const live = new Set();
    const wss = new WebSocketServer({
        noServer: true,
        perMessageDeflate: false,
        maxPayload: MAX_PAYLOAD_BYTES,
        handleProtocols: (protocols) => (protocols.has('realtime') ? 'realtime' : false),
    });
    const server = createServer((request, response) => {
        const status = parseRequestTarget(request.url)?.pathname === REALTIME_PATH ? 426 : 404;
        response.writeHead(status, { 'content-type': 'application/json' }).end(errorBody(status));
    });
    const onUpgrade = (request, socket, head) => {
        const target = parseRequestTarget(request.url);
        if (target?.pathname !== REALTIME_PATH)
            return refuse(socket, 404);
        if (options.refuseHandshakeStatus !== undefined)
            return refuse(socket, options.refuseHandshakeStatus);
        if (options.apiKey !== undefined && !authorized(request, options.apiKey))
            return refuse(socket, 401);
        wss.handleUpgrade(request, socket, head, (ws) => {
            const session = new EmulatedSession(ws, {
                model: target.searchParams.get('model') || null,
                beta: request.headers['openai-beta'] !== undefined,
                loopback: options.loopback ?? false,
                ...(options.loopbackReplyMs !== undefined ? { loopbackReplyMs: options.loopbackReplyMs } : {}),
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
    server.on('upgrade', (request, socket, head) => {
        socket.on('error', () => socket.destroy());
        try {
            onUpgrade(request, socket, head);
        }
        catch (error) {
            logger.error({ err: error }, 'emulator upgrade failed');
            socket.destroy();
        }
    });
    await new Promise((resolve, reject) => {
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
    let closed = null;
    const close = () => {
        closed ??= shutdown(server, wss, live);
        return closed;
    };
    return { url, port, sessions, close };
}
async function shutdown(server, wss, live) {
    const closing = server.listening ? new Promise((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const session of live)
        session.close(1001, 'Emulator shutting down');
    const deadline = Date.now() + SHUTDOWN_GRACE_MS;
    while (wss.clients.size > 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 10));
    for (const client of wss.clients)
        client.terminate();
    wss.close();
    server.closeAllConnections();
    await closing;
}
