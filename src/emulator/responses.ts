/**
 * One model response, streamed with the GA event sequence: `response.created` (and `rate_limits.updated`) →
 * after the model's think time `response.output_item.added` → `conversation.item.added` →
 * `response.content_part.added` → audio (or text) deltas with transcript deltas trailing the audio → the `.done`
 * events → `response.done`. Audio is paced `audioPace` times faster than real time, `chunkMs` of audio per delta.
 * A cancel takes effect after `cancelLatencyMs`, as the real one does; a planned fault ends it `failed` or
 * `incomplete` instead.
 */
import type { ResponseFault } from './behaviour.js';
import { RESPONSE_CREATED_MS } from './behaviour.js';
import type { ConversationEntry, WireItem } from './conversation.js';
import { upstreamBytesPerMs, upstreamBytesPerSample } from '../audio/upstream-formats.js';
import { faultDetails, rateLimits, responseObject, usage, zeroUsage } from './response-objects.js';
import type { CancelReason, ResponsePlan, ResponseStatus, StatusDetails } from './response-objects.js';

export type { CancelReason, ResponseStatus };

export interface ResponseHost {
  emit(type: string, fields: Record<string, unknown>): void;
  /** Adds the assistant item to the conversation; returns `previous_item_id`. */
  addItem(entry: ConversationEntry): string | null;
  /** After each audio delta, with the number sent so far in this response. */
  onAudioDelta(response: ResponseRunner, deltas: number): void;
  onFinished(response: ResponseRunner, status: ResponseStatus): void;
  /** Bytes queued on the socket, to pause rather than pile up audio on a slow reader. */
  bufferedAmount(): number;
}

export interface Pacing {
  audioPace: number;
  chunkMs: number;
}

/** The session behaviour one response follows, fixed when it starts. */
export interface ResponseTiming {
  modelLatencyMs: number;
  cancelLatencyMs: number;
  transcriptLagMs: number;
  rateLimits: boolean;
  fault: ResponseFault | undefined;
}

const HIGH_WATER_BYTES = 2 * 1024 * 1024;
const BACKOFF_MS = 10;
/** Deltas an `incomplete` fault lets through before it cuts the response. */
const DEFAULT_INCOMPLETE_AFTER = 3;

/** Word pieces as the service streams them: "I", " heard", " 1.2", … */
export function wordPieces(text: string): string[] {
  return text.split(' ').map((word, i) => (i === 0 ? word : ` ${word}`));
}

export class ResponseRunner {
  /** `thinking` until the first output item, `streaming` until `response.done`. */
  private state: 'thinking' | 'streaming' | 'done' = 'thinking';
  private created = false;
  private stopTimer: (() => void) | null = null;
  private cancelTimer: NodeJS.Timeout | null = null;
  private cancelReason: CancelReason | null = null;
  private readonly pieces: string[];
  private piecesSent = 0;
  private deltas = 0;
  private sentBytes = 0;
  private previousItemId: string | null = null;
  private readonly entry: ConversationEntry;
  private readonly audioOut: boolean;

  constructor(
    private readonly plan: ResponsePlan,
    private readonly host: ResponseHost,
    private readonly pacing: Pacing,
    private readonly timing: ResponseTiming,
  ) {
    this.pieces = wordPieces(plan.text);
    this.audioOut = plan.modalities.includes('audio');
    const wire: WireItem = { id: plan.itemId, object: 'realtime.item', type: 'message', status: 'in_progress', role: 'assistant', content: [] };
    this.entry = { id: plan.itemId, role: 'assistant', wire, sentAudioMs: 0, hasAudio: this.audioOut };
  }

  get id(): string {
    return this.plan.id;
  }

  get active(): boolean {
    return this.state !== 'done';
  }

  /** True while the assistant item of this response is still being generated (it exists and is not done). */
  isLiveItem(itemId: string): boolean {
    return this.state === 'streaming' && itemId === this.plan.itemId;
  }

