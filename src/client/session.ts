/**
 * One client conversation with the proxy, as a frontend would hold it: connect, wait for `AIConnected`, stream
 * PCM16 (or G.711, as a phone gateway would) in real time in fixed frames (then silence, so the server's VAD ends
 * the turn), optionally send a text message, wait for the responses to end, and close with 1000. Used by the CLI
 * and by tests.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import type { ClientErrorEvent, NamedEvent, ServerEvent, ServerEventName } from '../ws/server-events.js';
import { samplesToPcm16 } from './wav.js';

/**
 * A JSON message from the proxy: one of its events (docs/protocol.md; the proxy is trusted to send what it documents),
 * or a text frame that was not a JSON object with a `type`.
 */
export type ProxyMessage = ServerEvent | { readonly type: 'client.unparsable'; readonly text: string };

export type G711Law = 'g711_ulaw' | 'g711_alaw';

/**
 * Audio to stream: mono PCM16 at `rate` Hz (sent as `inputRate`), or G.711 bytes at 8000 Hz sent as they are
 * (`inputFormat` the law; the reply comes in the same law unless `outputRate` asks for PCM16).
 */
export type ClientAudio = { readonly samples: Int16Array; readonly rate: number } | { readonly law: G711Law; readonly bytes: Uint8Array };

export interface ClientSessionOptions {
  /** The proxy's WebSocket URL (`ws://host:port/`); query parameters already on it are kept. */
  readonly url: string;
  readonly audio?: ClientAudio;
  /** Sent after the audio's turn has been answered (or alone). */
  readonly text?: string;
  /** The reply's rate (`outputRate`); defaults to the input rate. */
  readonly outputRate?: number;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  readonly frameMs?: number;
  /** Silence streamed after the audio so the server's VAD hears the end of the turn. */
  readonly trailingSilenceMs?: number;
  readonly connectTimeoutMs?: number;
  /** How long to wait for the responses after the last input was sent. */
  readonly responseTimeoutMs?: number;
  readonly onMessage?: (message: ProxyMessage, atMs: number) => void;
  readonly onAudio?: (bytes: number, atMs: number) => void;
  /** Progress through the given audio (the trailing silence is not part of it). */
  readonly onProgress?: (sentMs: number, totalMs: number) => void;
  readonly signal?: AbortSignal;
}

export interface ClientSessionResult {
  /** True when no `error` event arrived, every expected response ended and the socket closed with 1000. */
  readonly ok: boolean;
  /** Why the session failed, in words (absent when `ok`). */
  readonly failure?: string;
  /** The close code, or undefined when the connection never opened. */
  readonly closeCode?: number;
  readonly closeReason: string;
  readonly messages: readonly ProxyMessage[];
  readonly errors: readonly ClientErrorEvent[];
  /** Number of `AIResponseEnd` events received. */
  readonly responses: number;
  /** All response audio received, in `outputFormat` (PCM16 little-endian, or G.711 bytes) at `outputRate`. */
  readonly replyAudio: Buffer;
  readonly inputRate: number;
  readonly outputFormat: 'pcm16' | G711Law;
  readonly outputRate: number;
  /** True once the WebSocket had opened (false: the connection itself failed). */
  readonly connected: boolean;
}

const DEFAULT_INPUT_RATE = 16000;

/** Runs one conversation; never throws for network or protocol failures (they end up in `failure`). */
export async function runClientSession(options: ClientSessionOptions): Promise<ClientSessionResult> {
  const audio = options.audio === undefined ? undefined : toStream(options.audio);
  const inputFormat = audio?.format ?? 'pcm16';
  const inputRate = audio?.rate ?? DEFAULT_INPUT_RATE;
  const outputFormat = inputFormat !== 'pcm16' && options.outputRate === undefined ? inputFormat : 'pcm16';
  const outputRate = options.outputRate ?? inputRate;
  const url = new URL(options.url);
  url.searchParams.set('inputFormat', inputFormat);
  url.searchParams.set('inputRate', String(inputRate));
  url.searchParams.set('outputFormat', outputFormat);
  url.searchParams.set('outputRate', String(outputRate));
  const conversation = new Conversation(url, options);
  let failure: string | undefined;
  try {
    await conversation.opened(options.connectTimeoutMs ?? 10_000);
    await conversation.waitFor('AIConnected', (m) => isEvent(m, 'AIConnected'), options.connectTimeoutMs ?? 10_000);
    const responseTimeoutMs = options.responseTimeoutMs ?? 30_000;
    if (audio) {
      const endsBefore = conversation.responseEnds;
      await conversation.streamAudio(audio);
      await conversation.waitForResponses(endsBefore, responseTimeoutMs);
    }
    if (options.text !== undefined) {
      const endsBefore = conversation.responseEnds;
      conversation.send({ type: 'text', text: options.text });
      await conversation.waitForResponses(endsBefore, responseTimeoutMs);
    }
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  }
  const close = await conversation.close();
  if (failure === undefined && conversation.errors.length > 0) {
    failure = `the proxy reported ${conversation.errors.map(describeError).join('; ')}`;
  }
  if (failure === undefined && close.code !== 1000) failure = `the connection closed with ${close.code}${close.reason ? ` (${close.reason})` : ''}`;
  return {
    ok: failure === undefined,
    ...(failure === undefined ? {} : { failure }),
    ...(close.code === undefined ? {} : { closeCode: close.code }),
    closeReason: close.reason,
    messages: conversation.messages,
    errors: conversation.errors,
    responses: conversation.responseEnds,
    replyAudio: Buffer.concat(conversation.audioChunks),
    inputRate,
    outputFormat,
    outputRate,
    connected: conversation.connected,
  };
}

