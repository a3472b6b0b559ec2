/**
 * One raw audio file written as a stream. Writes never block and never throw: while the file is opening or the
 * disk is behind (`write()` returned false) chunks wait in a bounded queue, and past the bound they are dropped
 * and counted. The first error stops the file; the owner decides what that means for the session.
 */
import { createWriteStream } from 'node:fs';
/** A larger buffer than the 16 KiB default: a 24 kHz response delta is often bigger than that on its own. */
const STREAM_HIGH_WATER_BYTES = 64 * 1024;
export class RawFile {
    options;
    state = 'writing';
    stream;
    blocked = false;
    queue = [];
    queuedBytes = 0;
    writtenBytes = 0;
    dropped = 0;
    opened;
    ended;
    constructor(options) {
        this.options = options;
        this.opened = options.directoryReady.then(() => this.open(), (error) => this.fail(asError(error)));
    }
    /** Bytes handed to the file system so far (the file's size once `end()` resolves true). */
    get byteCount() {
        return this.writtenBytes;
    }
    /** Bytes dropped because the queue was full. */
    get droppedBytes() {
        return this.dropped;
    }
    get failed() {
        return this.state === 'failed';
    }
    /** Appends a chunk; the file keeps a reference, so the caller must not reuse the buffer. */
    write(chunk) {
        if (this.state !== 'writing' || chunk.length === 0)
            return;
        if (this.stream === undefined || this.blocked)
            this.enqueue(chunk);
        else
            this.push(chunk);
    }
    /** Writes what is queued and closes the file; resolves true when it is complete on disk, false if it failed. */
    end() {
        this.ended ??= this.finish();
        return this.ended;
    }
    /** Stops at once, discarding what is queued (another file of the session failed). */
    abort() {
        if (this.state === 'done' || this.state === 'failed')
            return;
        this.state = 'failed';
        this.clearQueue();
        this.stream?.destroy();
    }
    open() {
        if (this.state === 'failed')
            return;
        const stream = createWriteStream(this.options.path, { flags: this.options.flags ?? 'wx', highWaterMark: STREAM_HIGH_WATER_BYTES });
        this.stream = stream;
        stream.on('error', (error) => this.fail(error));
        stream.on('drain', () => this.onDrain());
        this.onDrain();
    }
    async finish() {
        if (this.state === 'writing')
            this.state = 'ending';
        await this.opened;
        const stream = this.stream;
        if (this.failed || stream === undefined)
            return false;
        for (const chunk of this.queue)
            this.push(chunk);
        this.clearQueue();
        await new Promise((resolve) => {
            if (stream.closed)
                resolve();
            else {
                stream.once('close', () => resolve());
                stream.end();
            }
        });
        // The stream may have failed while closing (the type checker cannot see that across the await).
        if (this.failed)
            return false;
        this.state = 'done';
        return true;
    }
    push(chunk) {
        const stream = this.stream;
        if (stream === undefined)
            return;
        this.writtenBytes += chunk.length;
        this.options.onWritten(chunk.length);
        if (!stream.write(chunk))
            this.blocked = true;
    }
    enqueue(chunk) {
        if (this.queuedBytes + chunk.length > this.options.maxQueuedBytes) {
            this.dropped += chunk.length;
            return;
        }
        this.queue.push(chunk);
        this.queuedBytes += chunk.length;
    }
    onDrain() {
        this.blocked = false;
        if (this.state !== 'writing')
            return;
        while (!this.blocked && this.queue.length > 0) {
            const chunk = this.queue.shift();
            if (chunk === undefined)
                break;
            this.queuedBytes -= chunk.length;
            this.push(chunk);
        }
    }
    clearQueue() {
        this.queue.length = 0;
        this.queuedBytes = 0;
    }
    fail(error) {
        if (this.state === 'failed')
            return;
        this.state = 'failed';
        this.clearQueue();
        this.stream?.destroy();
        this.options.onError(error);
    }
}
function asError(error) {
    return error instanceof Error ? error : new Error(String(error));
}