  /** `response.created` now (with no think time) or shortly, the output after the think time. */
  start(): void {
    const latency = this.timing.modelLatencyMs;
    if (latency <= 0) {
      this.announce();
      this.afterThinking();
      return;
    }
    const createdAt = Math.min(RESPONSE_CREATED_MS, latency);
    this.schedule(() => {
      this.announce();
      this.schedule(() => this.afterThinking(), latency - createdAt);
    }, createdAt);
  }

  /** Asks the response to stop; it ends `cancelled` after the cancel latency (deltas keep flowing meanwhile). */
  cancel(reason: CancelReason): void {
    if (this.state === 'done' || this.cancelReason !== null) return;
    this.cancelReason = reason;
    if (this.timing.cancelLatencyMs <= 0) {
      this.finish('cancelled', { type: 'cancelled', reason });
      return;
    }
    this.cancelTimer = setTimeout(() => this.finish('cancelled', { type: 'cancelled', reason }), this.timing.cancelLatencyMs);
  }

  /** Stops without sending anything more (the socket is closing). */
  abort(): void {
    this.state = 'done';
    this.stopTimers();
  }

  private announce(): void {
    this.created = true;
    this.host.emit('response.created', { response: responseObject(this.plan, 'in_progress', null, [], null) });
    if (this.timing.rateLimits) this.host.emit('rate_limits.updated', { rate_limits: rateLimits(this.plan) });
  }

  private afterThinking(): void {
    const fault = this.timing.fault;
    if (fault?.status === 'failed') {
      this.finish('failed', faultDetails(fault, this.plan.model));
      return;
    }
    this.beginOutput();
  }

  private beginOutput(): void {
    const { plan, host } = this;
    this.state = 'streaming';
    host.emit('response.output_item.added', { response_id: plan.id, output_index: 0, item: this.entry.wire });
    if (plan.conversationId !== null) {
      this.previousItemId = host.addItem(this.entry);
      host.emit('conversation.item.added', { previous_item_id: this.previousItemId, item: this.entry.wire });
    }
    const part = this.audioOut ? { type: 'audio', transcript: '' } : { type: 'text', text: '' };
    host.emit('response.content_part.added', { ...this.where(), part });
    if (!this.audioOut) {
      this.schedule(() => this.streamText(), 0);
      return;
    }
    plan.audio.then(
      (audio) => this.schedule(() => this.streamAudio(audio, Date.now(), 0), 0),
      () => this.finish('completed', null),
    );
  }

  private where(): Record<string, unknown> {
    return { response_id: this.plan.id, item_id: this.plan.itemId, output_index: 0, content_index: 0 };
  }

  private schedule(step: () => void, delayMs: number): void {
    if (this.state === 'done') return;
    if (delayMs > 0) {
      const timer = setTimeout(step, delayMs);
      this.stopTimer = () => clearTimeout(timer);
    } else {
      const immediate = setImmediate(step);
      this.stopTimer = () => clearImmediate(immediate);
    }
  }

  private stopTimers(): void {
    this.stopTimer?.();
    if (this.cancelTimer !== null) clearTimeout(this.cancelTimer);
  }

  private intervalMs(): number {
    return this.pacing.chunkMs / this.pacing.audioPace;
  }

  /** The `incomplete` fault's reason once it has let its deltas through, else null. */
  private cutShort(sent: number): StatusDetails {
    const fault = this.timing.fault;
    if (fault?.status !== 'incomplete' || sent < (fault.afterDeltas ?? DEFAULT_INCOMPLETE_AFTER)) return null;
    return faultDetails(fault, this.plan.model);
  }

