import { bytesPerMs, bytesPerSample } from './formats.js';
const HIGH_WATER_BYTES = 2 * 1024 * 1024;
const BACKOFF_MS = 10;
/** Word pieces as the service streams them: "I", " heard", " 1.2", … */
export function wordPieces(text) {
    return text.split(' ').map((word, i) => (i === 0 ? word : ` ${word}`));
}
export class ResponseRunner {
    plan;
    host;
    pacing;
    state = 'streaming';
    stopTimer = null;
    pieces;
    piecesSent = 0;
    deltas = 0;
    sentBytes = 0;
    previousItemId = null;
    entry;
    audioOut;
    constructor(plan, host, pacing) {
        this.plan = plan;
        this.host = host;
        this.pacing = pacing;
        this.pieces = wordPieces(plan.text);
        this.audioOut = plan.modalities.includes('audio');
        const wire = { id: plan.itemId, object: 'realtime.item', type: 'message', status: 'in_progress', role: 'assistant', content: [] };
        this.entry = { id: plan.itemId, role: 'assistant', wire, sentAudioMs: 0, hasAudio: this.audioOut };
    }
    get id() {
        return this.plan.id;
    }
    get active() {
        return this.state === 'streaming';
    }
    /** Sends the opening events synchronously, then streams. */
    start() {
        const { plan, host } = this;
        host.emit('response.created', { response: this.responseObject('in_progress', null, [], null) });
        host.emit('response.output_item.added', { response_id: plan.id, output_index: 0, item: this.entry.wire });
        if (plan.conversationId !== null) {
            this.previousItemId = host.addItem(this.entry);
            host.emit('conversation.item.added', { previous_item_id: this.previousItemId, item: this.entry.wire });
        }
        const part = this.audioOut ? { type: 'audio', transcript: '' } : { type: 'text', text: '' };
        host.emit('response.content_part.added', { ...this.where(), part });
        if (!this.audioOut) {
            this.schedule(() => this.streamText(), 0);
            return;
        }
        plan.audio.then((audio) => this.schedule(() => this.streamAudio(audio, Date.now(), 0), 0), () => this.finish('completed', null));
    }
    /** Stops streaming and closes the response with status `cancelled`; no-op once done. */
    cancel(reason) {
        this.finish('cancelled', reason);
    }
    /** Stops without sending anything more (the socket is closing). */
    abort() {
        this.state = 'done';
        this.stopTimer?.();
    }
    where() {
        return { response_id: this.plan.id, item_id: this.plan.itemId, output_index: 0, content_index: 0 };
    }
    schedule(step, delayMs) {
        if (this.state !== 'streaming')
            return;
        if (delayMs > 0) {
            const timer = setTimeout(step, delayMs);
            this.stopTimer = () => clearTimeout(timer);
        }
        else {
            const immediate = setImmediate(step);
            this.stopTimer = () => clearImmediate(immediate);
        }
    }
    intervalMs() {
        return this.pacing.chunkMs / this.pacing.audioPace;
    }
    streamAudio(audio, startedAt, chunk) {
        if (this.state !== 'streaming')
            return;
        if (this.host.bufferedAmount() > HIGH_WATER_BYTES) {
            this.schedule(() => this.streamAudio(audio, startedAt + BACKOFF_MS, chunk), BACKOFF_MS);
            return;
        }
        const format = this.plan.outputFormat;
        const sample = bytesPerSample(format);
        const chunkBytes = Math.max(sample, Math.round((this.pacing.chunkMs * bytesPerMs(format)) / sample) * sample);
        const chunks = Math.ceil(audio.length / chunkBytes);
        if (chunk >= chunks) {
            this.sendPieces(this.pieces.length);
            this.finish('completed', null);
            return;
        }
        this.sendPieces(Math.ceil(((chunk + 1) * this.pieces.length) / chunks));
        const bytes = audio.subarray(chunk * chunkBytes, (chunk + 1) * chunkBytes);
        this.host.emit('response.output_audio.delta', { ...this.where(), delta: bytes.toString('base64') });
        this.sentBytes += bytes.length;
        this.entry.sentAudioMs = this.sentBytes / bytesPerMs(format);
        this.host.onAudioDelta(this, ++this.deltas);
        const due = startedAt + (chunk + 1) * this.intervalMs();
        this.schedule(() => this.streamAudio(audio, startedAt, chunk + 1), due - Date.now());
    }
    streamText() {
        if (this.state !== 'streaming')
            return;
        if (this.piecesSent >= this.pieces.length) {
            this.finish('completed', null);
            return;
        }
        this.sendPieces(this.piecesSent + 1);
        this.schedule(() => this.streamText(), this.intervalMs());
    }
    /** Sends transcript (or text) pieces up to index `upTo`. */
    sendPieces(upTo) {
        const type = this.audioOut ? 'response.output_audio_transcript.delta' : 'response.output_text.delta';
        while (this.piecesSent < Math.min(upTo, this.pieces.length)) {
            this.host.emit(type, { ...this.where(), delta: this.pieces[this.piecesSent++] });
        }
    }
    finish(status, reason) {
        if (this.state !== 'streaming')
            return;
        this.state = 'done';
        this.stopTimer?.();
        const text = this.pieces.slice(0, this.piecesSent).join('');
        const { host } = this;
        let content;
        if (this.audioOut) {
            host.emit('response.output_audio.done', this.where());
            host.emit('response.output_audio_transcript.done', { ...this.where(), transcript: text });
            host.emit('response.content_part.done', { ...this.where(), part: { type: 'audio', transcript: text } });
            content = { type: 'output_audio', transcript: text };
        }
        else {
            host.emit('response.output_text.done', { ...this.where(), text });
            host.emit('response.content_part.done', { ...this.where(), part: { type: 'text', text } });
            content = { type: 'output_text', text };
        }
        const item = { ...this.entry.wire, status: status === 'completed' ? 'completed' : 'incomplete', content: [content] };
        this.entry.wire = item;
        host.emit('response.output_item.done', { response_id: this.plan.id, output_index: 0, item });
        if (this.plan.conversationId !== null)
            host.emit('conversation.item.done', { previous_item_id: this.previousItemId, item });
        const details = reason === null ? null : { type: 'cancelled', reason };
        host.emit('response.done', { response: this.responseObject(status, details, [item], this.usage(text)) });
        host.onFinished(this, status);
    }
    responseObject(status, statusDetails, output, usage) {
        const { plan } = this;
        return {
            object: 'realtime.response',
            id: plan.id,
            status,
            status_details: statusDetails,
            output,
            conversation_id: plan.conversationId,
            output_modalities: plan.modalities,
            max_output_tokens: plan.maxOutputTokens,
            audio: { output: { format: plan.outputFormat, voice: plan.voice } },
            usage,
            metadata: null,
        };
    }
    /** Simplified, deterministic counts: 4 characters a text token, 100 ms of input / 50 ms of output audio a token. */
    usage(text) {
        const input = this.plan.inputTokens;
        const outputText = Math.ceil(text.length / 4);
        const outputAudio = Math.ceil((this.entry.sentAudioMs ?? 0) / 50);
        const inputTokens = input.text + input.audio;
        const outputTokens = outputText + outputAudio;
        return {
            total_tokens: inputTokens + outputTokens,
            input_tokens: inputTokens,
            output_tokens: outputTokens,
            input_token_details: {
                text_tokens: input.text,
                audio_tokens: input.audio,
                image_tokens: 0,
                cached_tokens: 0,
                cached_tokens_details: { text_tokens: 0, audio_tokens: 0, image_tokens: 0 },
            },
            output_token_details: { text_tokens: outputText, audio_tokens: outputAudio },
        };
    }
}
