/**
 * What a client sends before its upstream session is ready: audio (already converted, bounded by
 * PREOPEN_BUFFER_MS of client audio) and control messages, kept in arrival order and replayed once ready.
 */
import type { ClientMessage } from '../ws/client-messages.js';

export type PendingInput =
  | { readonly kind: 'audio'; readonly data: Buffer }
  | { readonly kind: 'message'; readonly message: ClientMessage }
  /** A client `config` that arrived after the first session.update was sent: send another once ready. */
  | { readonly kind: 'session_update' };

export class PreopenQueue {
  private items: PendingInput[] = [];
  private heldMs = 0;

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

  holdMessage(message: ClientMessage): void {
    this.items.push({ kind: 'message', message });
  }

  holdSessionUpdate(): void {
    this.items.push({ kind: 'session_update' });
  }

  get hasSessionUpdate(): boolean {
    return this.items.some((item) => item.kind === 'session_update');
  }

  /** Everything held, in order; the queue is empty afterwards. */
  takeAll(): PendingInput[] {
    const items = this.items;
    this.items = [];
    this.heldMs = 0;
    return items;
  }
}
