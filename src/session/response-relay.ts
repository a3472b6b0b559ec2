/**
 * The assistant's responses within one session: relays their audio and text to the client, ends them with
 * `AIResponseEnd` (with a reason when the upstream did not complete them), and performs barge-in (protocol v1): tell
 * the client at once, forward nothing more of the response, make sure the upstream stops it, and truncate the
 * assistant item at what the user heard (or delete it when nothing was heard). The upstream cancels asynchronously,
 * so the item is repaired only once the upstream's `response.done` says it is final.
 */
import type { AudioFormat } from '../audio/formats.js';
import { createOutboundConverter } from '../audio/converter.js';
import { upstreamBytesPerMs, type UpstreamAudioFormat } from '../audio/upstream-formats.js';
import type { Logger } from '../logger/index.js';
import { RESPONSE_STATUSES, type Metrics, type ResponseStatus } from '../metrics/index.js';
import type { SessionRecorder } from '../recorder/types.js';
import type { ErrorCode } from '../errors/index.js';
import type { AudioDeltaEvent, ResponseBody } from '../upstream/events.js';
import type { UpstreamRequest } from '../upstream/requests.js';
import type { PricedUsage } from '../usage/meter.js';
import type { UsageView } from '../ws/server-events.js';
import type { ClientChannel } from './client-channel.js';
import { deliveredMs, heardMs, isAudible, itemRepair, newResponse, type ItemRepair, type TrackedResponse } from './response-tracker.js';
import { heardText } from './conversation-history.js';
import { responseShortfall } from './upstream-outcomes.js';

export interface RelayDeps {
  readonly out: ClientChannel;
  /** Sends one request to the upstream. */
  readonly sendUpstream: (request: UpstreamRequest) => void;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly recorder: SessionRecorder | undefined;
  readonly upstreamOutput: UpstreamAudioFormat;
  readonly clientOutput: AudioFormat;
  /** Whether the upstream cancels a response by itself when the user starts speaking (`interrupt_response`). */
  readonly upstreamInterruptsOnSpeech: () => boolean;
  /** Whether `AIResponseEnd` carries the response's usage (USAGE_IN_RESPONSE_END). */
  readonly usageToClient: boolean;
  /** A response started, and ended with these words heard by the user (the conversation's history keeps them). */
  readonly started: (responseId: string) => void;
  readonly spoken: (responseId: string, heardText: string) => void;
}

/**
 * Most text one response may accumulate (about 25 minutes of speech; real responses stop far earlier). Past it the
 * text is neither forwarded nor kept, the client is told once, and the audio goes on: an upstream that floods
 * transcript deltas cannot grow the proxy's memory (or `finalText`) without bound.
 */
export const MAX_RESPONSE_TEXT_CHARS = 100_000;

/** The error a response that did not complete owes the client (the caller sends it, or ends the session for it). */
export interface ResponseError {
  readonly code: ErrorCode;
  readonly upstreamCode?: string;
}

/** How long a requested response may take to be created before the proxy stops waiting for it. */
const RESPONSE_EXPECTED_MS = 3000;

export class ResponseRelay {
  private response: TrackedResponse | undefined;
  private activeUpstream = false;
  /**
   * Until when (monotonic ms) a response is expected: asked for, or about to be created by the upstream's VAD, and its
   * `response.created` not yet here. Bounded, so an upstream that never answers cannot hold requests back for good.
   */
  private expectedUntil = 0;
  private produced = false;
  /** A `response.create` waits for the running response to end. */
  private createWaiting = false;
  /** An interrupted response still being generated, and what the user heard of it: repaired at its `response.done`. */
  private heldRepair: { response: TrackedResponse; heardMs: number } | undefined;
  /** When the user's latest turn ended (monotonic ms), until a response takes it for its first-audio latency. */
  private turnEndedAt: number | undefined;
  private readonly upstreamBytesPerMs: number;
  /** A response of an upstream session since replaced: the client may still be playing it, the new upstream never had it. */
  private replacedResponseId: string | undefined;

