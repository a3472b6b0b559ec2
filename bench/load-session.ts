/**
 * One benchmark client session, on any path:
 * - `proxy`: the client protocol (binary PCM16 at the client rate up and down, JSON events);
 * - `direct`: the upstream protocol straight to the emulator (append JSON with base64 up, delta JSON down);
 * - `relay`: the upstream protocol through the bare relay (bench/bare-relay.ts) to the emulator.
 *
 * Two loads: `echo` (every frame comes back as one delta: matched frame by frame, below) and `conversation` (frames
 * are only sent; every turn ends with a commit and the emulator answers with a burst of reply deltas, matched and
 * timed by reply-tracker.ts).
 *
 * Frame matching: every frame carries a sequence marker (frames.ts). On the direct path and through the proxy at
 * 24 kHz the bytes come back unchanged, so the marker identifies each echoed frame exactly. Through the proxy at
 * any other rate the resamplers change the samples, so frames are matched by count: one binary frame in → one
 * append → one delta → one binary frame out, hence the k-th frame out answers the k-th frame in (the first one is
 * shorter by the resamplers' look-ahead; a 20 ms frame always yields a non-empty output, so no frame is skipped).
 * Loss is then a count shortfall after the drain; reordering cannot be seen and is reported as 0.
 */
import WebSocket from 'ws';
import { appendEvent, appendTemplate, deltaSequence, frameBytes, readMarker, toneFrame, UPSTREAM_RATE, writeMarker, type AppendTemplate } from './frames.js';
import { ReplyTracker, type ConversationSpec } from './reply-tracker.js';
import { record } from './stats.js';
import { newTally, recordLatency, type StreamTally } from './tally.js';

export type Target = 'proxy' | 'direct' | 'relay';

export interface SessionSpec {
  readonly target: Target;
  /** `ws://127.0.0.1:PORT/` (proxy) or `ws://127.0.0.1:PORT/v1/realtime?model=...` (direct). */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Client PCM16 rate (proxy path); the direct and relay paths always speak 24 kHz. */
  readonly rate: number;
  readonly frameMs: number;
  /** The conversation-shaped load; absent: the echo load. */
  readonly conversation?: ConversationSpec;
}

/** Zero mask: the generator skips masking work; the receiver unmasks exactly as it would with a random key. */
const zeroMask = (mask: Buffer): void => {
  mask.fill(0);
};

function bump<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

export class LoadSession {
  private readonly socket: WebSocket;
  readonly ready: Promise<void>;
  private readonly binaryTemplate: Buffer | undefined;
  private readonly jsonTemplate: AppendTemplate | undefined;
  private readonly binaryBytes: number;
  /** Byte-exact echo: the marker identifies frames (else frames are matched by count). */
  readonly exact: boolean;
  /** Phase offset of this session's frames within the frame period (ms). */
  offsetMs = 0;
  /** Conversation load: when this session's first commit is due after the start (ms), then every turn. */
  turnOffsetMs = 0;
  /** Conversation load: commits sent in this stream. */
  commitsSent = 0;
  private readonly replies: ReplyTracker | undefined;
  closedEarly: string | undefined;
  private closedByUs = false;
  private readonly closed: Promise<void>;

  // Per-stream state (reset by `begin`).
  private tally: StreamTally = newTally();
  private sendTimes = new Float64Array(0);
  private seen = new Uint8Array(0);
  private frames = 0;
  private warmupFrames = 0;
  private windowStartMs = 0;
  nextSeq = 0;
  private received = 0;
  private uniqueReceived = 0;
  private highestSeq = -1;
  private streaming = false;

