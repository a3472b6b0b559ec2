/**
 * A phone call as Twilio streams it, for tests and smoke runs (`npm run call:twilio`): a WebSocket client that sends
 * what Twilio sends on a bidirectional `<Connect><Stream>` and plays back what it receives the way Twilio does.
 * Message shapes follow Twilio's "Media Streams - WebSocket Messages"
 * (https://www.twilio.com/docs/voice/media-streams/websocket-messages): `connected`, `start`, `media` (base64 μ-law
 * 8 kHz, string `sequenceNumber`, `chunk` and `timestamp`), `dtmf`, `stop`; and back from the server `media`, `mark`
 * and `clear`. Playback is simulated in real time (8 bytes of μ-law per ms, scaled by `playbackSpeed`): a `mark` is
 * echoed once the audio queued before it has played, and `clear` drops the queued audio and echoes its pending marks
 * at once, as Twilio does. The upgrade is signed like Twilio's (`X-Twilio-Signature`) when given an auth token.
 */
import WebSocket from 'ws';
import { twilioSignature } from '../telephony/twilio-signature.js';

/** A message the server sent, as received (JSON), with when it arrived. */
export interface ReceivedTwilioMessage {
  readonly at: number;
  readonly event: string;
  readonly streamSid?: string;
  readonly media?: { readonly payload: string };
  readonly mark?: { readonly name: string };
}

export interface CallOptions {
  /** The account's auth token: the upgrade carries Twilio's signature of `signedUrl` (default: the URL connected to). */
  readonly authToken?: string;
  /** The URL Twilio was given (behind TLS termination it differs from the one connected to). */
  readonly signedUrl?: string;
  /** A signature to send as is (e.g. a wrong one). */
  readonly signature?: string;
  /** Playback speed: 1 is real time, as on a phone. */
  readonly playbackSpeed?: number;
}

export interface StartOptions {
  readonly customParameters?: Readonly<Record<string, string>>;
  /** Default: μ-law 8 kHz mono, the only format Twilio streams. */
  readonly mediaFormat?: { readonly encoding: string; readonly sampleRate: number; readonly channels: number };
}

/** One μ-law frame as Twilio sends it: 20 ms. */
const TWILIO_FRAME_BYTES = 160;
const BYTES_PER_MS = 8;
const PLAYBACK_TICK_MS = 10;

type Queued = { readonly kind: 'audio'; remaining: number } | { readonly kind: 'mark'; readonly name: string };

export class TwilioCaller {
  readonly streamSid = `MZ${randomHex(32)}`;
  readonly callSid = `CA${randomHex(32)}`;
  readonly accountSid = `AC${randomHex(32)}`;
  readonly received: ReceivedTwilioMessage[] = [];
  /** Names of the marks echoed back, in order, each with the bytes played when it was. */
  readonly echoedMarks: { readonly name: string; readonly playedBytes: number; readonly cleared: boolean }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Bytes of the server's audio played to the "caller" so far. */
  playedBytes = 0;
  private sequenceNumber = 0;
  private chunk = 0;
  private readonly queue: Queued[] = [];
  private readonly timer: NodeJS.Timeout;
  private lastTick = performance.now();
  private waiters = new Set<() => void>();

