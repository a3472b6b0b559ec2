/**
 * The bench's baseline: a bare WebSocket relay, what a user would run instead of this proxy (the shape of the relay
 * that ships with OpenAI's realtime console). Each client connection gets its own upstream socket to the same path
 * and query; every message is forwarded unchanged both ways (text as text, binary as binary), with no parsing, no
 * audio work, no metrics and no logging. Same `ws` package as the proxy, `perMessageDeflate` off on both sockets,
 * everything else at ws's defaults. Messages a client sends before the upstream is open wait in a queue.
 *
 * Started by the bench as `node --import tsx bench/bare-relay.ts` with RELAY_PORT and RELAY_UPSTREAM
 * (`ws://host:port`); the client's Authorization header is passed on.
 */
import { createServer } from 'node:http';
import WebSocket, { WebSocketServer, type RawData } from 'ws';

const port = Number(process.env.RELAY_PORT ?? 0);
const upstreamBase = process.env.RELAY_UPSTREAM ?? '';
if (!upstreamBase) {
  process.stderr.write('bare-relay: RELAY_UPSTREAM is required\n');
  process.exit(1);
}

const server = createServer((_request, response) => response.writeHead(426).end());
const wss = new WebSocketServer({ server, perMessageDeflate: false });

wss.on('connection', (client, request) => {
  const authorization = request.headers.authorization;
  const upstream = new WebSocket(`${upstreamBase}${request.url ?? '/'}`, {
    perMessageDeflate: false,
    headers: authorization === undefined ? {} : { authorization },
  });
  const queued: [RawData, boolean][] = [];
  client.on('message', (data, isBinary) => {
    if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary: isBinary });
    else queued.push([data, isBinary]);
  });
  upstream.on('open', () => {
    for (const [data, isBinary] of queued.splice(0)) upstream.send(data, { binary: isBinary });
  });
  upstream.on('message', (data, isBinary) => {
    if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
  });
  const closeBoth = (): void => {
    if (client.readyState === WebSocket.OPEN) client.close(1000);
    if (upstream.readyState === WebSocket.OPEN) upstream.close(1000);
    else if (upstream.readyState === WebSocket.CONNECTING) upstream.terminate();
  };
  client.on('close', closeBoth);
  upstream.on('close', closeBoth);
  client.on('error', closeBoth);
  upstream.on('error', closeBoth);
});

server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
