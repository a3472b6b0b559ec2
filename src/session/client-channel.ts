/**
 * The proxy → client direction of one session: JSON events, error events (counted), and response audio with
 * backpressure. Above the high-water mark audio is dropped and counted (one `client_too_slow` warning); staying
 * above it for STALL_FACTOR marks' worth of time, or passing a hard limit, means the client stopped reading.
 */
import WebSocket from 'ws';
import { clientError, type ErrorCode } from '../errors/index.js';
import type { Metrics } from '../metrics/index.js';
import type { ServerEvent } from '../ws/server-events.js';

/** A client above the high-water mark for this many marks' worth of time has stopped reading. */
const STALL_FACTOR = 5;
/** Past this many bytes unread, a client is stalled at once (e.g. flooding pings it never reads the pongs of). */
const CLIENT_HARD_LIMIT_BYTES = 8 * 1024 * 1024;
/** ws send options of an audio frame, shared (one object, not one per frame). */
const BINARY = { binary: true } as const;
/** A stalled client will not read a close frame either: drop the TCP connection this long after closing. */
const STALLED_TERMINATE_MS = 1000;

export class ClientChannel {
  private slowReported = false;
  private aboveMarkSince: number | undefined;
  private readonly bytesOut;

  constructor(
    private readonly socket: WebSocket,
    private readonly metrics: Metrics,
    /** Unread bytes allowed in the socket before response audio is dropped. */
    readonly highWaterBytes: number,
    private readonly highWaterMs: number,
  ) {
    this.bytesOut = metrics.audioBytes.labels({ direction: 'out' });
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Sends one event (JSON). */
  send(event: ServerEvent): void {
    if (this.isOpen) this.socket.send(JSON.stringify(event));
  }

  /** Sends an `error` event and counts it; `fatal` when the caller is about to close, whatever the table says. */
  sendError(code: ErrorCode, message?: string, upstreamCode?: string, fatal?: boolean): void {
    this.metrics.errorsTotal.inc({ code });
    this.send(clientError(code, message, upstreamCode, fatal));
  }

  /** Sends one binary audio frame; returns false when it was dropped because the client is not reading. */
  sendAudio(frame: Buffer): boolean {
    if (this.socket.bufferedAmount > this.highWaterBytes) {
      this.metrics.audioDroppedBytes.inc({ reason: 'client_slow' }, frame.length);
      if (!this.slowReported) {
        this.slowReported = true;
        this.sendError('client_too_slow');
      }
      return false;
    }
    if (!this.isOpen) return false;
    this.socket.send(frame, BINARY);
    this.bytesOut.inc(frame.length);
    return true;
  }

  /** True when the client has stopped reading (above the mark for too long, or past the hard limit). */
  isStalled(now = performance.now()): boolean {
    const buffered = this.socket.bufferedAmount;
    if (buffered <= this.highWaterBytes) {
      this.aboveMarkSince = undefined;
      return false;
    }
    this.aboveMarkSince ??= now;
    return buffered >= CLIENT_HARD_LIMIT_BYTES || now - this.aboveMarkSince >= this.highWaterMs * STALL_FACTOR;
  }

  /** For logs: unread bytes and how long they have been above the mark. */
  stallInfo(now = performance.now()): { bufferedBytes: number; aboveMarkMs: number } {
    return { bufferedBytes: this.socket.bufferedAmount, aboveMarkMs: this.aboveMarkSince === undefined ? 0 : now - this.aboveMarkSince };
  }

  /** Starts the close handshake (if open). */
  close(code: number, reason: string): void {
    if (this.isOpen) this.socket.close(code, reason);
  }

  /** A client that stopped reading will not read the close frame either: drop the connection soon after. */
  terminateSoon(): void {
    const timer = setTimeout(() => this.socket.terminate(), STALLED_TERMINATE_MS);
    timer.unref();
    this.socket.once('close', () => clearTimeout(timer));
  }
}