  constructor(private readonly deps: RelayDeps) {
    this.upstreamBytesPerMs = upstreamBytesPerMs(deps.upstreamOutput);
  }

  /** A response is being generated upstream (between `response.created` and `response.done`). */
  get isActiveUpstream(): boolean {
    return this.activeUpstream;
  }

  /** A response is running upstream, or one is on its way: the moment the upstream refuses a speed or voice change. */
  get isResponding(): boolean {
    return this.activeUpstream || performance.now() < this.expectedUntil;
  }

  /** A response is on its way (`response.create` sent, or a turn ended with the upstream's `create_response`). */
  expectResponse(): void {
    this.expectedUntil = performance.now() + RESPONSE_EXPECTED_MS;
  }

  /** `response.create`, or at the running response's end (`createWaitingResponse`): the upstream refuses a second one. */
  request(): void {
    if (this.isResponding) {
      this.createWaiting = true;
      return;
    }
    this.deps.sendUpstream({ type: 'response.create' });
    this.expectResponse();
  }

  /** The response `request` held back goes now (the caller sends first what else waited for the running one to end). */
  createWaitingResponse(): void {
    if (!this.createWaiting) return;
    this.createWaiting = false;
    this.request();
  }

  /** Some response audio has been produced (the upstream then refuses a voice change). */
  get audioProduced(): boolean {
    return this.produced;
  }

  /** The user's turn ended now (speech stopped, commit, or a text message). */
  markTurnEnded(): void {
    this.turnEndedAt = performance.now();
  }

  /** The client's `playback` report; ignored after an interruption (the heard position is then fixed). */
  reportPlayback(responseId: string, playedMs: number): void {
    const response = this.response;
    if (response?.id === responseId && !response.interrupted) response.reportedPlayedMs = playedMs;
  }

  onCreated(responseId: string | undefined): void {
    if (responseId !== undefined) this.start(responseId);
  }

  onOutputItem(responseId: string | undefined, itemId: string | undefined): void {
    const response = this.response;
    if (response && response.id === responseId && response.itemId === undefined) response.itemId = itemId;
  }

  onAudioDelta(event: AudioDeltaEvent): void {
    // A delta for a response we have not seen start (some servers omit response.created): track it now.
    const response = this.response?.id === event.response_id ? this.response : this.start(event.response_id);
    // The upstream produced audio even if nobody hears it: from now on it refuses a voice change.
    this.produced = true;
    if (response.interrupted) {
      this.deps.metrics.audioDroppedBytes.inc({ reason: 'interrupted' }, Buffer.byteLength(event.delta, 'base64'));
      return;
    }
    const audio = Buffer.from(event.delta, 'base64');
    response.itemId ??= event.item_id;
    response.contentIndex = event.content_index;
    this.deps.recorder?.responseAudio(response.id, audio);
    this.deliver(response, audio.length, response.converter.push(audio));
  }

  onTextDelta(responseId: string | undefined, delta: string | undefined): void {
    const response = this.response;
    if (delta === undefined || response === undefined || response.id !== responseId || response.interrupted || response.textCapped) return;
    const room = MAX_RESPONSE_TEXT_CHARS - response.text.length;
    const shown = delta.length <= room ? delta : delta.slice(0, room);
    if (shown.length > 0) {
      response.text += shown;
      this.deps.out.send({ type: 'textDelta', responseId: response.id, text: shown });
    }
    if (shown.length < delta.length) {
      response.textCapped = true;
      this.deps.log.warn({ responseId: response.id, maxChars: MAX_RESPONSE_TEXT_CHARS }, 'response text reached its limit');
      this.deps.out.sendError(
        'response_text_truncated',
        `The response text reached ${MAX_RESPONSE_TEXT_CHARS} characters; the rest is not shown (the audio goes on).`,
      );
    }
  }

