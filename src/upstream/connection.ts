/**
 * One WebSocket to the realtime upstream (OpenAI, Azure, or the local emulator: the same wire protocol).
 * Connect failures are classified so the bridge can tell the client why.
 */
import WebSocket from 'ws';
import type { UpstreamConfig } from '../config/index.js';
import { parseEventJson } from './event-json.js';
import { readUpstreamEvent, type UpstreamEvent } from './events.js';
import { createUpstreamScrubber, type UpstreamScrubber } from './redact.js';

export type UpstreamFailureKind = 'auth' | 'overloaded' | 'unavailable';

/** Why the upstream could not be opened. `message` never contains headers or keys. */
export interface UpstreamFailure {
  readonly kind: UpstreamFailureKind;
  readonly status?: number;
  readonly message: string;
}

/** Every string an upstream sends reaches these handlers scrubbed of credentials (see `redact.ts`). */
export interface UpstreamHandlers {
  onOpen(): void;
  onEvent(event: UpstreamEvent): void;
  /** A frame that is not a JSON event with a type. */
  onMalformed(reason: string): void;
  onFailure(failure: UpstreamFailure): void;
  /** The socket closed after it had opened. */
  onClose(code: number, reason: string): void;
}

/** The append event around its base64 audio, as bytes. */
const APPEND_PREFIX = Buffer.from('{"type":"input_audio_buffer.append","audio":"');
const APPEND_SUFFIX = Buffer.from('"}');
/** A text frame sent from a Buffer: ws masks it while copying it next to the frame header (one socket write). */
const TEXT_FROM_BUFFER = { binary: false } as const;

/** Largest upstream frame accepted (an append may carry 15 MiB; deltas are far smaller). */
const MAX_UPSTREAM_FRAME_BYTES = 32 * 1024 * 1024;

/** The upstream URL for a model: `<url>?model=<model>`. */
export function upstreamUrl(config: UpstreamConfig): string {
  const url = new URL(config.url);
  url.searchParams.set('model', config.model);
  return url.toString();
}

export class UpstreamConnection {
  private readonly socket: WebSocket;
  private opened = false;
  private finished = false;
  private readonly scrubber: UpstreamScrubber;

  constructor(config: UpstreamConfig, timeoutMs: number, private readonly handlers: UpstreamHandlers) {
    this.scrubber = createUpstreamScrubber(config.headers);
    this.socket = new WebSocket(upstreamUrl(config), {
      headers: { ...config.headers },
      perMessageDeflate: false,
      // The upstream is a trusted peer whose text is only searched and JSON-parsed: skip ws's per-frame UTF-8 check.
      skipUTF8Validation: true,
      handshakeTimeout: timeoutMs,
      maxPayload: MAX_UPSTREAM_FRAME_BYTES,
    });
    this.socket.on('open', () => {
      this.opened = true;
      this.handlers.onOpen();
    });
    this.socket.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        this.handlers.onMalformed('binary frame');
        return;
      }
      const parsed = parseEventJson(data.toString('utf8'));
      if (parsed.ok) this.handlers.onEvent(readUpstreamEvent(this.scrubber.event(parsed.event)));
      else this.handlers.onMalformed(parsed.reason);
    });
    this.socket.on('unexpected-response', (_request, response) => {
      const status = response.statusCode ?? 0;
      response.resume();
      this.fail(classifyStatus(status));
      this.socket.terminate();
    });
    this.socket.on('error', (error: Error & { code?: string }) => {
      if (!this.opened) this.fail({ kind: 'unavailable', message: describeSocketError(error) });
    });
    this.socket.on('close', (code, reason) => {
      if (!this.opened) {
        this.fail({ kind: 'unavailable', message: `closed during the handshake (${code})` });
        return;
      }
      if (this.finished) return;
      this.finished = true;
      this.handlers.onClose(code, this.scrubber.text(reason.toString('utf8')));
    });
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Bytes queued in the socket and not yet written to the network. */
  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  /** Sends one client event (JSON). */
  send(event: Readonly<Record<string, unknown>>): void {
    if (this.isOpen) this.socket.send(JSON.stringify(event));
  }

  /**
   * Sends `input_audio_buffer.append`, built straight into bytes: no intermediate object, and no JSON string for
   * ws to measure and encode again (a string frame also costs a second socket write).
   */
  appendAudio(audio: Buffer): void {
    if (!this.isOpen) return;
    const base64 = audio.toString('base64');
    const event = Buffer.allocUnsafe(APPEND_PREFIX.length + base64.length + APPEND_SUFFIX.length);
    APPEND_PREFIX.copy(event, 0);
    event.write(base64, APPEND_PREFIX.length, 'latin1');
    APPEND_SUFFIX.copy(event, APPEND_PREFIX.length + base64.length);
    this.socket.send(event, TEXT_FROM_BUFFER);
  }

  /** Closes the socket (idempotent); no further handler is called. */
  close(code = 1000, reason = ''): void {
    this.finished = true;
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close(code, reason);
    else if (this.socket.readyState === WebSocket.CONNECTING) this.socket.terminate();
  }

  /** Drops the connection without a close handshake (for a peer that stopped answering). */
  terminate(): void {
    this.finished = true;
    this.socket.terminate();
  }

  /** Sends a ping; `onPong` runs when it is answered. */
  ping(): void {
    if (this.isOpen) this.socket.ping();
  }

  onPong(listener: () => void): void {
    this.socket.on('pong', listener);
  }

  private fail(failure: UpstreamFailure): void {
    if (this.finished) return;
    this.finished = true;
    this.handlers.onFailure(failure);
  }
}

function classifyStatus(status: number): UpstreamFailure {
  if (status === 401 || status === 403) return { kind: 'auth', status, message: `upstream refused the credentials (HTTP ${status})` };
  if (status === 429) return { kind: 'overloaded', status, message: 'upstream is rate limiting (HTTP 429)' };
  return { kind: 'unavailable', status, message: `upstream handshake failed (HTTP ${status})` };
}

function describeSocketError(error: Error & { code?: string }): string {
  if (error.message.includes('handshake has timed out')) return 'upstream handshake timed out';
  return error.code ? `upstream connection failed (${error.code})` : 'upstream connection failed';
}
