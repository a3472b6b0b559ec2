/**
 * Purpose-built faulty upstreams for the faults the emulator does not offer: a real `ws` server speaking just
 * enough GA (session.created, session.updated, a short audio response to response.create), then the fault; and a
 * TCP server that accepts and never answers the upgrade (handshake timeout).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export type MidResponseFault =
  /** TCP reset (RST), no close frame. */
  | 'reset'
  /** Socket dropped without a close frame: the proxy sees 1006. */
  | 'terminate'
  | { readonly close: number; readonly reason?: string };

export interface FaultOptions {
  /** Applied after `afterDeltas` audio deltas of the first response. */
  readonly midResponse?: { readonly afterDeltas: number; readonly fault: MidResponseFault };
  /** Runs once the session is configured (after session.updated): push garbage, errors, etc. */
  readonly onReady?: (socket: WebSocket) => void;
  /** false: never answer pings (a half-dead upstream). Default true. */
  readonly autoPong?: boolean;
  /** Audio deltas per response (40 ms of 24 kHz PCM16 each). Default 5. */
  readonly deltas?: number;
  /** Bytes per audio delta, cut from one continuous tone (an odd count splits samples across deltas). Default 1920. */
  readonly deltaBytes?: number;
  /** Characters per transcript delta (one follows each audio delta). Default: a short word. */
  readonly transcriptDeltaChars?: number;
  /** Pause between deltas, ms. Default 10; 0 sends them all at once. */
  readonly deltaPauseMs?: number;
  /** Accept the upgrade, then never send session.created (and ignore session.update). */
  readonly silentSession?: boolean;
}

export interface FaultUpstream {
  /** ws://127.0.0.1:PORT/v1/realtime */
  readonly url: string;
  /** Upgrades accepted so far. */
  readonly connections: number;
  /** Sockets still open. */
  readonly open: number;
  close(): Promise<void>;
}

const DELTA_BYTES = 1920;

/** Starts a faulty GA upstream on a free loopback port. */
export async function startFaultUpstream(options: FaultOptions = {}): Promise<FaultUpstream> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong: options.autoPong ?? true });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  let connections = 0;
  let responses = 0;
  wss.on('connection', (socket) => {
    connections += 1;
    socket.on('error', () => undefined);
    if (options.silentSession) return;
    send(socket, { type: 'session.created', session: { type: 'realtime', id: `sess_${connections}` } });
    socket.on('message', (data: Buffer) => {
      let event: { type?: string; session?: unknown };
      try {
        event = JSON.parse(data.toString('utf8')) as typeof event;
      } catch {
        return;
      }
      if (event.type === 'session.update') {
        send(socket, { type: 'session.updated', session: event.session ?? {} });
        options.onReady?.(socket);
      } else if (event.type === 'response.create') {
        responses += 1;
        void streamResponse(socket, `resp_${responses}`, options, responses === 1 ? options.midResponse : undefined);
      }
    });
  });
  const address = wss.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `ws://127.0.0.1:${port}/v1/realtime`,
    get connections() {
      return connections;
    },
    get open() {
      return wss.clients.size;
    },
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

async function streamResponse(socket: WebSocket, responseId: string, options: FaultOptions, fault: FaultOptions['midResponse']): Promise<void> {
  const deltas = options.deltas ?? 5;
  const deltaBytes = options.deltaBytes ?? DELTA_BYTES;
  const pauseMs = options.deltaPauseMs ?? 10;
  const itemId = `item_${responseId}`;
  send(socket, { type: 'response.created', response: { id: responseId, status: 'in_progress' } });
  send(socket, { type: 'response.output_item.added', response_id: responseId, output_index: 0, item: { id: itemId, type: 'message', role: 'assistant' } });
  const audio = toneBytes(deltas * deltaBytes);
  for (let i = 0; i < deltas; i += 1) {
    if (fault !== undefined && i === fault.afterDeltas) {
      applyFault(socket, fault.fault);
      return;
    }
    send(socket, {
      type: 'response.output_audio.delta',
      response_id: responseId,
      item_id: itemId,
      output_index: 0,
      content_index: 0,
      delta: audio.subarray(i * deltaBytes, (i + 1) * deltaBytes).toString('base64'),
    });
    const transcript = options.transcriptDeltaChars === undefined ? `w${i} ` : 'x'.repeat(options.transcriptDeltaChars);
    send(socket, { type: 'response.output_audio_transcript.delta', response_id: responseId, item_id: itemId, delta: transcript });
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  send(socket, { type: 'response.done', response: { id: responseId, status: 'completed', output: [] } });
}

/** `bytes` of a continuous 24 kHz PCM16 tone (the last sample cut in half when `bytes` is odd). */
export function toneBytes(bytes: number): Buffer {
  const audio = Buffer.alloc(bytes + 1);
  for (let i = 0; i < bytes; i += 2) audio.writeInt16LE(Math.round(8000 * Math.sin(i / 10)), i);
  return audio.subarray(0, bytes);
}

function applyFault(socket: WebSocket, fault: MidResponseFault): void {
  if (fault === 'reset') (socket as unknown as { _socket: Socket })._socket.resetAndDestroy();
  else if (fault === 'terminate') socket.terminate();
  else socket.close(fault.close, fault.reason);
}

function send(socket: WebSocket, event: Record<string, unknown>): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(event));
}

/** A TCP server that accepts connections and never answers: the upgrade hangs until the client gives up. */
export async function startSilentUpstream(): Promise<FaultUpstream> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    // Read (and ignore) the upgrade request so the client's hang-up is seen.
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `ws://127.0.0.1:${port}/v1/realtime`,
    get connections() {
      return connections;
    },
    get open() {
      return sockets.size;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