/** Audio as the bytes to send: PCM16 little-endian, or G.711 as given. */
interface AudioStream {
  readonly format: 'pcm16' | G711Law;
  readonly rate: number;
  readonly bytes: Uint8Array;
  readonly bytesPerSample: number;
  /** One sample of silence in this format. */
  readonly silence: number;
}

/** G.711 codes for silence (the zero sample): μ-law 0xFF, A-law 0xD5. */
const G711_SILENCE: Record<G711Law, number> = { g711_ulaw: 0xff, g711_alaw: 0xd5 };

function toStream(audio: ClientAudio): AudioStream {
  if ('law' in audio) return { format: audio.law, rate: 8000, bytes: audio.bytes, bytesPerSample: 1, silence: G711_SILENCE[audio.law] };
  return { format: 'pcm16', rate: audio.rate, bytes: samplesToPcm16(audio.samples), bytesPerSample: 2, silence: 0 };
}

/** Whether `message` is the proxy event `name`. */
export function isEvent<N extends ServerEventName>(message: ProxyMessage, name: N): message is NamedEvent<N> {
  return message.type === 'event' && message.name === name;
}

/** `code: message` of an `error` event. */
export function describeError(error: ClientErrorEvent): string {
  return `${error.code}: ${error.message}`;
}

interface CloseInfo {
  readonly code: number | undefined;
  readonly reason: string;
}

/** The socket plus what has been received on it, with waits that fail fast when the socket closes. */
class Conversation {
  readonly messages: ProxyMessage[] = [];
  readonly errors: ClientErrorEvent[] = [];
  readonly audioChunks: Buffer[] = [];
  responseEnds = 0;
  private activeResponses = new Set<string>();
  private userSpeaking = false;
  private closeInfo: CloseInfo | undefined;
  private everOpened = false;
  private connectFailure: string | undefined;

  get connected(): boolean {
    return this.everOpened;
  }
  private readonly socket: WebSocket;
  private readonly startedAt = performance.now();
  private wake: () => void = () => undefined;

