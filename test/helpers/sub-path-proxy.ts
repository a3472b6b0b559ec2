/**
 * A reverse proxy that serves a backend under a sub-path and strips it, as `location /voice/ { proxy_pass
 * http://backend/; }` does in nginx: HTTP requests and WebSocket upgrades alike. For the demo page under a sub-path.
 */
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';

export interface SubPathProxy {
  /** `http://127.0.0.1:PORT<prefix>` */
  readonly url: string;
  /** `http://127.0.0.1:PORT`: the origin of the pages it serves. */
  readonly origin: string;
  close(): Promise<void>;
}

/**
 * Serves `http://127.0.0.1:<backendPort()>/` at `<prefix>` (which starts and ends with `/`). The backend's port is
 * asked per request, so the backend can be started after this proxy, knowing its public origin.
 */
export async function startSubPathProxy(backendPort: () => number, prefix = '/voice/'): Promise<SubPathProxy> {
  const strip = (request: IncomingMessage): string | undefined =>
    request.url?.startsWith(prefix) ? `/${request.url.slice(prefix.length)}` : undefined;
  const sockets = new Set<Duplex>();
  const server = createServer((request, response) => {
    const path = strip(request);
    if (path === undefined) {
      response.writeHead(404).end();
      return;
    }
    const forward = httpRequest({ port: backendPort(), host: '127.0.0.1', method: request.method, path, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    forward.on('error', () => response.destroy());
    request.pipe(forward);
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = strip(request);
    if (path === undefined) return socket.destroy();
    const backend = connect(backendPort(), '127.0.0.1');
    sockets.add(socket).add(backend);
    const headers = [];
    for (let i = 0; i < request.rawHeaders.length; i += 2) headers.push(`${request.rawHeaders[i]}: ${request.rawHeaders[i + 1]}`);
    backend.write(`${request.method} ${path} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
    backend.write(head);
    socket.pipe(backend).pipe(socket);
    const end = (): void => {
      socket.destroy();
      backend.destroy();
    };
    socket.on('error', end).on('close', end);
    backend.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
