/**
 * The conversation of one session as words, kept so that a new upstream session can be given it (renewal at the
 * upstream's cap, recovery from a drop): user voice turns by their transcripts, typed `text` messages as sent, the
 * assistant's turns by their text or audio transcript, cut to what the user heard when barge-in stopped them. Kept
 * in the order the upstream holds the items (a voice turn takes its place when its audio is committed, the
 * assistant's when its response starts), bounded to the newest items a replay may carry.
 */

/** One item a new upstream session is given. */
export interface HistoryItem {
  readonly role: 'user' | 'assistant';
  readonly text: string;
}

type Entry =
  /** A committed voice turn; `text` once its transcript came (undefined: still coming; null: none will). */
  | { readonly kind: 'voice'; readonly itemId: string; text: string | undefined | null }
  | { readonly kind: 'typed'; readonly text: string }
  /** An assistant turn; `text` once its response ended (what the user heard of it). */
  | { readonly kind: 'assistant'; readonly responseId: string; text: string | undefined };

/** A transcript that has not come this long after its turn's commit is not waited for (the quiet moment comes anyway). */
const TRANSCRIPT_WAIT_MS = 5000;

export class ConversationHistory {
  private entries: Entry[] = [];
  private speaking = false;
  /** When the newest voice turn still waiting for its transcript was committed (monotonic ms). */
  private transcriptAwaitedSince: number | undefined;

  /** `maxItems`: most items a replay carries (the oldest are dropped first); 0 replays nothing. */
  constructor(private readonly maxItems: number) {}

  /** The user started speaking (the upstream's VAD). */
  speechStarted(): void {
    this.speaking = true;
  }

  /** The user stopped speaking. */
  speechStopped(): void {
    this.speaking = false;
  }

  /** A voice turn was committed as item `itemId`; its transcript follows. */
  voiceTurn(itemId: string): void {
    if (this.entries.some((entry) => entry.kind === 'voice' && entry.itemId === itemId)) return;
    this.entries.push({ kind: 'voice', itemId, text: undefined });
    this.transcriptAwaitedSince = performance.now();
  }

  /** The transcript of voice turn `itemId` (an empty one, or a failed transcription: `null`, the turn is not replayed). */
  transcript(itemId: string, text: string | null): void {
    const entry = this.entries.find((e): e is Extract<Entry, { kind: 'voice' }> => e.kind === 'voice' && e.itemId === itemId);
    if (entry === undefined) return;
    entry.text = text === null || text.trim() === '' ? null : text;
    if (!this.entries.some((e) => e.kind === 'voice' && e.text === undefined)) this.transcriptAwaitedSince = undefined;
    this.prune();
  }

  /** A typed `text` message, as the client sent it. */
  typed(text: string): void {
    this.entries.push({ kind: 'typed', text });
    this.prune();
  }

  /** An assistant response started: its turn takes its place here. */
  responseStarted(responseId: string): void {
    this.entries.push({ kind: 'assistant', responseId, text: undefined });
  }

  /** The response ended; `heardText` is what the user heard of it (empty: nothing, the turn is not replayed). */
  responseEnded(responseId: string, heardText: string): void {
    const entry = this.entries.find((e): e is Extract<Entry, { kind: 'assistant' }> => e.kind === 'assistant' && e.responseId === responseId);
    if (entry === undefined) return;
    entry.text = heardText;
    this.prune();
  }

  /** Nothing is under way that a switch would split: the user is not speaking and no transcript is awaited. */
  get isQuiet(): boolean {
    const awaited = this.transcriptAwaitedSince;
    return !this.speaking && (awaited === undefined || performance.now() - awaited > TRANSCRIPT_WAIT_MS);
  }

  /** The items a new upstream session is given, oldest first: the newest `maxItems` that have words. */
  replay(): HistoryItem[] {
    const items: HistoryItem[] = [];
    for (const entry of this.entries) {
      const text = entry.text;
      if (typeof text === 'string' && text !== '') items.push({ role: entry.kind === 'assistant' ? 'assistant' : 'user', text });
    }
    return this.maxItems === 0 ? [] : items.slice(-this.maxItems);
  }

  /** Forgets entries older than the newest `maxItems` with words: a long session holds no more than a replay needs. */
  private prune(): void {
    let worded = 0;
    for (let i = this.entries.length - 1; i >= 0; i -= 1) {
      const text = this.entries[i]?.text;
      if (typeof text === 'string' && text !== '') worded += 1;
      if (worded > this.maxItems) {
        this.entries = this.entries.slice(i + 1);
        return;
      }
    }
  }
}

/** The words of a response the user heard `heardMs` of, out of `deliveredMs` of audio (text-only: all of it). */
export function heardText(text: string, heardMs: number, deliveredMs: number): string {
  if (deliveredMs <= 0 || heardMs >= deliveredMs) return text;
  if (heardMs <= 0) return '';
  const cut = Math.round((text.length * heardMs) / deliveredMs);
  // Whole words only: a word cut in half was not heard whole.
  const end = text.lastIndexOf(' ', cut);
  return (end > 0 ? text.slice(0, end) : '').trimEnd();
}
