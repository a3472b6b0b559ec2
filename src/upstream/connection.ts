/**
 * One WebSocket to the realtime upstream (OpenAI, Azure, or the local emulator: the same wire protocol): typed
 * events in, client events and audio out, a heartbeat while open, and one end, reported once: a handshake that
 * failed (classified, so the client can be told why), a close, or a peer that stopped answering pings.
 */
import WebSocket from 'ws';
import type { UpstreamConfig } from '../config/index.js';
import { parseEventJson } from './event-json.js';
import { readUpstreamEvent, type UpstreamEvent } from './events.js';
import { Heartbeat } from './heartbeat.js';
import type { UpstreamRequest } from './requests.js';
import { createUpstreamScrubber, type UpstreamScrubber } from './redact.js';

export type UpstreamFailureKind = 'auth' | 'overloaded' | 'unavailable';

/** Why the upstream could not be opened. `message` never contains headers or keys. */
export interface UpstreamFailure {
  readonly kind: UpstreamFailureKind;
  readonly status?: number;
  readonly message: string;
}

/** How the connection ended. */
export type UpstreamEnd =
  | { readonly kind: 'failed'; readonly failure: UpstreamFailure }
  /** The socket closed after it had opened. */
  | { readonly kind: 'closed'; readonly code: number; readonly reason: string }
  /** A ping went unanswered for a whole heartbeat interval: the socket was terminated. */
  | { readonly kind: 'unanswered' };

/** Every string an upstream sends reaches these handlers scrubbed of credentials (see `redact.ts`). */
export interface UpstreamHandlers {
  onOpen(): void;
  onEvent(event: UpstreamEvent): void;
  /** A frame that is not a JSON event with a type. */
  onMalformed(reason: string): void;
  /** Called once, unless `close()` came first; no handler is called after it. */
  onEnd(end: UpstreamEnd): void;
}

export interface ConnectionSettings {
  /** The WebSocket handshake's budget. */
  readonly handshakeTimeoutMs: number;
  /** Ping interval once open; a ping unanswered by the next one ends the connection. */
  readonly heartbeatIntervalMs: number;
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
  private heartbeat: Heartbeat | undefined;
  private readonly scrubber: UpstreamScrubber;

  constructor(config: UpstreamConfig, settings: ConnectionSettings, private readonly handlers: UpstreamHandlers) {
    this.scrubber = createUpstreamScrubber(config.headers);
    this.socket = new WebSocket(upstreamUrl(config), {
      headers: { ...config.headers },
      perMessageDeflate: false,
      // The upstream is a trusted peer whose text is only searched and JSON-parsed: skip ws's per-frame UTF-8 check.
      skipUTF8Validation: true,
      handshakeTimeout: settings.handshakeTimeoutMs,
      maxPayload: MAX_UPSTREAM_FRAME_BYTES,
    });
    this.socket.on('open', () => {
      this.opened = true;
      this.heartbeat = new Heartbeat(settings.heartbeatIntervalMs, {
        ping: () => this.socket.ping(),
        gone: () => {
          this.socket.terminate();
          this.end({ kind: 'unanswered' });
        },
      });
      this.handlers.onOpen();
    });
    this.socket.on('pong', () => this.heartbeat?.answered());
    this.socket.on('message', (data: Buffer, isBinary) => {
      if (this.finished) return;
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
      this.end({ kind: 'failed', failure: classifyStatus(status) });
      this.socket.terminate();
    });
    this.socket.on('error', (error: Error & { code?: string }) => {
      if (!this.opened) this.end({ kind: 'failed', failure: { kind: 'unavailable', message: describeSocketError(error) } });
    });
    this.socket.on('close', (code, reason) => {
      this.heartbeat?.stop();
      if (!this.opened) this.end({ kind: 'failed', failure: { kind: 'unavailable', message: `closed during the handshake (${code})` } });
      else this.end({ kind: 'closed', code, reason: this.scrubber.text(reason.toString('utf8')) });
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
  send(event: UpstreamRequest): void {
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

  /** Closes the socket (idempotent) and stops the heartbeat; no further handler is called. */
  close(code = 1000, reason = ''): void {
    this.finished = true;
    this.heartbeat?.stop();
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close(code, reason);
    else if (this.socket.readyState === WebSocket.CONNECTING) this.socket.terminate();
  }

  private end(end: UpstreamEnd): void {
    if (this.finished) return;
    this.finished = true;
    this.heartbeat?.stop();
    this.handlers.onEnd(end);
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
