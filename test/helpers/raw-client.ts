/**
 * A WebSocket client written by hand on a raw TCP socket, for clients `ws` will not imitate: one that never answers
 * pings, never reads, or sends malformed frames. Frame encoding/decoding per RFC 6455 (client frames masked).
 */
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface RawConnection {
  readonly socket: Socket;
  /** The HTTP status line and headers of the answer. */
  readonly head: string;
  /** Bytes that arrived after the headers (the first frames). */
  readonly rest: Buffer;
}

/** Opens a TCP connection to `url` (ws://host:port/path) and completes the upgrade by hand. */
export async function rawUpgrade(url: string, headers: Record<string, string> = {}, timeoutMs = 5000): Promise<RawConnection> {
  const target = new URL(url);
  const socket = connect(Number(target.port), target.hostname);
  socket.on('error', () => undefined);
  const request = [
    `GET ${target.pathname}${target.search} HTTP/1.1`,
    `Host: ${target.host}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    '',
    '',
  ].join('\r\n');
  socket.write(request);
  return new Promise<RawConnection>((resolve, reject) => {
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => reject(new Error('no upgrade answer in time')), timeoutMs);
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.pause();
      resolve({ socket, head: received.subarray(0, end).toString('latin1'), rest: received.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error('closed before the upgrade answer')));
  });
}

/** A masked client frame. `opcode`: 1 text, 2 binary, 8 close, 9 ping, 10 pong. */
export function clientFrame(opcode: number, payload: Buffer, fin = true): Buffer {
  const mask = randomBytes(4);
  const length = payload.length;
  const header =
    length < 126 ? Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | length]) : length < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (length >= 126) {
    header[0] = (fin ? 0x80 : 0) | opcode;
    if (length < 65536) {
      header[1] = 0x80 | 126;
      header.writeUInt16BE(length, 2);
    } else {
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(length), 2);
    }
  }
  const masked = Buffer.alloc(length);
  for (let i = 0; i < length; i += 1) masked[i] = (payload[i] ?? 0) ^ (mask[i % 4] ?? 0);
  return Buffer.concat([header, mask, masked]);
}

export interface ServerFrame {
  readonly opcode: number;
  readonly payload: Buffer;
}

/** Splits unmasked server frames out of a byte stream; returns the frames and the unconsumed tail. */
export function parseServerFrames(data: Buffer): { frames: ServerFrame[]; rest: Buffer } {
  const frames: ServerFrame[] = [];
  let offset = 0;
  for (;;) {
    if (data.length - offset < 2) break;
    const opcode = (data[offset] ?? 0) & 0x0f;
    let length = (data[offset + 1] ?? 0) & 0x7f;
    let headerBytes = 2;
    if (length === 126) {
      if (data.length - offset < 4) break;
      length = data.readUInt16BE(offset + 2);
      headerBytes = 4;
    } else if (length === 127) {
      if (data.length - offset < 10) break;
      length = Number(data.readBigUInt64BE(offset + 2));
      headerBytes = 10;
    }
    if (data.length - offset < headerBytes + length) break;
    frames.push({ opcode, payload: data.subarray(offset + headerBytes, offset + headerBytes + length) });
    offset += headerBytes + length;
  }
  return { frames, rest: data.subarray(offset) };
}

/** The close code of a close frame, if any frame in the list is one. */
export function closeCodeOf(frames: readonly ServerFrame[]): number | undefined {
  const close = frames.find((frame) => frame.opcode === 8);
  return close !== undefined && close.payload.length >= 2 ? close.payload.readUInt16BE(0) : undefined;
}

/** Resolves when the socket has closed (reading whatever is left), or rejects after `timeoutMs`. */
export async function readUntilClosed(socket: Socket, timeoutMs = 5000): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.resume();
  if (socket.destroyed) return Buffer.concat(chunks);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('socket did not close in time')), timeoutMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return Buffer.concat(chunks);
}

export interface RawHttpAnswer {
  /** The status code, or 0 when the server closed without answering. */
  readonly status: number;
  readonly head: string;
  readonly body: string;
}

/**
 * Sends `GET <target>` exactly as written (no client library normalises it), as a plain request or as a WebSocket
 * upgrade, and resolves with the answer once the server closes the connection (or, for an accepted upgrade, once
 * the 101 has arrived; the socket is then dropped).
 */
export async function rawHttpGet(
  port: number,
  target: string,
  options: { upgrade?: boolean; timeoutMs?: number; /** Extra headers; `Host` here replaces the default. */ headers?: Record<string, string> } = {},
): Promise<RawHttpAnswer> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  const upgrade = options.upgrade
    ? ['Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`, 'Sec-WebSocket-Version: 13']
    : ['Connection: close'];
  const headers = { Host: `127.0.0.1:${port}`, ...options.headers };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  socket.write([`GET ${target} HTTP/1.1`, ...lines, ...upgrade, '', ''].join('\r\n'));
  let received = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no complete answer in time')), options.timeoutMs ?? 5000);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.startsWith('HTTP/1.1 101') && received.includes('\r\n\r\n')) {
        socket.destroy();
        done();
      }
    });
    socket.once('close', done);
  });
  const split = received.indexOf('\r\n\r\n');
  const head = split < 0 ? received : received.slice(0, split);
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body: split < 0 ? '' : received.slice(split + 4) };
}
