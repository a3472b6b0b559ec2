import { isPrimaryMessage } from './messages.js';
/** How long a worker waits for the primary; prom-client's own aggregation gives up after 5 s, so a bit more. */
const ANSWER_TIMEOUT_MS = 6000;
export class PrimaryLink {
    channel;
    nextId = 1;
    pending = new Map();
    drainHandler;
    drainOrdered = false;
    collect;
    constructor(channel = process) {
        this.channel = channel;
        channel.on('message', (message) => {
            if (isPrimaryMessage(message))
                this.receive(message);
        });
        channel.on('disconnect', () => {
            for (const [id, pending] of this.pending)
                this.settle(id, pending, new Error('the primary is gone'));
        });
    }
    /** Asks the primary; rejects when it does not answer in time or the channel closes. */
    ask(question) {
        if (!this.channel.connected)
            return Promise.reject(new Error('the primary is gone'));
        const id = this.nextId++;
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => this.settle(id, this.pending.get(id), new Error(`no answer to ${question.kind}`)), ANSWER_TIMEOUT_MS);
            this.pending.set(id, { resolve: resolve, reject, timer });
            this.tell({ type: 'proxy:ask', id, question });
        });
    }
    /** Tells the primary something that needs no answer (dropped when the channel is closed). */
    tell(message) {
        if (this.channel.connected)
            this.channel.send?.(message);
    }
    /** Runs `handler` when the primary orders a drain (at once if it already has: a worker still starting). */
    onDrain(handler) {
        this.drainHandler = handler;
        if (this.drainOrdered)
            handler();
    }
    /** Answers the primary's metric collections with `collect()`. */
    onCollect(collect) {
        this.collect = collect;
    }
    receive(message) {
        if (message.type === 'proxy:drain') {
            this.drainOrdered = true;
            this.drainHandler?.();
            return;
        }
        if (message.type === 'proxy:collect') {
            const { id } = message;
            // A worker that cannot collect yet says nothing; the primary's timeout fails that scrape.
            this.collect?.().then((metrics) => this.tell({ type: 'proxy:collected', id, metrics }), () => undefined);
            return;
        }
        const pending = this.pending.get(message.id);
        if (message.type === 'proxy:answer')
            this.settle(message.id, pending, undefined, message.answer);
        else
            this.settle(message.id, pending, new Error(message.error));
    }
    settle(id, pending, error, answer) {
        if (pending === undefined)
            return;
        this.pending.delete(id);
        clearTimeout(pending.timer);
        if (error)
            pending.reject(error);
        else
            pending.resolve(answer);
    }
}
