/** Protocol v1 over a WebSocket: events as JSON text frames, audio as binary frames, control messages parsed here. */
import WebSocket from 'ws';
import { parseClientMessage } from './client-messages.js';
import { abandonSocket, type ClientInput, type ClientTransport } from './client-transport.js';
import type { ServerEvent } from './server-events.js';

/** ws send options of an audio frame, shared (one object, not one per frame). */
const BINARY = { binary: true } as const;

export class SocketTransport implements ClientTransport {
  constructor(private readonly socket: WebSocket) {}

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  send(event: ServerEvent): void {
    if (this.isOpen) this.socket.send(JSON.stringify(event));
  }

  sendAudio(frame: Buffer): void {
    if (this.isOpen) this.socket.send(frame, BINARY);
  }

  close(code: number, reason: string): void {
    if (this.isOpen) this.socket.close(code, reason);
  }

  abandon(): void {
    abandonSocket(this.socket);
  }

  listen(input: ClientInput): void {
    this.socket.on('message', (data: Buffer, isBinary) => {
      if (isBinary) input.audio(data);
      else input.control(parseClientMessage(data.toString('utf8')));
    });
    this.socket.on('ping', () => input.ping());
    this.socket.on('error', (error) => input.error(error.message));
    this.socket.on('close', (code) => input.closed(code));
  }
}
