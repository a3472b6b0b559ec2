import { Conversation } from './conversation.js';
import { parseItem } from './items.js';
import * as errors from './errors.js';
import { bytesPerMs } from './formats.js';
import { newId } from './ids.js';
import { InputAudio } from './input-audio.js';
import { parseOverrides, planResponse, transcriptText } from './reply.js';
import { ResponseRunner, wordPieces } from './responses.js';
import { applySessionUpdate } from './validate-session.js';
/** Client event types the emulator understands (the real service's GA list, WebRTC-only ones aside). */
export const CLIENT_EVENT_TYPES = [
    'session.update',
    'input_audio_buffer.append',
    'input_audio_buffer.commit',
    'input_audio_buffer.clear',
    'conversation.item.create',
    'conversation.item.retrieve',
    'conversation.item.truncate',
    'conversation.item.delete',
    'response.create',
    'response.cancel',
];
function isClientEventType(type) {
    return CLIENT_EVENT_TYPES.includes(type);
}
/** Delay between a commit and its (simulated) input transcription. */
const TRANSCRIPTION_DELAY_MS = 20;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
export class RealtimeEngine {
    transport;
    pacing;
    logger;
    config;
    input;
    conversation = new Conversation();
    conversationId = newId('conv');
    response = null;
    firstResponseId = null;
    audioOutputStarted = false;
    /** The item id announced by `speech_started`, used again by `speech_stopped` and `committed`. */
    speech = null;
    handlers;
    constructor(transport, session, pacing, logger) {
        this.transport = transport;
        this.pacing = pacing;
        this.logger = logger;
        this.config = session;
        this.input = new InputAudio(session.audio.input.format, session.audio.input.turn_detection);
        this.handlers = {
            'session.update': (e, id) => this.updateSession(e, id),
            'input_audio_buffer.append': (e, id) => this.appendEvent(e, id),
            'input_audio_buffer.commit': (_e, id) => this.commit(id),
            'input_audio_buffer.clear': () => this.clear(),
            'conversation.item.create': (e, id) => this.createItem(e, id),
            'conversation.item.retrieve': (e, id) => this.retrieveItem(e, id),
            'conversation.item.truncate': (e, id) => this.truncateItem(e, id),
            'conversation.item.delete': (e, id) => this.deleteItem(e, id),
            'response.create': (e, id) => this.createResponse(e, id),
            'response.cancel': (e, id) => this.cancelResponse(e, id),
        };
    }
    get session() {
        return this.config;
    }
    /** Handles one parsed client event. */
    handle(event) {
        const eventId = typeof event.event_id === 'string' ? event.event_id : null;
        const type = event.type;
        if (typeof type !== 'string' || !isClientEventType(type)) {
            const error = type === undefined ? errors.missingParameter('type') : errors.unknownEventType(type, CLIENT_EVENT_TYPES);
            this.transport.error(error, eventId);
            return;
        }
        this.handlers[type](event, eventId);
    }
    /** Stops any response without further events (the connection is going away). */
    abort() {
        this.response?.abort();
        this.response = null;
    }
    updateSession(event, eventId) {
        const result = applySessionUpdate(this.config, event.session, this.audioOutputStarted);
        if (!result.ok) {
            this.transport.error(result.error, eventId);
            return;
        }
        this.config = result.session;
        const { format, turn_detection: turnDetection } = this.config.audio.input;
        // Only a change of format or VAD settings restarts detection; other updates leave a turn in progress alone.
        if (this.input.configure(format, turnDetection))
            this.speech = null;
        this.transport.emit('session.updated', { session: this.config });
    }
    appendEvent(event, eventId) {
        const audio = event.audio;
        if (audio === undefined)
            return this.transport.error(errors.missingParameter('audio'), eventId);
        if (typeof audio !== 'string')
            return this.transport.error(errors.invalidType('audio', 'a string', audio), eventId);
        if (audio.length % 4 !== 0 || !BASE64.test(audio))
            return this.transport.error(errors.invalidBase64(), eventId);
        this.append(Buffer.from(audio, 'base64'));
    }
    /** Appends decoded input audio and acts on what the VAD hears in it. */
    append(bytes) {
        for (const event of this.input.append(bytes)) {
            if (event.type === 'speech_started')
                this.speechStarted(event.audioStartMs);
            else
                this.speechStopped(event.audioEndMs);
        }
    }
    speechStarted(startMs) {
        // Whole ms on the wire, and the committed audio starts exactly there.
        const audioStartMs = Math.round(startMs);
        this.speech = { itemId: newId('item'), audioStartMs };
        this.transport.emit('input_audio_buffer.speech_started', { audio_start_ms: audioStartMs, item_id: this.speech.itemId });
        const vad = this.config.audio.input.turn_detection;
        if (vad?.interrupt_response && this.response?.active)
            this.response.cancel('turn_detected');
    }
    speechStopped(audioEndMs) {
        const speech = this.speech ?? { itemId: newId('item'), audioStartMs: 0 };
        this.speech = null;
        const endMs = Math.round(audioEndMs);
        this.transport.emit('input_audio_buffer.speech_stopped', { audio_end_ms: endMs, item_id: speech.itemId });
        this.commitAudio(speech.itemId, this.input.takeRange(speech.audioStartMs, endMs));
        if (!this.config.audio.input.turn_detection?.create_response)
            return;
        if (this.response?.active) {
            this.logger.debug({ responseId: this.response.id }, 'turn ended during a response; no new response');
            return;
        }
        this.startResponse(this.config, { outOfBand: false });
    }
    commit(eventId) {
        const bufferedMs = this.input.bufferedMs;
        if (bufferedMs < 100)
            return this.transport.error(errors.commitTooSmall(bufferedMs), eventId);
        const itemId = this.speech?.itemId ?? newId('item');
        this.speech = null;
        this.commitAudio(itemId, this.input.takeAll());
    }
    clear() {
        this.input.clear();
        this.speech = null;
        this.transport.emit('input_audio_buffer.cleared', {});
    }
    /** `committed` → user item `added` → `done`, then the simulated transcription when enabled. */
    commitAudio(itemId, audio) {
        const format = this.config.audio.input.format;
        const audioMs = audio.length / bytesPerMs(format);
        const wire = {
            id: itemId,
            object: 'realtime.item',
            type: 'message',
            status: 'completed',
            role: 'user',
            content: [{ type: 'input_audio', transcript: null }],
        };
        const previous = this.conversation.add({ id: itemId, role: 'user', wire, audio, audioFormat: format, audioMs });
        this.transport.emit('input_audio_buffer.committed', { previous_item_id: previous, item_id: itemId });
        this.transport.emit('conversation.item.added', { previous_item_id: previous, item: wire });
        this.transport.emit('conversation.item.done', { previous_item_id: previous, item: wire });
        if (this.config.audio.input.transcription !== null) {
            this.transport.later(() => this.transcribe(itemId, audioMs), TRANSCRIPTION_DELAY_MS);
        }
    }
    transcribe(itemId, audioMs) {
        const transcript = transcriptText(audioMs);
        for (const delta of wordPieces(transcript)) {
            this.transport.emit('conversation.item.input_audio_transcription.delta', { item_id: itemId, content_index: 0, delta });
        }
        const audioTokens = Math.ceil(audioMs / 100);
        const outputTokens = Math.ceil(transcript.length / 4);
        this.transport.emit('conversation.item.input_audio_transcription.completed', {
            item_id: itemId,
            content_index: 0,
            transcript,
            usage: {
                type: 'tokens',
                total_tokens: audioTokens + outputTokens,
                input_tokens: audioTokens,
                input_token_details: { text_tokens: 0, audio_tokens: audioTokens },
                output_tokens: outputTokens,
            },
        });
    }
    createItem(event, eventId) {
        const parsed = parseItem(event.item, (id) => this.conversation.has(id));
        if ('error' in parsed)
            return this.transport.error(parsed.error, eventId);
        const previous = this.conversation.add(parsed.entry);
        this.transport.emit('conversation.item.added', { previous_item_id: previous, item: parsed.entry.wire });
        this.transport.emit('conversation.item.done', { previous_item_id: previous, item: parsed.entry.wire });
    }
    retrieveItem(event, eventId) {
        const entry = typeof event.item_id === 'string' ? this.conversation.get(event.item_id) : undefined;
        if (entry === undefined)
            return this.transport.error(errors.itemNotFound(String(event.item_id)), eventId);
        this.transport.emit('conversation.item.retrieved', { item: entry.wire });
    }
    truncateItem(event, eventId) {
        const { item_id: itemId, content_index: contentIndex, audio_end_ms: audioEndMs } = event;
        if (typeof itemId !== 'string')
            return this.transport.error(errors.missingParameter('item_id'), eventId);
        if (typeof audioEndMs !== 'number' || !Number.isInteger(audioEndMs) || audioEndMs < 0) {
            return this.transport.error(errors.invalidType('audio_end_ms', 'a non-negative integer', audioEndMs), eventId);
        }
        const entry = this.conversation.get(itemId);
        if (entry === undefined)
            return this.transport.error(errors.itemNotFound(itemId), eventId);
        if (entry.role !== 'assistant' || !entry.hasAudio)
            return this.transport.error(errors.truncateNotAudio(), eventId);
        const sentMs = entry.sentAudioMs ?? 0;
        if (audioEndMs > sentMs)
            return this.transport.error(errors.truncateTooLong(sentMs, audioEndMs), eventId);
        entry.sentAudioMs = audioEndMs;
        this.transport.emit('conversation.item.truncated', {
            item_id: itemId,
            content_index: typeof contentIndex === 'number' ? contentIndex : 0,
            audio_end_ms: audioEndMs,
        });
    }
    deleteItem(event, eventId) {
        const itemId = event.item_id;
        if (typeof itemId !== 'string')
            return this.transport.error(errors.missingParameter('item_id'), eventId);
        if (!this.conversation.delete(itemId))
            return this.transport.error(errors.deleteUnknownItem(itemId), eventId);
        this.transport.emit('conversation.item.deleted', { item_id: itemId });
    }
    createResponse(event, eventId) {
        if (this.response?.active)
            return this.transport.error(errors.alreadyHasActiveResponse(this.response.id), eventId);
        const parsed = parseOverrides(event.response);
        if (!parsed.ok)
            return this.transport.error(parsed.error, eventId);
        this.startResponse(this.config, parsed.overrides);
    }
    cancelResponse(event, eventId) {
        const wanted = typeof event.response_id === 'string' ? event.response_id : undefined;
        if (!this.response?.active || (wanted !== undefined && wanted !== this.response.id)) {
            return this.transport.error(errors.cancelNotActive(), eventId);
        }
        this.response.cancel('client_cancelled');
    }
    startResponse(config, overrides) {
        const plan = planResponse(config, this.conversation, overrides, this.conversationId);
        this.firstResponseId ??= plan.id;
        const runner = new ResponseRunner(plan, this.responseHost(), this.pacing);
        this.response = runner;
        runner.start();
    }
    responseHost() {
        return {
            emit: (type, fields) => this.transport.emit(type, fields),
            addItem: (entry) => this.conversation.add(entry),
            onAudioDelta: (runner, deltas) => {
                this.audioOutputStarted = true;
                this.transport.onAudioDelta(runner.id === this.firstResponseId, deltas);
            },
            onFinished: (runner, _status) => {
                if (this.response === runner)
                    this.response = null;
            },
            bufferedAmount: () => this.transport.bufferedAmount(),
        };
    }
}
