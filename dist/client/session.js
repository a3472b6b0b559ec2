/**
 * One client conversation with the proxy, as a frontend would hold it: connect, wait for `AIConnected`, stream
 * PCM16 in real time in fixed frames (then silence, so the server's VAD ends the turn), optionally send a text
 * message, wait for the responses to end, and close with 1000. Used by the CLI and by tests.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { samplesToPcm16 } from './wav.js';
const DEFAULT_INPUT_RATE = 16000;
/** Runs one conversation; never throws for network or protocol failures (they end up in `failure`). */
export async function runClientSession(options) {
    const inputRate = options.audio?.rate ?? DEFAULT_INPUT_RATE;
    const outputRate = options.outputRate ?? inputRate;
    const url = new URL(options.url);
    url.searchParams.set('inputRate', String(inputRate));
    url.searchParams.set('outputRate', String(outputRate));
    const conversation = new Conversation(url, options);
    let failure;
    try {
        await conversation.opened(options.connectTimeoutMs ?? 10_000);
        await conversation.waitFor('AIConnected', (m) => isEvent(m, 'AIConnected'), options.connectTimeoutMs ?? 10_000);
        const responseTimeoutMs = options.responseTimeoutMs ?? 30_000;
        if (options.audio) {
            const endsBefore = conversation.responseEnds;
            await conversation.streamAudio(options.audio.samples, inputRate);
            await conversation.waitForResponses(endsBefore, responseTimeoutMs);
        }
        if (options.text !== undefined) {
            const endsBefore = conversation.responseEnds;
            conversation.send({ type: 'text', text: options.text });
            await conversation.waitForResponses(endsBefore, responseTimeoutMs);
        }
    }
    catch (error) {
        failure = error instanceof Error ? error.message : String(error);
    }
    const close = await conversation.close();
    if (failure === undefined && conversation.errors.length > 0) {
        failure = `the proxy reported ${conversation.errors.map(describeError).join('; ')}`;
    }
    if (failure === undefined && close.code !== 1000)
        failure = `the connection closed with ${close.code}${close.reason ? ` (${close.reason})` : ''}`;
    return {
        ok: failure === undefined,
        ...(failure === undefined ? {} : { failure }),
        ...(close.code === undefined ? {} : { closeCode: close.code }),
        closeReason: close.reason,
        messages: conversation.messages,
        errors: conversation.errors,
        responses: conversation.responseEnds,
        replyAudio: Buffer.concat(conversation.audioChunks),
        inputRate,
        outputRate,
    };
}
/** Whether `message` is the proxy event `name`. */
export function isEvent(message, name) {
    return message.type === 'event' && message.name === name;
}
/** `code: message` of an `error` event. */
export function describeError(message) {
    const code = typeof message.code === 'string' ? message.code : 'error';
    return typeof message.message === 'string' ? `${code}: ${message.message}` : code;
}
/** The socket plus what has been received on it, with waits that fail fast when the socket closes. */
class Conversation {
    options;
    messages = [];
    errors = [];
    audioChunks = [];
    responseEnds = 0;
    activeResponses = new Set();
    userSpeaking = false;
    closeInfo;
    everOpened = false;
    connectFailure;
    socket;
    startedAt = performance.now();
    wake = () => undefined;
    constructor(url, options) {
        this.options = options;
        const headers = options.token ? { authorization: `Bearer ${options.token}` } : {};
        this.socket = new WebSocket(url, { headers, perMessageDeflate: false });
        this.socket.on('open', () => {
            this.everOpened = true;
        });
        this.socket.on('message', (data, isBinary) => {
            if (isBinary)
                this.onAudio(data);
            else
                this.onText(data);
            this.notify();
        });
        this.socket.on('unexpected-response', (_request, response) => {
            this.connectFailure = `the proxy refused the connection: HTTP ${response.statusCode ?? 0}`;
            response.resume();
            this.notify();
        });
        this.socket.on('error', (error) => {
            this.connectFailure ??= `connection failed: ${error.message}`;
            this.notify();
        });
        this.socket.on('close', (code, reason) => {
            this.closeInfo = { code, reason: reason.toString('utf8') };
            this.notify();
        });
    }
    get elapsedMs() {
        return performance.now() - this.startedAt;
    }
    opened(timeoutMs) {
        return this.until('the connection to open', () => this.socket.readyState === WebSocket.OPEN, timeoutMs);
    }
    waitFor(what, predicate, timeoutMs) {
        return this.until(what, () => this.messages.some(predicate), timeoutMs);
    }
    /** Waits until a response ended after `endsBefore` and no response or user turn is still in progress. */
    waitForResponses(endsBefore, timeoutMs) {
        return this.until('AIResponseEnd', () => this.responseEnds > endsBefore && this.activeResponses.size === 0 && !this.userSpeaking, timeoutMs);
    }
    send(message) {
        if (this.socket.readyState === WebSocket.OPEN)
            this.socket.send(JSON.stringify(message));
    }
    /** Sends `samples` then trailing silence in frames of `frameMs`, paced by the clock (no drift). */
    async streamAudio(samples, rate) {
        const frameMs = this.options.frameMs ?? 20;
        const frameSamples = Math.max(1, Math.round((rate * frameMs) / 1000));
        const pcm = samplesToPcm16(samples);
        const silence = Buffer.alloc(frameSamples * 2);
        const silenceSamples = Math.round((rate * (this.options.trailingSilenceMs ?? 1000)) / 1000);
        const totalSamples = samples.length + silenceSamples;
        const totalMs = (totalSamples * 1000) / rate;
        const msPerFrame = (frameSamples * 1000) / rate;
        const start = performance.now();
        for (let frame = 0, sent = 0; sent < totalSamples; frame++) {
            this.throwIfClosed('streaming audio');
            const delay = start + frame * msPerFrame - performance.now();
            if (delay > 0)
                await sleep(delay, undefined, { signal: this.options.signal });
            const count = Math.min(frameSamples, totalSamples - sent);
            const speech = Math.max(0, Math.min(count, samples.length - sent));
            const chunk = speech === count
                ? pcm.subarray(sent * 2, (sent + count) * 2)
                : Buffer.concat([pcm.subarray(sent * 2, (sent + speech) * 2), silence.subarray(0, (count - speech) * 2)]);
            this.socket.send(chunk, { binary: true });
            sent += count;
            this.options.onProgress?.((sent * 1000) / rate, totalMs);
        }
    }
    /** Closes with 1000 (if still open) and resolves with how the socket closed. */
    async close() {
        if (this.socket.readyState === WebSocket.OPEN)
            this.socket.close(1000, 'done');
        if (this.socket.readyState === WebSocket.CONNECTING)
            this.socket.terminate();
        try {
            await this.until('the close handshake', () => this.closeInfo !== undefined || this.connectFailure !== undefined, 3000, false);
        }
        catch {
            this.socket.terminate();
        }
        return this.everOpened && this.closeInfo ? this.closeInfo : { code: undefined, reason: '' };
    }
    onText(data) {
        let message;
        try {
            const parsed = JSON.parse(data.toString('utf8'));
            if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
                throw new Error('not an object');
            message = parsed;
        }
        catch {
            message = { type: 'client.unparsable', text: data.toString('utf8').slice(0, 200) };
        }
        this.messages.push(message);
        if (message.type === 'error')
            this.errors.push(message);
        if (isEvent(message, 'AIResponseStart'))
            this.activeResponses.add(message.responseId);
        if (isEvent(message, 'AIResponseEnd')) {
            this.activeResponses.delete(message.responseId);
            this.responseEnds++;
        }
        if (isEvent(message, 'AISpeechDetected'))
            this.userSpeaking = true;
        if (isEvent(message, 'AISpeechEnded'))
            this.userSpeaking = false;
        this.options.onMessage?.(message, this.elapsedMs);
    }
    onAudio(data) {
        this.audioChunks.push(data);
        this.options.onAudio?.(data.length, this.elapsedMs);
    }
    throwIfClosed(doing) {
        if (this.connectFailure !== undefined)
            throw new Error(this.connectFailure);
        if (this.closeInfo) {
            const fatal = this.errors.find((e) => e.fatal === true);
            const why = fatal ? ` after ${describeError(fatal)}` : '';
            throw new Error(`the proxy closed the connection with ${this.closeInfo.code ?? '?'} while ${doing}${why}`);
        }
        this.options.signal?.throwIfAborted();
    }
    /** Resolves once `probe()` holds; rejects on timeout, or (when `failOnClose`) when the socket is gone. */
    async until(what, probe, timeoutMs, failOnClose = true) {
        const deadline = performance.now() + timeoutMs;
        for (;;) {
            if (probe())
                return;
            if (failOnClose)
                this.throwIfClosed(`waiting for ${what}`);
            const remaining = deadline - performance.now();
            if (remaining <= 0)
                throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
            await new Promise((resolve) => {
                const timer = setTimeout(resolve, Math.min(remaining, 250));
                this.wake = () => {
                    clearTimeout(timer);
                    resolve();
                };
            });
        }
    }
    notify() {
        const wake = this.wake;
        this.wake = () => undefined;
        wake();
    }
}