  /** The upstream's `response.done`; returns the error the client is owed when the response failed or stopped short. */
  onDone(done: ResponseBody, usage: PricedUsage): ResponseError | undefined {
    this.activeUpstream = false;
    this.expectedUntil = 0;
    const responseId = done.id;
    if (this.heldRepair !== undefined && this.heldRepair.response.id === responseId) {
      // Its item (if any came) is final now; it may have been added after the interruption.
      this.sendRepair(itemRepair(this.heldRepair.response, this.heldRepair.heardMs));
      this.heldRepair = undefined;
    }
    const response = this.response;
    if (response === undefined || response.id !== responseId) return undefined;
    response.doneUpstream = true;
    if (!response.interrupted) this.deliver(response, 0, response.converter.flush());
    // An interrupted response ended for the user when it was interrupted, whatever the upstream managed to finish.
    const shortfall = response.interrupted ? undefined : responseShortfall(done);
    const status = response.interrupted ? 'cancelled' : doneStatus(done.status);
    this.deps.metrics.responsesTotal.inc({ status });
    const view = usageView(usage);
    this.deps.recorder?.responseEnded(response.id, {
      status,
      finalText: response.text,
      interrupted: response.interrupted,
      ...(response.interrupted ? { interruptedAtMs: response.reportedPlayedMs } : {}),
      usage: view,
    });
    const reason = shortfall === undefined ? {} : { reason: shortfall.reason };
    const used = this.deps.usageToClient ? { usage: view } : {};
    this.deps.out.send({ type: 'event', name: 'AIResponseEnd', responseId: response.id, status, finalText: response.text, ...reason, ...used });
    const heard = response.interrupted ? this.heardWords(response) : response.text;
    this.deps.spoken(response.id, heard);
    if (shortfall === undefined) return undefined;
    this.deps.log.warn({ responseId: response.id, status, reason: shortfall.reason, upstream: shortfall.upstream }, 'response did not complete');
    return shortfall.error;
  }

  /** Barge-in by the user's speech or the client's `cancel`; does nothing when no response is audible. */
  interrupt(trigger: 'speech' | 'cancel', clientPlayedMs?: number): void {
    const response = this.response;
    const now = performance.now();
    if (response === undefined || !isAudible(response, this.upstreamBytesPerMs, now)) return;
    const heard = heardMs(response, this.upstreamBytesPerMs, now, clientPlayedMs);
    response.interrupted = true;
    response.reportedPlayedMs = heard;
    this.deps.metrics.interruptionsTotal.inc();
    this.deps.out.send({ type: 'event', name: 'AIInterrupted', responseId: response.id, playedMs: heard });
    const upstreamCancelsItself = trigger === 'speech' && this.deps.upstreamInterruptsOnSpeech();
    if (!response.doneUpstream && !upstreamCancelsItself) this.deps.sendUpstream({ type: 'response.cancel' });
    if (response.doneUpstream) {
      // Over upstream already: the conversation keeps what was heard of it, and so does the upstream's (unless replaced).
      this.deps.spoken(response.id, this.heardWords(response));
      if (response.id !== this.replacedResponseId) this.sendRepair(itemRepair(response, heard));
    } else {
      // Until its response.done the item is still being generated: the upstream would refuse (or outgrow) a repair now.
      this.heldRepair = { response, heardMs: heard };
    }
    const delivered = deliveredMs(response, this.upstreamBytesPerMs);
    this.deps.log.debug({ responseId: response.id, heard, delivered, trigger }, 'response interrupted');
  }

  private sendRepair(repair: ItemRepair): void {
    if (repair.kind === 'truncate') {
      this.deps.sendUpstream({
        type: 'conversation.item.truncate',
        item_id: repair.itemId,
        content_index: repair.contentIndex,
        audio_end_ms: repair.audioEndMs,
      });
    } else if (repair.kind === 'delete') {
      this.deps.sendUpstream({ type: 'conversation.item.delete', item_id: repair.itemId });
    }
  }

