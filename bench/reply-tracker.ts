/**
 * The conversation-shaped load's receive side, per session: matches each reply delta that comes back to its reply
 * and index, and times it against the emulator's schedule (src/emulator/loopback-replies.ts).
 *
 * Reply r is requested when the session sends its r-th commit (at `commitAt[r]`); its delta j is due from the
 * emulator at commitAt[r] + j·intervalMs, so its latency is arrival − that. The emulator's own lateness is the same
 * on every path, so the added latency of a relay or the proxy is again its percentile minus the direct path's.
 *
 * Matching: where the audio arrives byte for byte (direct, relay, proxy at 24 kHz) each delta's marker names its
 * reply and index, so order, loss and duplicates are exact. Through the resamplers deltas are matched by count:
 * one delta in → one binary frame out, so the k-th frame after a commit answers delta k; the proxy's resampler
 * flush at the end of each response adds one more frame (its filter tail), counted as a tail frame, not a delta.
 */
import { recordLatency, type StreamTally } from './tally.js';

export interface ConversationSpec {
  /** One commit (end of the user's turn, then a reply) every turnMs per session. */
  readonly turnMs: number;
  /** Deltas per reply. */
  readonly deltas: number;
  /** Emulator's spacing of a reply's deltas (chunk ms ÷ pace). */
  readonly intervalMs: number;
}

export class ReplyTracker {
  private commitAt: number[] = [];
  /** Per reply: frames received (count matching), and which indexes arrived (exact matching). */
  private counts: number[] = [];
  private seen: Uint8Array[] = [];
  private lastIndex: number[] = [];
  private unique = 0;
  /** Deltas due before this (the warm-up) are matched but not timed. */
  private windowStartMs = 0;

  constructor(private readonly spec: ConversationSpec) {}

  /** A new stream: forget earlier replies. */
  begin(windowStartMs: number): void {
    this.commitAt = [];
    this.counts = [];
    this.seen = [];
    this.lastIndex = [];
    this.unique = 0;
    this.windowStartMs = windowStartMs;
  }

  /** The session has just sent its next commit. */
  onCommit(now: number): void {
    this.commitAt.push(now);
    this.counts.push(0);
    this.seen.push(new Uint8Array(this.spec.deltas));
    this.lastIndex.push(-1);
  }

  /** One reply frame arrived: `marker` is the delta's marker (exact paths) or undefined (count matching). */
  onFrame(now: number, marker: number | undefined, tally: StreamTally): void {
    const current = this.commitAt.length - 1;
    if (current < 0) {
      tally.extra += 1;
      return;
    }
    let reply = current;
    let index: number;
    if (marker === undefined) {
      index = this.counts[current] as number;
      this.counts[current] = index + 1;
      if (index >= this.spec.deltas) {
        tally.events.set('tail frames', (tally.events.get('tail frames') ?? 0) + 1);
        return;
      }
    } else {
      if (marker < 0) {
        tally.unmarked += 1;
        return;
      }
      index = marker & 0xff;
      // The emulator numbers replies from 0 per session, mod 256: the latest reply with those low bits.
      reply = current - ((current - (marker >> 8)) & 0xff);
      if (reply < 0 || index >= this.spec.deltas) {
        tally.extra += 1;
        return;
      }
    }
    const seen = this.seen[reply] as Uint8Array;
    if (seen[index] === 1) {
      tally.duplicates += 1;
      return;
    }
    seen[index] = 1;
    this.unique += 1;
    if (index < (this.lastIndex[reply] as number)) tally.reordered += 1;
    else this.lastIndex[reply] = index;
    const dueAt = (this.commitAt[reply] as number) + index * this.spec.intervalMs;
    if (dueAt >= this.windowStartMs) recordLatency(tally, dueAt, now, this.windowStartMs);
  }

  /** Deltas requested so far (replies × deltas each). */
  get expected(): number {
    return this.commitAt.length * this.spec.deltas;
  }

  /** Distinct deltas received. */
  get received(): number {
    return this.unique;
  }

  get complete(): boolean {
    return this.unique >= this.expected;
  }
}
