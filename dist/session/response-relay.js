import { createOutboundConverter, upstreamBytesPerMs } from '../audio/converter.js';
import { str } from '../upstream/events.js';
import { deliveredMs, heardMs, isAudible, itemRepair, newResponse } from './response-tracker.js';
export class ResponseRelay {
    deps;
    response;
    activeUpstream = false;
    produced = false;
    /** When the user's latest turn ended (monotonic ms), until a response takes it for its first-audio latency. */
    turnEndedAt;
    upstreamBytesPerMs;
    constructor(deps) {
        this.deps = deps;
        this.upstreamBytesPerMs = upstreamBytesPerMs(deps.upstreamOutput);
    }
    /** A response is being generated upstream (between `response.created` and `response.done`). */
    get isActiveUpstream() {
        return this.activeUpstream;
    }
    /** Some response audio has been produced (the upstream then refuses a voice change). */
    get audioProduced() {
        return this.produced;
    }
    /** The user's turn ended now (speech stopped, commit, or a text message). */
    markTurnEnded() {
        this.turnEndedAt = performance.now();
    }
    /** The client's `playback` report; ignored after an interruption (the heard position is then fixed). */
    reportPlayback(responseId, playedMs) {
        const response = this.response;
        if (response?.id === responseId && !response.interrupted)
            response.reportedPlayedMs = playedMs;
    }
    onCreated(responseId) {
        if (responseId !== undefined)
            this.start(responseId);
    }
    onOutputItem(responseId, itemId) {
        const response = this.response;
        if (response && response.id === responseId && response.itemId === undefined)
            response.itemId = itemId;
    }
    onAudioDelta(event) {
        // A delta for a response we have not seen start (some servers omit response.created): track it now.
        const response = this.response?.id === event.response_id ? this.response : this.start(event.response_id);
        if (response.interrupted) {
            this.deps.metrics.audioDroppedBytes.inc({ reason: 'interrupted' }, Buffer.byteLength(event.delta, 'base64'));
            return;
        }
        const audio = Buffer.from(event.delta, 'base64');
        response.itemId ??= event.item_id;
        response.contentIndex = typeof event.content_index === 'number' ? event.content_index : 0;
        this.produced = true;
        this.deps.recorder?.responseAudio(response.id, audio);
        this.deliver(response, audio.length, response.converter.push(audio));
    }
    onTextDelta(responseId, delta) {
        const response = this.response;
        if (delta === undefined || response === undefined || response.id !== responseId || response.interrupted)
            return;
        response.text += delta;
        this.deps.out.sendJson({ type: 'textDelta', responseId: response.id, text: delta });
    }
    onDone(done) {
        this.activeUpstream = false;
        const response = this.response;
        if (response === undefined || response.id !== str(done, 'id'))
            return;
        response.doneUpstream = true;
        if (!response.interrupted)
            this.deliver(response, 0, response.converter.flush());
        // An interrupted response ended for the user when it was interrupted, whatever the upstream managed to finish.
        const status = response.interrupted ? 'cancelled' : (str(done, 'status') ?? 'completed');
        this.deps.metrics.responsesTotal.inc({ status });
        this.deps.recorder?.responseEnded(response.id, {
            status,
            finalText: response.text,
            interrupted: response.interrupted,
            ...(response.interrupted ? { interruptedAtMs: response.reportedPlayedMs } : {}),
        });
        this.deps.out.sendJson({ type: 'event', name: 'AIResponseEnd', responseId: response.id, status, finalText: response.text });
    }
    /** Barge-in by the user's speech or the client's `cancel`; does nothing when no response is audible. */
    interrupt(trigger, clientPlayedMs) {
        const response = this.response;
        const now = performance.now();
        if (response === undefined || !isAudible(response, this.upstreamBytesPerMs, now))
            return;
        const heard = heardMs(response, this.upstreamBytesPerMs, now, clientPlayedMs);
        response.interrupted = true;
        response.reportedPlayedMs = heard;
        this.deps.metrics.interruptionsTotal.inc();
        this.deps.out.sendJson({ type: 'event', name: 'AIInterrupted', responseId: response.id, playedMs: heard });
        const upstreamCancelsItself = trigger === 'speech' && this.deps.upstreamInterruptsOnSpeech();
        if (!response.doneUpstream && !upstreamCancelsItself)
            this.deps.sendUpstream({ type: 'response.cancel' });
        const repair = itemRepair(response, heard);
        if (repair.kind === 'truncate') {
            this.deps.sendUpstream({
                type: 'conversation.item.truncate',
                item_id: repair.itemId,
                content_index: repair.contentIndex,
                audio_end_ms: repair.audioEndMs,
            });
        }
        else if (repair.kind === 'delete') {
            this.deps.sendUpstream({ type: 'conversation.item.delete', item_id: repair.itemId });
        }
        const delivered = deliveredMs(response, this.upstreamBytesPerMs);
        this.deps.log.debug({ responseId: response.id, heard, delivered, trigger }, 'response interrupted');
    }
    /**
     * The session is ending: a response still running is over for the user, count it. (Its recording is completed by
     * `recorder.close()`, which marks it ended by the session.)
     */
    abandon() {
        const response = this.response;
        if (response === undefined || response.doneUpstream)
            return;
        response.doneUpstream = true;
        this.deps.metrics.responsesTotal.inc({ status: response.interrupted ? 'cancelled' : 'incomplete' });
    }
    start(responseId) {
        const converter = createOutboundConverter(this.deps.upstreamOutput, this.deps.clientOutput);
        const response = newResponse(responseId, converter, this.turnEndedAt);
        this.turnEndedAt = undefined;
        this.response = response;
        this.activeUpstream = true;
        this.deps.recorder?.responseStarted(responseId);
        this.deps.out.sendJson({ type: 'event', name: 'AIResponseStart', responseId });
        return response;
    }
    /**
     * Sends converted response audio; `upstreamBytes` of the upstream's audio count as delivered once their converted
     * form has gone to the client (or is held in the converter). Dropped audio (slow client) is not delivered.
     */
    deliver(response, upstreamBytes, clientAudio) {
        if (clientAudio.length === 0) {
            response.deliveredBytes += upstreamBytes;
            return;
        }
        if (!this.deps.out.sendAudio(clientAudio))
            return;
        const now = performance.now();
        if (response.firstAudioAt === undefined) {
            response.firstAudioAt = now;
            if (response.turnEndedAt !== undefined)
                this.deps.metrics.firstAudioSeconds.observe((now - response.turnEndedAt) / 1000);
        }
        else if (response.lastAudioAt !== undefined) {
            this.deps.metrics.audioGapSeconds.observe((now - response.lastAudioAt) / 1000);
        }
        response.lastAudioAt = now;
        response.deliveredBytes += upstreamBytes;
    }
}
