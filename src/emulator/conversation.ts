/** The conversation of one session: items in order, with what the emulator needs to answer them. */
import type { AudioFormat } from './types.js';

export type WireItem = Record<string, unknown> & { id: string };

export interface ConversationEntry {
  id: string;
  role: 'user' | 'assistant' | 'system' | 'other';
  /** The item as last sent to the client. */
  wire: WireItem;
  /** User text, for a text reply. */
  text?: string;
  /** Committed user audio in the input format it arrived in (kept for the latest audio item only). */
  audio?: Buffer;
  /** Format of `audio`. */
  audioFormat?: AudioFormat;
  /** Length of the user audio, ms. */
  audioMs?: number;
  /** Assistant audio already sent, ms: the bound for `conversation.item.truncate`. */
  sentAudioMs?: number;
  /** True for assistant items that carry audio (only those can be truncated). */
  hasAudio?: boolean;
  /** The simulated transcription of a user audio item, once made. */
  transcript?: string;
}

/** An item as a test inspects the conversation: its role and the words it carries (text, or a transcript). */
export interface HeldItem {
  readonly id: string;
  readonly role: ConversationEntry['role'];
  readonly text: string | null;
}

export class Conversation {
  private readonly entries = new Map<string, ConversationEntry>();
  private lastId: string | null = null;

  /** Adds an entry at the end; returns the id of the item before it (`previous_item_id`). */
  add(entry: ConversationEntry): string | null {
    const previous = this.lastId;
    if (entry.audio) for (const other of this.entries.values()) delete other.audio;
    this.entries.set(entry.id, entry);
    this.lastId = entry.id;
    return previous;
  }

  get(id: string): ConversationEntry | undefined {
    return this.entries.get(id);
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  delete(id: string): boolean {
    if (!this.entries.delete(id)) return false;
    if (this.lastId === id) this.lastId = [...this.entries.keys()].at(-1) ?? null;
    return true;
  }

  /** Every item, in conversation order, with the words it carries. */
  list(): HeldItem[] {
    return [...this.entries.values()].map((entry) => ({ id: entry.id, role: entry.role, text: wordsOf(entry) }));
  }

  /** The most recent user item, which a response answers. */
  lastUser(): ConversationEntry | undefined {
    return [...this.entries.values()].reverse().find((entry) => entry.role === 'user');
  }
}

/** The words an item carries: its text parts, else its transcripts (a user's, or the assistant's audio transcript). */
function wordsOf(entry: ConversationEntry): string | null {
  if (entry.text !== undefined) return entry.text;
  if (entry.transcript !== undefined) return entry.transcript;
  const content = Array.isArray(entry.wire.content) ? (entry.wire.content as Array<Record<string, unknown>>) : [];
  const words = content.flatMap((part) => (typeof part.text === 'string' ? [part.text] : typeof part.transcript === 'string' ? [part.transcript] : []));
  return words.length > 0 ? words.join(' ') : null;
}
