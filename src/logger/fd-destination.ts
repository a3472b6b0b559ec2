/**
 * Where the process's log lines go (stdout): a destination that never blocks the event loop and never holds up the
 * exit, whatever the reader at the other end does.
 *
 * pino's default destination flushes synchronously when the process exits and retries every failed write until it
 * succeeds: with stdout a pipe whose reader has died (a crashed log shipper), that is EPIPE forever and the process
 * never exits after SIGTERM. Here lines are written one batch at a time with asynchronous `fs.write`; a reader that
 * stalls only makes lines wait in a bounded queue (past the bound they are dropped and counted, and the count is
 * logged once the reader catches up); a reader that is gone (EPIPE or any other error but EAGAIN) ends logging for
 * good. Nothing runs at exit: the owner calls `flush()` with a time budget before it exits.
 */
import { write } from 'node:fs';

/** Characters of log lines allowed to wait while the reader is slow (about a minute of busy info-level logging). */
const DEFAULT_MAX_QUEUED_CHARS = 4 * 1024 * 1024;
/** A non-blocking descriptor that is full (EAGAIN) is tried again after this. */
const RETRY_MS = 50;

export class FdDestination {
  private queue: string[] = [];
  private queuedChars = 0;
  private writing = false;
  private broken = false;
  private droppedLines = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly fd: number,
    private readonly maxQueuedChars = DEFAULT_MAX_QUEUED_CHARS,
  ) {}

  /** Queues one line (pino calls this); returns at once. */
  write(line: string): void {
    if (this.broken) return;
    if (this.queuedChars + line.length > this.maxQueuedChars) {
      this.droppedLines += 1;
      return;
    }
    this.queue.push(line);
    this.queuedChars += line.length;
    if (!this.writing) this.writeQueued();
  }

  /** Resolves once every queued line is written, logging has ended, or `timeoutMs` has passed. */
  flush(timeoutMs: number): Promise<void> {
    if (!this.writing) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private writeQueued(): void {
    if (this.droppedLines > 0) {
      this.queue.unshift(`${JSON.stringify({ level: 40, time: new Date().toISOString(), droppedLines: this.droppedLines, msg: 'log reader fell behind; lines dropped' })}\n`);
      this.droppedLines = 0;
    }
    const batch = Buffer.from(this.queue.join(''), 'utf8');
    this.queue = [];
    this.queuedChars = 0;
    this.writing = true;
    this.writeFrom(batch, 0);
  }

  private writeFrom(batch: Buffer, offset: number): void {
    write(this.fd, batch, offset, batch.length - offset, null, (error, written) => {
      if (error?.code === 'EAGAIN') {
        setTimeout(() => this.writeFrom(batch, offset), RETRY_MS).unref();
        return;
      }
      if (error) {
        this.stop();
        return;
      }
      if (offset + written < batch.length) {
        this.writeFrom(batch, offset + written);
        return;
      }
      this.writing = false;
      if (this.queue.length > 0) this.writeQueued();
      else this.wakeFlushers();
    });
  }

  /** The reader is gone: drop what is queued and everything after it. */
  private stop(): void {
    this.broken = true;
    this.writing = false;
    this.queue = [];
    this.queuedChars = 0;
    this.wakeFlushers();
  }

  private wakeFlushers(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
