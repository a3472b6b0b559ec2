import { newId } from './ids.js';
import { loopbackDelta } from './loopback.js';
/** Roughly one word per 400 ms of speech (2.5 words a second): one transcript piece per 10 deltas of 40 ms. */
const TRANSCRIPT_EVERY = 10;
const MARKER_MAGIC = 0xa5;
const MARKER_BYTES = 6;
const SAMPLE_RATE = 24000;
/** Base64 of a delta's audio after its marker (the marker is 6 bytes: a whole number of base64 quanta). */
function toneTail(chunkMs) {
    const samples = Math.round((SAMPLE_RATE * chunkMs) / 1000);
    const audio = Buffer.alloc(samples * 2);
    for (let i = 0; i < samples; i++)
        audio.writeInt16LE(Math.round(300 * Math.sin((2 * Math.PI * 440 * i) / SAMPLE_RATE)), i * 2);
    return audio.subarray(MARKER_BYTES).toString('base64');
}
/** The base64 of a marked delta: marker (index, reply number) + the shared tail. */
function markedAudio(index, reply, tail) {
    const marker = Buffer.from([MARKER_MAGIC, 0, index & 0xff, 0, reply & 0xff, 0]);
    return marker.toString('base64') + tail;
}
/** Deltas in one reply. */
export function deltasPerReply(shape) {
    return Math.max(1, Math.round(shape.replyMs / shape.chunkMs));
}
export class LoopbackReplies {
    shape;
    host;
    tail;
    replies = 0;
    active;
    constructor(shape, host) {
        this.shape = shape;
        this.host = host;
        this.tail = toneTail(shape.chunkMs);
    }
    /** The response id of the reply being sent, if any. */
    get activeResponse() {
        return this.active;
    }
    /** Acknowledges a commit the way the service does (no audio buffer is kept in this mode). */
    commit() {
        this.host.emit('input_audio_buffer.committed', { previous_item_id: null, item_id: newId('item') });
    }
    /** Starts a reply (the caller refuses a second one while `activeResponse` is set). */
    reply() {
        const number = this.replies++;
        const responseId = newId('resp');
        const itemId = newId('item');
        this.active = responseId;
        const item = { id: itemId, object: 'realtime.item', type: 'message', status: 'in_progress', role: 'assistant', content: [] };
        const part = { response_id: responseId, item_id: itemId, output_index: 0, content_index: 0 };
        this.host.emit('response.created', { response: { id: responseId, object: 'realtime.response', status: 'in_progress', output: [] } });
        this.host.emit('response.output_item.added', { response_id: responseId, output_index: 0, item });
        this.host.emit('conversation.item.added', { previous_item_id: null, item });
        this.host.emit('response.content_part.added', { ...part, part: { type: 'audio', transcript: '' } });
        const count = deltasPerReply(this.shape);
        const intervalMs = this.shape.chunkMs / this.shape.pace;
        const start = performance.now();
        let next = 0;
        let transcript = '';
        const sendDue = () => {
            const now = performance.now();
            for (; next < count && start + next * intervalMs <= now; next++) {
                this.host.send(loopbackDelta(newId('event'), responseId, itemId, markedAudio(next, number, this.tail)));
                if (next % TRANSCRIPT_EVERY === 0) {
                    const word = `word${next / TRANSCRIPT_EVERY} `;
                    transcript += word;
                    this.host.emit('response.output_audio_transcript.delta', { ...part, delta: word });
                }
            }
            if (next < count) {
                this.host.later(sendDue, Math.max(0, start + next * intervalMs - performance.now()));
                return;
            }
            this.finish(responseId, item, part, transcript);
        };
        sendDue();
    }
    finish(responseId, item, part, transcript) {
        const done = { ...item, status: 'completed', content: [{ type: 'output_audio', transcript }] };
        this.host.emit('response.output_audio.done', part);
        this.host.emit('response.output_audio_transcript.done', { ...part, transcript });
        this.host.emit('response.content_part.done', { ...part, part: { type: 'audio', transcript } });
        this.host.emit('response.output_item.done', { response_id: responseId, output_index: 0, item: done });
        this.host.emit('response.done', { response: { id: responseId, object: 'realtime.response', status: 'completed', output: [done] } });
        this.active = undefined;
    }
}