  private streamAudio(audio: Buffer, startedAt: number, chunk: number): void {
    if (this.state !== 'streaming') return;
    if (this.host.bufferedAmount() > HIGH_WATER_BYTES) {
      this.schedule(() => this.streamAudio(audio, startedAt + BACKOFF_MS, chunk), BACKOFF_MS);
      return;
    }
    const format = this.plan.outputFormat;
    const sample = upstreamBytesPerSample(format);
    const chunkBytes = Math.max(sample, Math.round((this.pacing.chunkMs * upstreamBytesPerMs(format)) / sample) * sample);
    const chunks = Math.ceil(audio.length / chunkBytes);
    const cut = this.cutShort(chunk);
    if (cut !== null) return this.finish('incomplete', cut);
    if (chunk >= chunks) {
      this.sendPieces(this.pieces.length);
      this.finish('completed', null);
      return;
    }
    const lag = this.timing.transcriptLagMs;
    // Without lag each piece precedes its audio; with lag it follows the audio it describes by `lag` ms.
    if (lag <= 0) this.sendPieces(Math.ceil(((chunk + 1) * this.pieces.length) / chunks));
    const bytes = audio.subarray(chunk * chunkBytes, (chunk + 1) * chunkBytes);
    this.host.emit('response.output_audio.delta', { ...this.where(), delta: bytes.toString('base64') });
    this.sentBytes += bytes.length;
    this.entry.sentAudioMs = this.sentBytes / upstreamBytesPerMs(format);
    if (lag > 0) {
      const describedMs = Math.max(0, this.entry.sentAudioMs - lag);
      this.sendPieces(Math.floor((describedMs * upstreamBytesPerMs(format) * this.pieces.length) / audio.length));
    }
    this.host.onAudioDelta(this, ++this.deltas);
    const due = startedAt + (chunk + 1) * this.intervalMs();
    this.schedule(() => this.streamAudio(audio, startedAt, chunk + 1), due - Date.now());
  }

  private streamText(): void {
    if (this.state !== 'streaming') return;
    const cut = this.cutShort(this.piecesSent);
    if (cut !== null) return this.finish('incomplete', cut);
    if (this.piecesSent >= this.pieces.length) {
      this.finish('completed', null);
      return;
    }
    this.sendPieces(this.piecesSent + 1);
    this.schedule(() => this.streamText(), this.intervalMs());
  }

  /** Sends transcript (or text) pieces up to index `upTo`. */
  private sendPieces(upTo: number): void {
    const type = this.audioOut ? 'response.output_audio_transcript.delta' : 'response.output_text.delta';
    while (this.piecesSent < Math.min(upTo, this.pieces.length)) {
      this.host.emit(type, { ...this.where(), delta: this.pieces[this.piecesSent++] });
    }
  }

  private finish(status: ResponseStatus, details: StatusDetails): void {
    if (this.state === 'done') return;
    // A cancel that was asked for wins over a natural end that came first.
    if (this.cancelReason !== null && status === 'completed') {
      status = 'cancelled';
      details = { type: 'cancelled', reason: this.cancelReason };
    }
    const hadOutput = this.state === 'streaming';
    this.state = 'done';
    this.stopTimers();
    const { host } = this;
    if (!this.created) this.announce();
    const output = hadOutput ? [this.closeItem(status)] : [];
    const text = this.pieces.slice(0, this.piecesSent).join('');
    const used = status === 'failed' ? zeroUsage() : usage(this.plan, text, this.entry.sentAudioMs ?? 0);
    host.emit('response.done', { response: responseObject(this.plan, status, details, output, used) });
    host.onFinished(this, status);
  }

  /** The `.done` events of the content part and the item; returns the final item. */
  private closeItem(status: ResponseStatus): WireItem {
    const { host } = this;
    const text = this.pieces.slice(0, this.piecesSent).join('');
    let content: Record<string, unknown>;
    if (this.audioOut) {
      host.emit('response.output_audio.done', this.where());
      host.emit('response.output_audio_transcript.done', { ...this.where(), transcript: text });
      host.emit('response.content_part.done', { ...this.where(), part: { type: 'audio', transcript: text } });
      content = { type: 'output_audio', transcript: text };
    } else {
      host.emit('response.output_text.done', { ...this.where(), text });
      host.emit('response.content_part.done', { ...this.where(), part: { type: 'text', text } });
      content = { type: 'output_text', text };
    }
    const item: WireItem = { ...this.entry.wire, status: status === 'completed' ? 'completed' : 'incomplete', content: [content] };
    this.entry.wire = item;
    host.emit('response.output_item.done', { response_id: this.plan.id, output_index: 0, item });
    if (this.plan.conversationId !== null) host.emit('conversation.item.done', { previous_item_id: this.previousItemId, item });
    return item;
  }
}
