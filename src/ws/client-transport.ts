/**
 * The client side of a session as the session core sees it, whatever the wire: what the client sends (audio in its
 * input format, control messages) reaches the session through `ClientInput`; what the session sends (typed events,
 * audio frames in the client's output format) leaves through `ClientTransport`. Protocol v1 over a WebSocket
 * (`socket-transport.ts`: JSON text frames, binary audio) is one implementation; a telephony platform's protocol
 * (`telephony/twilio-transport.ts`) is another, mapping its own messages onto these: its "clear playback" is
 * `AIInterrupted`, its mark acknowledgements are `played`.
 */
import type WebSocket from 'ws';
import type { ParsedClientMessage } from './client-messages.js';
import type { ServerEvent } from './server-events.js';

/** What a client connection delivers to its session. */
export interface ClientInput {
  /** A frame of audio, in the client's input format. */
  audio(frame: Buffer): void;
  /** A control message, or the error code and words for one that could not be read. */
  control(message: ParsedClientMessage): void;
  /**
   * How much of a response the client has played, known from its transport rather than sent as a `playback`
   * message (a telephony platform's mark acknowledgements): not a control message, so not rate limited.
   */
  played(responseId: string, playedMs: number): void;
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

/** How long an abandoned client gets before its TCP connection is dropped. */
const ABANDONED_TERMINATE_MS = 1000;

/** `abandon()` of a transport over a WebSocket: terminate it soon, unless it closes first. */
export function abandonSocket(socket: WebSocket): void {
  const timer = setTimeout(() => socket.terminate(), ABANDONED_TERMINATE_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
