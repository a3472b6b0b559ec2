/** A test WebSocket client that records every message and waits for them with timeouts. */
import WebSocket from 'ws';
import type { ClientOptions } from 'ws';

export type JsonMessage = Record<string, unknown> & { type?: string };

export interface ReceivedMessage {
  readonly at: number;
  readonly binary: boolean;
  readonly data: Buffer;
  readonly json?: JsonMessage;
}

export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

/** Wraps a `ws` client: every frame is kept in order so tests can assert on sequences. */
export class TestClient {
  readonly messages: ReceivedMessage[] = [];
  readonly closed: Promise<CloseInfo>;
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      const message: ReceivedMessage = isBinary
        ? { at: Date.now(), binary: true, data }
        : { at: Date.now(), binary: false, data, json: JSON.parse(data.toString('utf8')) as JsonMessage };
      this.messages.push(message);
      this.notify();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString('utf8') });
        this.notify();
      });
    });
  }

  /** Opens a connection; rejects with the HTTP status when the upgrade is refused. */
  static async connect(url: string, options: ClientOptions & { protocols?: string | string[] } = {}): Promise<TestClient> {
    const { protocols, ...rest } = options;
    const socket = new WebSocket(url, protocols, { perMessageDeflate: false, ...rest });
    const client = new TestClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_req, res) => {
        reject(new UpgradeRejected(res.statusCode ?? 0));
        res.resume();
      });
      socket.once('error', reject);
    });
    return client;
  }

  get json(): JsonMessage[] {
    return this.messages.flatMap((m) => (m.json ? [m.json] : []));
  }

  get binaryFrames(): Buffer[] {
    return this.messages.filter((m) => m.binary).map((m) => m.data);
  }

  sendJson(value: unknown): void {
    this.socket.send(JSON.stringify(value));
  }

  sendBinary(data: Buffer | Uint8Array): void {
    this.socket.send(data, { binary: true });
  }

  /** Resolves with the first JSON message (at or after index `from`) that matches, or rejects after `timeoutMs`. */
  async waitFor(
    predicate: (message: JsonMessage) => boolean,
    timeoutMs = 5000,
    from = 0,
  ): Promise<JsonMessage> {
    const found = await this.waitUntil(() => this.json.slice(from).find(predicate), timeoutMs);
    return found;
  }

  /** Waits for a JSON message of the given `type` (or, for proxy events, the given event `name`). */
  waitForType(type: string, timeoutMs = 5000): Promise<JsonMessage> {
    return this.waitFor((m) => m.type === type || (m.type === 'event' && m.name === type), timeoutMs);
  }

  /** Polls `probe` on every message until it returns a value other than undefined/false. */
  async waitUntil<T>(probe: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value !== undefined && value !== false) return value;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        const seen = this.json.map((m) => (m.type === 'event' ? `event:${String(m.name)}` : String(m.type)));
        throw new Error(`timed out after ${timeoutMs} ms; JSON seen: ${seen.join(', ')}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(remaining, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for the socket to close (with a timeout). */
  async waitForClose(timeoutMs = 5000): Promise<CloseInfo> {
    return Promise.race([
      this.closed,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('socket did not close in time')), timeoutMs)),
    ]);
  }

  close(): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.terminate();
    }
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

export class UpgradeRejected extends Error {
  constructor(readonly status: number) {
    super(`upgrade rejected with HTTP ${status}`);
  }
}