  constructor(private readonly spec: SessionSpec) {
    this.exact = spec.target !== 'proxy' || spec.rate === UPSTREAM_RATE;
    this.replies = spec.conversation === undefined ? undefined : new ReplyTracker(spec.conversation);
    if (spec.target === 'proxy') {
      this.binaryTemplate = toneFrame(spec.rate, spec.frameMs);
      this.binaryBytes = frameBytes(spec.rate, spec.frameMs);
    } else {
      this.jsonTemplate = appendTemplate(spec.frameMs);
      this.binaryBytes = 0;
    }
    this.socket = new WebSocket(spec.url, {
      headers: { ...spec.headers },
      perMessageDeflate: false,
      generateMask: zeroMask,
      maxPayload: 16 * 1024 * 1024,
    });
    let markReady: () => void = () => undefined;
    let markFailed: (error: Error) => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      markFailed = reject;
    });
    this.ready.catch(() => undefined);
    this.socket.on('message', (data: Buffer, isBinary) => {
      const now = performance.now();
      if (spec.target === 'proxy') {
        if (!isBinary) this.onProxyText(data, markReady);
        else if (this.replies !== undefined) this.onReply(now, this.exact ? readMarker(data) : undefined);
        else this.onEcho(now, this.exact ? readMarker(data) : this.received, data.length);
      } else {
        const seq = deltaSequence(data);
        if (seq === -2) this.onUpstreamText(data, markReady);
        else if (this.replies !== undefined) this.onReply(now, seq);
        else this.onEcho(now, seq, 0);
      }
    });
    this.socket.on('error', (error) => markFailed(error));
    this.closed = new Promise<void>((resolve) => {
      this.socket.on('close', (code, reason) => {
        if (!this.closedByUs) this.closedEarly = `${code} ${reason.toString()}`;
        markFailed(new Error(`closed before ready: ${code} ${reason.toString()}`));
        resolve();
      });
    });
  }

  /** Prepares a stream of `frames` frames, sharing `tally` with the other sessions of this process. */
  begin(tally: StreamTally, frames: number, warmupFrames: number, windowStartMs: number): void {
    this.tally = tally;
    this.frames = frames;
    this.warmupFrames = warmupFrames;
    this.windowStartMs = windowStartMs;
    this.sendTimes = new Float64Array(frames);
    this.seen = new Uint8Array(frames);
    this.nextSeq = 0;
    this.received = 0;
    this.uniqueReceived = 0;
    this.highestSeq = -1;
    this.commitsSent = 0;
    this.replies?.begin(windowStartMs);
    this.streaming = true;
  }

  /** Conversation load: ends the user's turn (the proxy's `commit`; commit + response.create upstream). */
  sendCommit(): void {
    this.commitsSent += 1;
    if (this.socket.readyState !== WebSocket.OPEN || this.replies === undefined) return;
    if (this.spec.target === 'proxy') {
      this.socket.send('{"type":"commit"}');
    } else {
      this.socket.send('{"type":"input_audio_buffer.commit"}');
      this.socket.send('{"type":"response.create"}');
    }
    this.replies.onCommit(performance.now());
  }

  /** Sends frame `nextSeq`, due at `dueMs` (performance time). */
  sendNext(dueMs: number): void {
    const seq = this.nextSeq++;
    if (this.socket.readyState !== WebSocket.OPEN) return;
    if (this.binaryTemplate !== undefined) {
      const frame = Buffer.allocUnsafe(this.binaryBytes);
      this.binaryTemplate.copy(frame);
      writeMarker(frame, seq);
      const now = performance.now();
      this.sendTimes[seq] = now;
      record(this.tally.lag, now - dueMs);
      this.socket.send(frame, { binary: true });
    } else if (this.jsonTemplate !== undefined) {
      const text = appendEvent(this.jsonTemplate, seq);
      const now = performance.now();
      this.sendTimes[seq] = now;
      record(this.tally.lag, now - dueMs);
      this.socket.send(text);
    }
  }

  /** All frames of the stream (conversation: all reply deltas requested) have come back. */
  get complete(): boolean {
    if (this.replies !== undefined) return this.replies.complete;
    return this.exact ? this.uniqueReceived >= this.frames : this.received >= this.frames;
  }

  /** Ends the stream; returns frames sent and received (unique); for the conversation load, reply deltas. */
  end(): { sent: number; received: number } {
    this.streaming = false;
    if (this.replies !== undefined) return { sent: this.replies.expected, received: this.replies.received };
    return { sent: this.nextSeq, received: this.exact ? this.uniqueReceived : Math.min(this.received, this.frames) };
  }

  private onReply(now: number, marker: number | undefined): void {
    if (this.streaming) this.replies?.onFrame(now, marker, this.tally);
  }

  private onEcho(now: number, seq: number, bytes: number): void {
    if (!this.streaming) return;
    const tally = this.tally;
    const index = this.received++;
    if (bytes > 0) bump(index === 0 ? tally.firstFrameSizes : tally.frameSizes, bytes);
    if (seq < 0) {
      tally.unmarked += 1;
      return;
    }
    if (seq >= this.nextSeq || seq >= this.frames) {
      tally.extra += 1;
      return;
    }
    if (this.seen[seq] === 1) {
      tally.duplicates += 1;
      return;
    }
    this.seen[seq] = 1;
    this.uniqueReceived += 1;
    if (seq < this.highestSeq) tally.reordered += 1;
    else this.highestSeq = seq;
    if (seq < this.warmupFrames) return;
    recordLatency(tally, this.sendTimes[seq] as number, now, this.windowStartMs);
  }

  private onProxyText(data: Buffer, markReady: () => void): void {
    let message: { type?: unknown; name?: unknown; code?: unknown; message?: unknown };
    try {
      message = JSON.parse(data.toString('utf8')) as typeof message;
    } catch {
      this.note('malformed text frame');
      return;
    }
    const key = message.type === 'event' ? String(message.name) : String(message.type);
    bump(this.tally.events, key);
    if (message.type === 'event' && message.name === 'AIConnected') markReady();
    if (message.type === 'error') this.note(`error ${String(message.code)}: ${String(message.message)}`);
  }

  private onUpstreamText(data: Buffer, markReady: () => void): void {
    let event: { type?: unknown; error?: { code?: unknown; message?: unknown } };
    try {
      event = JSON.parse(data.toString('utf8')) as typeof event;
    } catch {
      this.note('malformed text frame');
      return;
    }
    bump(this.tally.events, String(event.type));
    if (event.type === 'session.created') markReady();
    if (event.type === 'error') this.note(`error ${String(event.error?.code)}: ${String(event.error?.message)}`);
  }

  private note(problem: string): void {
    if (this.tally.errors.length < 20) this.tally.errors.push(problem);
  }

  /** Closes the socket; resolves once closed (terminates after `timeoutMs`). */
  async close(timeoutMs = 5000): Promise<void> {
    this.closedByUs = true;
    if (this.socket.readyState === WebSocket.CONNECTING) this.socket.terminate();
    else if (this.socket.readyState === WebSocket.OPEN) this.socket.close(1000);
    const timer = setTimeout(() => this.socket.terminate(), timeoutMs);
    await this.closed;
    clearTimeout(timer);
  }
}
