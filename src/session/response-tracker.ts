/**
 * What the proxy knows about one assistant response: which audio reached the client, how much the user has
 * heard, and whether it was interrupted. Barge-in decisions (truncate where, or delete) are computed here.
 */
import type { AudioConverter } from '../audio/converter.js';

export interface TrackedResponse {
  readonly id: string;
  itemId: string | undefined;
  contentIndex: number;
  /** Text shown to the client (deltas forwarded before any interruption), at most MAX_RESPONSE_TEXT_CHARS. */
  text: string;
  /** The text reached its limit: later deltas are dropped. */
  textCapped: boolean;
  /** Upstream-format audio bytes handed to the client socket. */
  deliveredBytes: number;
  /** Wall-clock ms when the user's turn that caused this response ended (for the first-audio latency). */
  readonly turnEndedAt: number | undefined;
  /** Wall-clock ms when the first audio byte went to the client. */
  firstAudioAt: number | undefined;
  lastAudioAt: number | undefined;
  /** The client's latest `playback` report (ms of this response played). */
  reportedPlayedMs: number | undefined;
  interrupted: boolean;
  /** `response.done` has arrived. */
  doneUpstream: boolean;
  /** Upstream → client audio converter, one per response so an interrupted tail never leaks into the next. */
  readonly converter: AudioConverter;
}

export function newResponse(id: string, converter: AudioConverter, turnEndedAt?: number): TrackedResponse {
  return {
    id,
    turnEndedAt,
    itemId: undefined,
    contentIndex: 0,
    text: '',
    textCapped: false,
    deliveredBytes: 0,
    firstAudioAt: undefined,
    lastAudioAt: undefined,
    reportedPlayedMs: undefined,
    interrupted: false,
    doneUpstream: false,
    converter,
  };
}

/** Ms of audio delivered, given the upstream output format's bytes per ms. */
export function deliveredMs(response: TrackedResponse, upstreamBytesPerMs: number): number {
  return Math.floor(response.deliveredBytes / upstreamBytesPerMs);
}

/**
 * How much of the response the user has heard: the client's report when it gave one, otherwise wall-clock time
 * since the first audio byte was sent; never more than was delivered, never negative.
 */
export function heardMs(response: TrackedResponse, upstreamBytesPerMs: number, now: number, clientPlayedMs?: number): number {
  const delivered = deliveredMs(response, upstreamBytesPerMs);
  const played =
    clientPlayedMs ??
    response.reportedPlayedMs ??
    (response.firstAudioAt === undefined ? 0 : now - response.firstAudioAt);
  return Math.max(0, Math.min(delivered, Math.floor(played)));
}

/** True while the user may still be hearing this response (upstream still sending, or audio not yet played out). */
export function isAudible(response: TrackedResponse, upstreamBytesPerMs: number, now: number): boolean {
  if (response.interrupted) return false;
  if (!response.doneUpstream) return true;
  const delivered = deliveredMs(response, upstreamBytesPerMs);
  return delivered > 0 && heardMs(response, upstreamBytesPerMs, now) < delivered;
}

/** What to tell the upstream about the assistant item after an interruption. */
export type ItemRepair =
  | { readonly kind: 'truncate'; readonly itemId: string; readonly contentIndex: number; readonly audioEndMs: number }
  | { readonly kind: 'delete'; readonly itemId: string }
  | { readonly kind: 'none' };

/** Truncate at what was heard, or delete the item when nothing was. */
export function itemRepair(response: TrackedResponse, heard: number): ItemRepair {
  if (response.itemId === undefined) return { kind: 'none' };
  if (heard <= 0) return { kind: 'delete', itemId: response.itemId };
  return { kind: 'truncate', itemId: response.itemId, contentIndex: response.contentIndex, audioEndMs: heard };
}
