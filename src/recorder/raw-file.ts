/**
 * One raw audio file written as a stream. Writes never block and never throw: while the file is opening or the
 * disk is behind (`write()` returned false) chunks wait in a bounded queue, and past the bound they are dropped
 * and counted. The first error stops the file; the owner decides what that means for the session.
 */
import { createWriteStream, type WriteStream } from 'node:fs';

export interface RawFileOptions {
  /** Full path of the file to create; an existing file is never overwritten. */
  readonly path: string;
  /** Resolves once the directory exists; a rejection fails the file. */
  readonly directoryReady: Promise<void>;
  /** Bytes allowed to wait in memory while the disk catches up; more are dropped. */
  readonly maxQueuedBytes: number;
  /** Called with the size of every chunk once the file system has stored it (never for a failed write). */
  readonly onWritten: (bytes: number) => void;
  /** Called at most once, with the error that stopped the file. */
  readonly onError: (error: Error) => void;
  /** Open flags; default `wx` (create, never overwrite). Tests use `w` on `/dev/full` to get ENOSPC. */
  readonly flags?: string;
}

type State = 'writing' | 'ending' | 'done' | 'failed';

/** A larger buffer than the 16 KiB default: a 24 kHz response delta is often bigger than that on its own. */
const STREAM_HIGH_WATER_BYTES = 64 * 1024;

export class RawFile {
  private state: State = 'writing';
  private stream: WriteStream | undefined;
  private blocked = false;
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private writtenBytes = 0;
  private dropped = 0;
  private readonly opened: Promise<void>;
  private ended: Promise<boolean> | undefined;

  constructor(private readonly options: RawFileOptions) {
    this.opened = options.directoryReady.then(
      () => this.open(),
      (error: unknown) => this.fail(asError(error)),
    );
  }

  /** Bytes handed to the file system so far (the file's size once `end()` resolves true). */
  get byteCount(): number {
    return this.writtenBytes;
  }

  /** Bytes dropped because the queue was full. */
  get droppedBytes(): number {
    return this.dropped;
  }

  get failed(): boolean {
    return this.state === 'failed';
  }

  /** Appends a chunk; the file keeps a reference, so the caller must not reuse the buffer. */
  write(chunk: Buffer): void {
    if (this.state !== 'writing' || chunk.length === 0) return;
    if (this.stream === undefined || this.blocked) this.enqueue(chunk);
    else this.push(chunk);
  }

  /** Writes what is queued and closes the file; resolves true when it is complete on disk, false if it failed. */
  end(): Promise<boolean> {
    this.ended ??= this.finish();
    return this.ended;
  }

  /** Stops at once, discarding what is queued (another file of the session failed). */
  abort(): void {
    if (this.state === 'done' || this.state === 'failed') return;
    this.state = 'failed';
    this.clearQueue();
    this.stream?.destroy();
  }

  private open(): void {
    if (this.state === 'failed') return;
    const stream = createWriteStream(this.options.path, { flags: this.options.flags ?? 'wx', highWaterMark: STREAM_HIGH_WATER_BYTES });
    this.stream = stream;
    stream.on('error', (error) => this.fail(error));
    stream.on('drain', () => this.onDrain());
    this.onDrain();
  }

  private async finish(): Promise<boolean> {
    if (this.state === 'writing') this.state = 'ending';
    await this.opened;
    const stream = this.stream;
    if (this.failed || stream === undefined) return false;
    for (const chunk of this.queue) this.push(chunk);
    this.clearQueue();
    await new Promise<void>((resolve) => {
      if (stream.closed) resolve();
      else {
        stream.once('close', () => resolve());
        stream.end();
      }
    });
    // The stream may have failed while closing (the type checker cannot see that across the await).
    if (this.failed) return false;
    this.state = 'done';
    return true;
  }

  private push(chunk: Buffer): void {
    const stream = this.stream;
    if (stream === undefined) return;
    this.writtenBytes += chunk.length;
    // Counted when stored, not when handed over: a full disk fails writes that were already queued.
    const stored = (error: Error | null | undefined): void => {
      if (!error) this.options.onWritten(chunk.length);
    };
    if (!stream.write(chunk, stored)) this.blocked = true;
  }

  private enqueue(chunk: Buffer): void {
    if (this.queuedBytes + chunk.length > this.options.maxQueuedBytes) {
      this.dropped += chunk.length;
      return;
    }
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
  }

  private onDrain(): void {
    this.blocked = false;
    if (this.state !== 'writing') return;
    while (!this.blocked && this.queue.length > 0) {
      const chunk = this.queue.shift();
      if (chunk === undefined) break;
      this.queuedBytes -= chunk.length;
      this.push(chunk);
    }
  }

  private clearQueue(): void {
    this.queue.length = 0;
    this.queuedBytes = 0;
  }

  private fail(error: Error): void {
    if (this.state === 'failed') return;
    this.state = 'failed';
    this.clearQueue();
    this.stream?.destroy();
    this.options.onError(error);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
