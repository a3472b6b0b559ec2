/**
 * One WebSocket to the realtime upstream (OpenAI, Azure, or the local emulator: the same wire protocol).
 * Connect failures are classified so the bridge can tell the client why.
 */
import WebSocket from 'ws';
import { parseServerEvent } from './events.js';
import { createUpstreamScrubber } from './redact.js';
/** Largest upstream frame accepted (an append may carry 15 MiB; deltas are far smaller). */
const MAX_UPSTREAM_FRAME_BYTES = 32 * 1024 * 1024;
/** The upstream URL for a model: `<url>?model=<model>`. */
export function upstreamUrl(config) {
    const url = new URL(config.url);
    url.searchParams.set('model', config.model);
    return url.toString();
}
export class UpstreamConnection {
    handlers;
    socket;
    opened = false;
    finished = false;
    scrubber;
    constructor(config, timeoutMs, handlers) {
        this.handlers = handlers;
        this.scrubber = createUpstreamScrubber(config.headers);
        this.socket = new WebSocket(upstreamUrl(config), {
            headers: { ...config.headers },
            perMessageDeflate: false,
            // The upstream is a trusted peer whose text is only searched and JSON-parsed: skip ws's per-frame UTF-8 check.
            skipUTF8Validation: true,
            handshakeTimeout: timeoutMs,
            maxPayload: MAX_UPSTREAM_FRAME_BYTES,
        });
        this.socket.on('open', () => {
            this.opened = true;
            this.handlers.onOpen();
        });
        this.socket.on('message', (data, isBinary) => {
            if (isBinary) {
                this.handlers.onMalformed('binary frame');
                return;
            }
            const parsed = parseServerEvent(data.toString('utf8'));
            if (parsed.ok)
                this.handlers.onEvent(this.scrubber.event(parsed.event));
            else
                this.handlers.onMalformed(parsed.reason);
        });
        this.socket.on('unexpected-response', (_request, response) => {
            const status = response.statusCode ?? 0;
            response.resume();
            this.fail(classifyStatus(status));
            this.socket.terminate();
        });
        this.socket.on('error', (error) => {
            if (!this.opened)
                this.fail({ kind: 'unavailable', message: describeSocketError(error) });
        });
        this.socket.on('close', (code, reason) => {
            if (!this.opened) {
                this.fail({ kind: 'unavailable', message: `closed during the handshake (${code})` });
                return;
            }
            if (this.finished)
                return;
            this.finished = true;
            this.handlers.onClose(code, this.scrubber.text(reason.toString('utf8')));
        });
    }
    get isOpen() {
        return this.socket.readyState === WebSocket.OPEN;
    }
    /** Bytes queued in the socket and not yet written to the network. */
    get bufferedAmount() {
        return this.socket.bufferedAmount;
    }
    /** Sends one client event (JSON). */
    send(event) {
        if (this.isOpen)
            this.socket.send(JSON.stringify(event));
    }
    /** Sends `input_audio_buffer.append`, built as a string: no intermediate object on the hot path. */
    appendAudio(audio) {
        if (this.isOpen)
            this.socket.send(`{"type":"input_audio_buffer.append","audio":"${audio.toString('base64')}"}`);
    }
    /** Closes the socket (idempotent); no further handler is called. */
    close(code = 1000, reason = '') {
        this.finished = true;
        if (this.socket.readyState === WebSocket.OPEN)
            this.socket.close(code, reason);
        else if (this.socket.readyState === WebSocket.CONNECTING)
            this.socket.terminate();
    }
    /** Drops the connection without a close handshake (for a peer that stopped answering). */
    terminate() {
        this.finished = true;
        this.socket.terminate();
    }
    /** Sends a ping; `onPong` runs when it is answered. */
    ping() {
        if (this.isOpen)
            this.socket.ping();
    }
    onPong(listener) {
        this.socket.on('pong', listener);
    }
    fail(failure) {
        if (this.finished)
            return;
        this.finished = true;
        this.handlers.onFailure(failure);
    }
}
function classifyStatus(status) {
    if (status === 401 || status === 403)
        return { kind: 'auth', status, message: `upstream refused the credentials (HTTP ${status})` };
    if (status === 429)
        return { kind: 'overloaded', status, message: 'upstream is rate limiting (HTTP 429)' };
    return { kind: 'unavailable', status, message: `upstream handshake failed (HTTP ${status})` };
}
function describeSocketError(error) {
    if (error.message.includes('handshake has timed out'))
        return 'upstream handshake timed out';
    return error.code ? `upstream connection failed (${error.code})` : 'upstream connection failed';
}
