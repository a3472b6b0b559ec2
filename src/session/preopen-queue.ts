/**
 * What a client sends before its upstream session is ready, kept in arrival order and replayed once ready: audio
 * (already converted, bounded by PREOPEN_BUFFER_MS of client audio) and the control messages that act on the
 * conversation (bounded by PREOPEN_MAX_MESSAGES; without it only the rate limit would bound them: about 7 MB of
 * `text` over a slow upstream's 20 s connect). What does not fit is dropped, and the client is told once per queue.
 */
import type { ClientMessage } from '../ws/client-messages.js';

export type PendingInput =
  | { readonly kind: 'audio'; readonly data: Buffer }
  | { readonly kind: 'message'; readonly message: ClientMessage }
  /** A client `config` that arrived after the first session.update was sent: send another once ready. */
  | { readonly kind: 'session_update' };

/** Control messages held before the upstream is ready (`text`, `commit`, `clear`, `cancel`); more are dropped. */
export const PREOPEN_MAX_MESSAGES = 16;

export class PreopenQueue {
  private items: PendingInput[] = [];
  private heldMs = 0;
  private heldMessages = 0;
  private readonly told = new Set<'audio' | 'messages'>();

  constructor(private readonly limitMs: number) {}

  /**
   * Holds `ms` of client audio (`data` is its upstream form, possibly empty while a resampler fills); returns false,
   * holding nothing, when it would pass the limit.
   */
  holdAudio(data: Buffer, ms: number): boolean {
    if (this.heldMs + ms > this.limitMs) return false;
    this.heldMs += ms;
    if (data.length > 0) this.items.push({ kind: 'audio', data });
    return true;
  }

  /** Holds a control message; returns false, holding nothing, past PREOPEN_MAX_MESSAGES. */
  holdMessage(message: ClientMessage): boolean {
    if (this.heldMessages >= PREOPEN_MAX_MESSAGES) return false;
    this.heldMessages += 1;
    this.items.push({ kind: 'message', message });
    return true;
  }

  /** Holds the place of a session.update (tiny, and one per `config`, which the rate limit bounds). */
  holdSessionUpdate(): void {
    this.items.push({ kind: 'session_update' });
  }

  get hasSessionUpdate(): boolean {
    return this.items.some((item) => item.kind === 'session_update');
  }

  /** True the first time it is asked for `what`: the client is told of an overflow once. */
  firstOverflow(what: 'audio' | 'messages'): boolean {
    if (this.told.has(what)) return false;
    this.told.add(what);
    return true;
  }

  /** Everything held, in order; the queue is empty afterwards. */
  takeAll(): PendingInput[] {
    const items = this.items;
    this.items = [];
    this.heldMs = 0;
    this.heldMessages = 0;
    return items;
  }
}