  private constructor(
    readonly socket: WebSocket,
    private readonly playbackSpeed: number,
  ) {
    socket.on('message', (data: Buffer) => this.onMessage(data.toString('utf8')));
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        clearInterval(this.timer);
        resolve({ code, reason: reason.toString('utf8') });
        this.notify();
      });
    });
    this.timer = setInterval(() => this.play(), PLAYBACK_TICK_MS);
    this.timer.unref();
  }

  /** Opens the stream's WebSocket (rejects with the HTTP status when the upgrade is refused). */
  static async connect(url: string, options: CallOptions = {}): Promise<TwilioCaller> {
    const headers: Record<string, string> = {};
    if (options.signature !== undefined) headers['X-Twilio-Signature'] = options.signature;
    else if (options.authToken !== undefined) headers['X-Twilio-Signature'] = twilioSignature(options.authToken, options.signedUrl ?? url);
    const socket = new WebSocket(url, { headers, perMessageDeflate: false });
    const caller = new TwilioCaller(socket, options.playbackSpeed ?? 1);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_request, response) => {
        reject(new Error(`upgrade refused: ${response.statusCode ?? 0}`));
        response.resume();
      });
      socket.once('error', reject);
    });
    return caller;
  }

  /** `connected`, then `start`: what Twilio sends as soon as the WebSocket is open. */
  start(options: StartOptions = {}): void {
    this.send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    this.send({
      event: 'start',
      sequenceNumber: this.nextSequence(),
      start: {
        accountSid: this.accountSid,
        streamSid: this.streamSid,
        callSid: this.callSid,
        tracks: ['inbound'],
        mediaFormat: options.mediaFormat ?? { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
        customParameters: options.customParameters ?? {},
      },
      streamSid: this.streamSid,
    });
  }

  /** One `media` message of the caller's audio (μ-law bytes, normally 20 ms). */
  sendMedia(mulaw: Buffer): void {
    this.chunk += 1;
    this.send({
      event: 'media',
      sequenceNumber: this.nextSequence(),
      media: { track: 'inbound', chunk: String(this.chunk), timestamp: String((this.chunk - 1) * 20), payload: mulaw.toString('base64') },
      streamSid: this.streamSid,
    });
  }

  /** Streams μ-law in 20 ms `media` messages, `paceMs` apart (20: real time). */
  async stream(mulaw: Buffer, paceMs = 20): Promise<void> {
    for (let at = 0; at < mulaw.length; at += TWILIO_FRAME_BYTES) {
      if (this.socket.readyState !== WebSocket.OPEN) return;
      this.sendMedia(mulaw.subarray(at, at + TWILIO_FRAME_BYTES));
      if (paceMs > 0) await new Promise((resolve) => setTimeout(resolve, paceMs));
    }
  }

  /** A key press on the caller's keypad. */
  sendDtmf(digit: string): void {
    this.send({ event: 'dtmf', streamSid: this.streamSid, sequenceNumber: this.nextSequence(), dtmf: { track: 'inbound_track', digit } });
  }

  /** The caller hangs up: `stop`, then Twilio closes the socket. */
  async hangUp(): Promise<void> {
    this.send({ event: 'stop', sequenceNumber: this.nextSequence(), stop: { accountSid: this.accountSid, callSid: this.callSid }, streamSid: this.streamSid });
    this.socket.close(1000);
    await this.closed;
  }

  /** Every `media` payload received, decoded and joined. */
  receivedAudio(from = 0): Buffer {
    return Buffer.concat(this.received.slice(from).flatMap((m) => (m.event === 'media' && m.media ? [Buffer.from(m.media.payload, 'base64')] : [])));
  }

  /**
   * Resolves with `probe()`'s first truthy value, checked on every message and every 25 ms (it may watch something
   * else than this call); rejects after `timeoutMs`.
   */
  async waitUntil<T>(probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timeout);
        clearInterval(poll);
        this.waiters.delete(check);
      };
      const check = (): void => {
        const value = probe();
        if (value === undefined || value === false) return;
        done();
        resolve(value);
      };
      const timeout = setTimeout(() => {
        done();
        reject(new Error(`condition not met in ${timeoutMs} ms`));
      }, timeoutMs);
      const poll = setInterval(check, 25);
      this.waiters.add(check);
      check();
    });
  }

  close(): void {
    clearInterval(this.timer);
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.terminate();
  }

  private onMessage(text: string): void {
    const message = { at: performance.now(), ...(JSON.parse(text) as Omit<ReceivedTwilioMessage, 'at'>) };
    this.received.push(message);
    if (message.event === 'media' && message.media) {
      this.queue.push({ kind: 'audio', remaining: Buffer.byteLength(message.media.payload, 'base64') });
    } else if (message.event === 'mark' && message.mark) {
      this.queue.push({ kind: 'mark', name: message.mark.name });
      this.play();
    } else if (message.event === 'clear') {
      // Twilio drops what it has not played, and sends back the marks that were waiting behind it.
      for (const item of this.queue.splice(0)) if (item.kind === 'mark') this.echoMark(item.name, true);
    }
    this.notify();
  }

  /** Plays the queued audio for the time since the last tick; echoes each mark it reaches. */
  private play(): void {
    const now = performance.now();
    let budget = Math.floor((now - this.lastTick) * BYTES_PER_MS * this.playbackSpeed);
    this.lastTick = now;
    while (this.queue.length > 0) {
      const head = this.queue[0];
      if (head === undefined) break;
      if (head.kind === 'mark') {
        this.queue.shift();
        this.echoMark(head.name, false);
        continue;
      }
      const played = Math.min(budget, head.remaining);
      head.remaining -= played;
      budget -= played;
      this.playedBytes += played;
      if (head.remaining > 0) break;
      this.queue.shift();
    }
  }

  private echoMark(name: string, cleared: boolean): void {
    this.echoedMarks.push({ name, playedBytes: this.playedBytes, cleared });
    this.send({ event: 'mark', sequenceNumber: this.nextSequence(), streamSid: this.streamSid, mark: { name } });
  }

  private send(message: Record<string, unknown>): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private nextSequence(): string {
    this.sequenceNumber += 1;
    return String(this.sequenceNumber);
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

function randomHex(length: number): string {
  let hex = '';
  while (hex.length < length) hex += Math.floor(Math.random() * 16).toString(16);
  return hex;
}