  constructor(
    url: URL,
    private readonly options: ClientSessionOptions,
  ) {
    const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
    this.socket = new WebSocket(url, { headers, perMessageDeflate: false });
    this.socket.on('open', () => {
      this.everOpened = true;
    });
    this.socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.onAudio(data);
      else this.onText(data);
      this.notify();
    });
    this.socket.on('unexpected-response', (_request, response) => {
      this.connectFailure = `the proxy refused the connection: HTTP ${response.statusCode ?? 0}`;
      response.resume();
      this.notify();
    });
    this.socket.on('error', (error) => {
      this.connectFailure ??= `connection failed: ${error.message}`;
      this.notify();
    });
    this.socket.on('close', (code, reason) => {
      this.closeInfo = { code, reason: reason.toString('utf8') };
      this.notify();
    });
  }

  private get elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  opened(timeoutMs: number): Promise<void> {
    return this.until('the connection to open', () => this.socket.readyState === WebSocket.OPEN, timeoutMs);
  }

  waitFor(what: string, predicate: (message: ProxyMessage) => boolean, timeoutMs: number): Promise<void> {
    return this.until(what, () => this.messages.some(predicate), timeoutMs);
  }

  /** Waits until a response ended after `endsBefore` and no response or user turn is still in progress. */
  waitForResponses(endsBefore: number, timeoutMs: number): Promise<void> {
    return this.until(
      'AIResponseEnd',
      () => this.responseEnds > endsBefore && this.activeResponses.size === 0 && !this.userSpeaking,
      timeoutMs,
    );
  }

  send(message: unknown): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  /** Sends the audio then trailing silence in frames of `frameMs`, paced by the clock (no drift). */
  async streamAudio(audio: AudioStream): Promise<void> {
    const { rate, bytesPerSample } = audio;
    const frameMs = this.options.frameMs ?? 20;
    const frameSamples = Math.max(1, Math.round((rate * frameMs) / 1000));
    const audioSamples = Math.floor(audio.bytes.byteLength / bytesPerSample);
    const silence = Buffer.alloc(frameSamples * bytesPerSample, audio.silence);
    const silenceSamples = Math.round((rate * (this.options.trailingSilenceMs ?? 1000)) / 1000);
    const totalSamples = audioSamples + silenceSamples;
    const audioMs = (audioSamples * 1000) / rate;
    const msPerFrame = (frameSamples * 1000) / rate;
    const start = performance.now();
    for (let frame = 0, sent = 0; sent < totalSamples; frame++) {
      this.throwIfClosed('streaming audio');
      const delay = start + frame * msPerFrame - performance.now();
      if (delay > 0) await sleep(delay, undefined, { signal: this.options.signal });
      const count = Math.min(frameSamples, totalSamples - sent);
      const fromAudio = Math.max(0, Math.min(count, audioSamples - sent));
      const head = audio.bytes.subarray(sent * bytesPerSample, (sent + fromAudio) * bytesPerSample);
      const chunk = fromAudio === count ? head : Buffer.concat([head, silence.subarray(0, (count - fromAudio) * bytesPerSample)]);
      this.socket.send(chunk, { binary: true });
      sent += count;
      // Progress is the given audio only: the trailing silence is not speech the user sent.
      if (fromAudio > 0) this.options.onProgress?.(((sent - count + fromAudio) * 1000) / rate, audioMs);
    }
  }

  /** Closes with 1000 (if still open) and resolves with how the socket closed. */
  async close(): Promise<CloseInfo> {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close(1000, 'done');
    if (this.socket.readyState === WebSocket.CONNECTING) this.socket.terminate();
    try {
      await this.until('the close handshake', () => this.closeInfo !== undefined || this.connectFailure !== undefined, 3000, false);
    } catch {
      this.socket.terminate();
    }
    return this.everOpened && this.closeInfo ? this.closeInfo : { code: undefined, reason: '' };
  }

  private onText(data: Buffer): void {
    const message = parseProxyMessage(data.toString('utf8'));
    this.messages.push(message);
    if (message.type === 'error') this.errors.push(message);
    if (isEvent(message, 'AIResponseStart')) this.activeResponses.add(message.responseId);
    if (isEvent(message, 'AIResponseEnd')) {
      this.activeResponses.delete(message.responseId);
      this.responseEnds++;
    }
    if (isEvent(message, 'AISpeechDetected')) this.userSpeaking = true;
    if (isEvent(message, 'AISpeechEnded')) this.userSpeaking = false;
    this.options.onMessage?.(message, this.elapsedMs);
  }

  private onAudio(data: Buffer): void {
    this.audioChunks.push(data);
    this.options.onAudio?.(data.length, this.elapsedMs);
  }

  private throwIfClosed(doing: string): void {
    if (this.connectFailure !== undefined) throw new Error(this.connectFailure);
    if (this.closeInfo) {
      const fatal = this.errors.find((e) => e.fatal === true);
      const why = fatal ? ` after ${describeError(fatal)}` : '';
      throw new Error(`the proxy closed the connection with ${this.closeInfo.code ?? '?'} while ${doing}${why}`);
    }
    this.options.signal?.throwIfAborted();
  }

  /** Resolves once `probe()` holds; rejects on timeout, or (when `failOnClose`) when the socket is gone. */
  private async until(what: string, probe: () => boolean, timeoutMs: number, failOnClose = true): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (probe()) return;
      if (failOnClose) this.throwIfClosed(`waiting for ${what}`);
      const remaining = deadline - performance.now();
      if (remaining <= 0) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(remaining, 250));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = () => undefined;
    wake();
  }
}

/** One text frame from the proxy, read; never throws. */
function parseProxyMessage(text: string): ProxyMessage {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && typeof (parsed as { type?: unknown }).type === 'string') {
      return parsed as ServerEvent;
    }
  } catch {
    // reported below
  }
  return { type: 'client.unparsable', text: text.slice(0, 200) };
}
