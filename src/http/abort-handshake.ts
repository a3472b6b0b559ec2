/** Refusing a WebSocket upgrade before the handshake: the proxy's gate and the emulator's (ws's `abortHandshake`). */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** Writes an HTTP response with a JSON body on the raw socket of an upgrade request and destroys the socket. */
export function abortHandshake(socket: Duplex, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  const head = [`Connection: close`, 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(json)}`].join('\r\n');
  if (socket.writable) socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${head}\r\n\r\n${json}`);
  socket.destroy();
}