  /**
   * The upstream was lost mid-response and the session goes on with a new one: a response still running ends for the
   * client now (`incomplete`, `upstream_lost`), with what it has heard kept for the replay; nothing waits on the old
   * upstream any more (a requested response, an item to repair).
   */
  cutByDrop(): void {
    this.upstreamReplaced();
    this.activeUpstream = false;
    this.expectedUntil = 0;
    this.createWaiting = false;
    this.heldRepair = undefined;
    const response = this.response;
    if (response === undefined || response.doneUpstream) return;
    response.doneUpstream = true;
    if (response.interrupted) {
      // Over for the user already (AIInterrupted); its end is told as a cancellation would have been.
      this.finish(response, 'cancelled', this.heardWords(response));
      return;
    }
    this.deliver(response, 0, response.converter.flush());
    this.finish(response, 'incomplete', response.text, 'upstream_lost');
  }

  /** The upstream session was replaced: the latest response stays the client's to interrupt, with nothing to repair upstream. */
  upstreamReplaced(): void {
    this.replacedResponseId = this.response?.id;
    this.heldRepair = undefined;
  }

  /** The words of an interrupted response the user heard (the history's copy of it). */
  private heardWords(response: TrackedResponse): string {
    return heardText(response.text, response.reportedPlayedMs ?? 0, deliveredMs(response, this.upstreamBytesPerMs));
  }

  private finish(response: TrackedResponse, status: ResponseStatus, heard: string, reason?: 'upstream_lost'): void {
    this.deps.metrics.responsesTotal.inc({ status });
    this.deps.recorder?.responseEnded(response.id, { status, finalText: response.text, interrupted: response.interrupted });
    this.deps.out.send({ type: 'event', name: 'AIResponseEnd', responseId: response.id, status, finalText: response.text, ...(reason ? { reason } : {}) });
    this.deps.spoken(response.id, heard);
  }

  /**
   * The session is ending: a response still running is over for the user, count it. (Its recording is completed by
   * `recorder.close()`, which marks it ended by the session.)
   */
  abandon(): void {
    const response = this.response;
    if (response === undefined || response.doneUpstream) return;
    response.doneUpstream = true;
    this.deps.metrics.responsesTotal.inc({ status: response.interrupted ? 'cancelled' : 'incomplete' });
  }

  private start(responseId: string): TrackedResponse {
    const converter = createOutboundConverter(this.deps.upstreamOutput, this.deps.clientOutput);
    const response = newResponse(responseId, converter, this.turnEndedAt);
    this.turnEndedAt = undefined;
    this.response = response;
    this.activeUpstream = true;
    this.expectedUntil = 0;
    this.deps.recorder?.responseStarted(responseId);
    this.deps.started(responseId);
    this.deps.out.send({ type: 'event', name: 'AIResponseStart', responseId });
    return response;
  }

  /**
   * Sends converted response audio; `upstreamBytes` of the upstream's audio count as delivered once their converted
   * form has gone to the client (or is held in the converter). Dropped audio (slow client) is not delivered.
   */
  private deliver(response: TrackedResponse, upstreamBytes: number, clientAudio: Buffer): void {
    if (clientAudio.length === 0) {
      response.deliveredBytes += upstreamBytes;
      return;
    }
    if (!this.deps.out.sendAudio(clientAudio)) return;
    const now = performance.now();
    if (response.firstAudioAt === undefined) {
      response.firstAudioAt = now;
      if (response.turnEndedAt !== undefined) this.deps.metrics.firstAudioSeconds.observe((now - response.turnEndedAt) / 1000);
    } else if (response.lastAudioAt !== undefined) {
      this.deps.metrics.audioGapSeconds.observe((now - response.lastAudioAt) / 1000);
    }
    response.lastAudioAt = now;
    response.deliveredBytes += upstreamBytes;
  }
}

/** A response's usage as the client and the sidecar see it. */
function usageView({ tokens, costUsd }: PricedUsage): UsageView {
  return { input: { ...tokens.input }, cachedInput: { ...tokens.cachedInput }, output: { ...tokens.output }, costUsd };
}

/** The status a `response.done` reports, from the closed set the client and the metrics know; absent or unknown: completed. */
function doneStatus(status: string | undefined): ResponseStatus {
  return (RESPONSE_STATUSES as readonly (string | undefined)[]).includes(status) ? (status as ResponseStatus) : 'completed';
}
