/**
 * The session → client direction, over whatever transport the client speaks: events, error events (counted), and
 * response audio with backpressure. Above the high-water mark audio is dropped and counted (one `client_too_slow`
 * warning); staying above it for STALL_FACTOR marks' worth of time, or passing a hard limit, means the client
 * stopped reading.
 */
import { clientError, type ErrorCode } from '../errors/index.js';
import type { Metrics } from '../metrics/index.js';
import type { ClientTransport } from '../ws/client-transport.js';
import type { ServerEvent } from '../ws/server-events.js';

/** A client above the high-water mark for this many marks' worth of time has stopped reading. */
const STALL_FACTOR = 5;
/** Past this many bytes unread, a client is stalled at once (e.g. flooding pings it never reads the pongs of). */
const CLIENT_HARD_LIMIT_BYTES = 8 * 1024 * 1024;

export class ClientChannel {
  private slowReported = false;
  private aboveMarkSince: number | undefined;
  /** The per-frame counter child, bound once (resolving labels on every frame costs a hash lookup). */
  private readonly bytesOut;

  constructor(
    private readonly transport: ClientTransport,
    private readonly metrics: Metrics,
    /** Unread bytes allowed toward the client before response audio is dropped. */
    readonly highWaterBytes: number,
    private readonly highWaterMs: number,
  ) {
    this.bytesOut = metrics.audioBytes.labels({ direction: 'out' });
  }

  /** Sends one event. */
  send(event: ServerEvent): void {
    this.transport.send(event);
  }

  /** Sends an `error` event and counts it; `fatal` when the caller is about to close, whatever the table says. */
  sendError(code: ErrorCode, message?: string, upstreamCode?: string, fatal?: boolean): void {
    this.metrics.errorsTotal.inc({ code });
    this.send(clientError(code, message, upstreamCode, fatal));
  }

  /** Sends one frame of response audio; returns false when it was dropped because the client is not reading. */
  sendAudio(frame: Buffer): boolean {
    if (this.transport.bufferedAmount > this.highWaterBytes) {
      this.metrics.audioDroppedBytes.inc({ reason: 'client_slow' }, frame.length);
      if (!this.slowReported) {
        this.slowReported = true;
        this.sendError('client_too_slow');
      }
      return false;
    }
    if (!this.transport.isOpen) return false;
    this.transport.sendAudio(frame);
    this.bytesOut.inc(frame.length);
    return true;
  }

  /** True when the client has stopped reading (above the mark for too long, or past the hard limit). */
  isStalled(now = performance.now()): boolean {
    const buffered = this.transport.bufferedAmount;
    if (buffered <= this.highWaterBytes) {
      this.aboveMarkSince = undefined;
      return false;
    }
    this.aboveMarkSince ??= now;
    return buffered >= CLIENT_HARD_LIMIT_BYTES || now - this.aboveMarkSince >= this.highWaterMs * STALL_FACTOR;
  }

  /** For logs: unread bytes and how long they have been above the mark. */
  stallInfo(now = performance.now()): { bufferedBytes: number; aboveMarkMs: number } {
    return { bufferedBytes: this.transport.bufferedAmount, aboveMarkMs: this.aboveMarkSince === undefined ? 0 : now - this.aboveMarkSince };
  }

  /** Ends the connection (if open). */
  close(code: number, reason: string): void {
    this.transport.close(code, reason);
  }

  /** A client that stopped reading will not read the close frame either: drop the connection soon after. */
  abandon(): void {
    this.transport.abandon();
  }
}
