/**
 * The client side of a session as the session core sees it, whatever the wire: what the client sends (audio in its
 * input format, control messages) reaches the session through `ClientInput`; what the session sends (typed events,
 * audio frames in the client's output format) leaves through `ClientTransport`. Protocol v1 over a WebSocket
 * (`socket-transport.ts`: JSON text frames, binary audio) is one implementation; a telephony platform's protocol
 * would be another, mapping its own messages onto these (its "clear playback" is `AIInterrupted`).
 */
import type { ParsedClientMessage } from './client-messages.js';
import type { ServerEvent } from './server-events.js';

/** What a client connection delivers to its session. */
export interface ClientInput {
  /** A frame of audio, in the client's input format. */
  audio(frame: Buffer): void;
  /** A control message, or the error code and words for one that could not be read. */
  control(message: ParsedClientMessage): void;
  /** The client pinged: it is there, but it may not be reading (a flood of pings whose pongs pile up). */
  ping(): void;
  /** The connection failed (logged; `closed` follows). */
  error(message: string): void;
  /** The connection ended: the client's close code, or 1006 when it dropped without one. */
  closed(code: number): void;
}

/** How a session reaches its client. */
export interface ClientTransport {
  readonly isOpen: boolean;
  /** Bytes queued toward the client and not yet written to the network: the session's backpressure reads it. */
  readonly bufferedAmount: number;
  /** Sends one event. */
  send(event: ServerEvent): void;
  /** Sends one frame of response audio, in the client's output format. */
  sendAudio(frame: Buffer): void;
  /** Ends the connection (protocol v1: a WebSocket close frame with this code and reason). */
  close(code: number, reason: string): void;
  /** A client that stopped reading will not read a close frame either: drop the connection soon, whatever it does. */
  abandon(): void;
  /** Starts delivering what the client sends to `input`; called once. */
  listen(input: ClientInput): void;
}
