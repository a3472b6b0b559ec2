import WebSocket from 'ws';
import { defaultSession } from './defaults.js';
import { RealtimeEngine } from './engine.js';
import * as errors from './errors.js';
import { newId } from './ids.js';
import { base64ByteLength, extractAppendAudio, loopbackDelta } from './loopback.js';
import { LoopbackReplies } from './loopback-replies.js';
/** Close code after a fatal handshake-level error (missing model, beta header). */
const POLICY_CLOSE = 1008;
/** How long a closing peer gets to answer the close frame before the socket is destroyed. */
const CLOSE_GRACE_MS = 1000;
/** "60 minutes", "2 seconds", "1500 milliseconds": the duration in the max-session close reason. */
export function describeDuration(ms) {
    const plural = (n, unit) => `${n} ${unit}${n === 1 ? '' : 's'}`;
    if (ms % 60_000 === 0)
        return plural(ms / 60_000, 'minute');
    if (ms % 1000 === 0)
        return plural(ms / 1000, 'second');
    return plural(ms, 'millisecond');
}
/** Codes a close frame may carry (RFC 6455 §7.4; the same rule as ws). */
export function isSendableCloseCode(code) {
    return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}
export class EmulatedSession {
    socket;
    options;
    record;
    engine;
    logger;
    timers = new Set();
    closing = false;
    loopbackIds = { response: newId('resp'), item: newId('item') };
    /** Loopback conversation mode's replies (undefined: plain loopback echoes, or no loopback). */
    replies;
    constructor(socket, options) {
        this.socket = socket;
        this.options = options;
        const id = newId('sess');
        this.record = { id, events: [], appendedBytes: 0, closed: false };
        this.logger = options.logger.child({ sessionId: id });
        const session = defaultSession(id, options.model ?? '', Date.now());
        this.engine = new RealtimeEngine(this.transport(), session, options.pacing, this.logger);
        if (options.loopback && options.loopbackReplyMs !== undefined) {
            this.replies = new LoopbackReplies({ replyMs: options.loopbackReplyMs, chunkMs: options.pacing.chunkMs, pace: options.pacing.audioPace }, { emit: (type, fields) => this.emit(type, fields), send: (text) => this.deliver(text), later: (fn, ms) => this.later(fn, ms) });
        }
    }
    /** Greets the client (or refuses it) and starts listening. */
    start() {
        this.socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
        this.socket.on('close', () => this.onClosed());
        this.socket.on('error', (error) => this.logger.debug({ err: error }, 'socket error'));
        if (this.options.beta)
            return this.fatal(errors.betaShapeDisabled());
        if (this.options.model === null)
            return this.fatal(errors.missingModel());
        this.logger.debug({ model: this.options.model }, 'session started');
        this.emit('session.created', { session: this.engine.session });
        const { maxSessionMs, closeAfterMs } = this.options;
        this.later(() => this.close(1001, `Your session hit the maximum duration of ${describeDuration(maxSessionMs)}.`), maxSessionMs);
        if (closeAfterMs)
            this.later(() => this.close(closeAfterMs.code, closeAfterMs.reason ?? ''), closeAfterMs.ms);
    }
    /** Closes with `code`; idempotent. Events already queued (see `eventLatencyMs`) go out first. */
    close(code, reason = '') {
        if (this.closing)
            return;
        this.closing = true;
        // The session is over from here on, even while the close handshake runs.
        this.record.closed = true;
        this.engine.abort();
        const closeNow = () => {
            // 1006 and the other codes a peer may not send simulate a dropped connection: no close frame.
            if (!isSendableCloseCode(code)) {
                this.socket.terminate();
                return;
            }
            if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
                this.socket.close(code, reason);
            }
            const grace = setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS);
            grace.unref();
            this.socket.once('close', () => clearTimeout(grace));
        };
        if (this.options.eventLatencyMs > 0)
            this.later(closeNow, this.options.eventLatencyMs, true);
        else
            closeNow();
    }
    fatal(error) {
        this.sendError(error, null);
        this.close(POLICY_CLOSE, error.code);
    }
    onMessage(data, isBinary) {
        if (this.closing)
            return;
        if (isBinary)
            return this.sendError(errors.binaryFrame(), null);
        const text = data.toString('utf8');
        if (this.options.loopback && !this.options.recordEvents) {
            const audio = extractAppendAudio(text);
            if (audio !== undefined)
                return this.echo(audio);
        }
        let event;
        try {
            event = JSON.parse(text);
        }
        catch {
            return this.sendError(errors.invalidJson(), null);
        }
        if (typeof event !== 'object' || event === null || Array.isArray(event))
            return this.sendError(errors.invalidJson(), null);
        const json = event;
        if (this.options.recordEvents)
            this.record.events.push(json);
        if (json.type === 'input_audio_buffer.append' && typeof json.audio === 'string') {
            this.record.appendedBytes += base64ByteLength(json.audio);
            if (this.options.loopback)
                return this.echo(json.audio, false);
        }
        if (this.replies !== undefined && this.onConversationEvent(this.replies, json))
            return;
        try {
            this.engine.handle(json);
        }
        catch (error) {
            // A bug here must not take the whole emulator (and every other session) down with it.
            this.logger.error({ err: error, eventType: json.type }, 'emulator failed to handle an event');
            this.sendError({ type: 'server_error', code: 'server_error', message: 'The emulator failed to handle this event.', param: null }, null);
        }
    }
    /** Loopback conversation mode: commits and response requests; false for events the engine handles as usual. */
    onConversationEvent(replies, json) {
        if (json.type === 'input_audio_buffer.commit') {
            replies.commit();
            return true;
        }
        if (json.type !== 'response.create')
            return false;
        const active = replies.activeResponse;
        if (active === undefined)
            replies.reply();
        else
            this.sendError(errors.alreadyHasActiveResponse(active), typeof json.event_id === 'string' ? json.event_id : null);
        return true;
    }
    /** Loopback: the appended base64 goes straight back as an audio delta (not in conversation mode: consumed). */
    echo(base64, count = true) {
        if (count)
            this.record.appendedBytes += base64ByteLength(base64);
        if (this.replies !== undefined)
            return;
        const { response, item } = this.loopbackIds;
        this.deliver(loopbackDelta(newId('event'), response, item, base64));
    }
    transport() {
        return {
            emit: (type, fields) => this.emit(type, fields),
            error: (error, clientEventId) => this.sendError(error, clientEventId),
            later: (fn, ms) => this.later(fn, ms),
            bufferedAmount: () => this.socket.bufferedAmount,
            onAudioDelta: (first, deltas) => {
                const fault = this.options.closeMidResponse;
                if (fault && first && deltas >= (fault.afterDeltas ?? 1))
                    this.close(fault.code, fault.reason ?? '');
            },
        };
    }
    emit(type, fields) {
        if (this.closing)
            return;
        this.deliver(JSON.stringify({ type, event_id: newId('event'), ...fields }));
    }
    sendError(error, clientEventId) {
        this.logger.debug({ code: error.code, param: error.param }, 'client error');
        const body = { type: error.type ?? 'invalid_request_error', code: error.code, message: error.message, param: error.param, event_id: clientEventId };
        this.deliver(JSON.stringify({ type: 'error', event_id: newId('event'), error: body }));
    }
    deliver(text) {
        if (this.options.eventLatencyMs > 0)
            this.later(() => this.sendNow(text), this.options.eventLatencyMs, true);
        else
            this.sendNow(text);
    }
    sendNow(text) {
        if (this.socket.readyState === WebSocket.OPEN)
            this.socket.send(text);
    }
    /** A timer released when the socket closes; `evenIfClosing` for deliveries queued before a close. */
    later(fn, ms, evenIfClosing = false) {
        const timer = setTimeout(() => {
            this.timers.delete(timer);
            if (evenIfClosing || !this.closing)
                fn();
        }, ms);
        this.timers.add(timer);
    }
    onClosed() {
        this.record.closed = true;
        this.closing = true;
        this.engine.abort();
        for (const timer of this.timers)
            clearTimeout(timer);
        this.timers.clear();
        this.logger.debug('session closed');
    }
}
