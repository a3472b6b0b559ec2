/**
 * One accepted connection: parses frames, records them, applies the fault-injection options and
 * owns every timer; the protocol itself lives in `RealtimeEngine`.
 */
import type { Logger } from 'pino';
import type { HeldItem } from './conversation.js';
import WebSocket from 'ws';
import type { SessionBehaviour } from './behaviour.js';
import { defaultSession } from './defaults.js';
import { RealtimeEngine } from './engine.js';
import type { Json, Transport } from './engine.js';
import * as errors from './errors.js';
import { newId } from './ids.js';
import { base64ByteLength, extractAppendAudio, loopbackDelta } from './loopback.js';
import { LoopbackReplies } from './loopback-replies.js';
import type { Pacing } from './responses.js';
import type { ApiError } from './types.js';

export interface EmulatorSessionRecord {
  id: string;
  /** Every client event received, parsed (only with `recordEvents`). */
  events: Array<Record<string, unknown>>;
  /**
   * The `usage` of every `response.done` and completed transcription sent, in order (only with `recordEvents`): what
   * a test sums to check the proxy's accounting against what the upstream really reported.
   */
  usageSent: Array<{ readonly event: 'response.done' | 'transcription'; readonly usage: unknown }>;
  /** Total decoded audio bytes appended. */
  appendedBytes: number;
  closed: boolean;
  /** This session's timing and fault switches; set its fields to switch the session into a mode while it runs. */
  readonly behaviour: SessionBehaviour;
  /** Every `error` sent in answer to a client event (or frame): what the client asked for and was refused. */
  refusals: Refusal[];
  /** The conversation this session holds now, in order: the items it was given and the ones it made. */
  items(): HeldItem[];
  /**
   * Drops the session now, the way networks and servers do: 1006 ends the TCP connection without a close frame, 1011
   * closes with the service's internal-error code.
   */
  drop(code: 1006 | 1011): void;
}

export interface Refusal {
  /** The refused client event's `type` (`(frame)` for a frame that was not a JSON event). */
  readonly eventType: string;
  readonly code: string;
  readonly message: string;
}

export interface CloseSpec {
  code: number;
  reason?: string;
}

export interface SessionOptions {
  /** null when the URL had no `?model=`: the session reports `missing_model` and closes. */
  model: string | null;
  /** The request carried `OpenAI-Beta`: reported as `beta_api_shape_disabled`, then closed. */
  beta: boolean;
  /** The key was wrong and the emulator refuses it after the upgrade (`invalid_api_key`, close 3000); the key as sent. */
  invalidKey: string | null;
  /** Opened on Azure's path (`/openai/v1/realtime`), with these deployments. */
  azure: boolean;
  azureDeployments: readonly string[];
  behaviour: SessionBehaviour;
  loopback: boolean;
  /** Loopback conversation mode: appends are not echoed; each response.create gets a reply this long (ms). */
  loopbackReplyMs?: number;
  recordEvents: boolean;
  eventLatencyMs: number;
  pacing: Pacing;
  maxSessionMs: number;
  closeAfterMs?: CloseSpec & { ms: number };
  closeMidResponse?: CloseSpec & { afterDeltas?: number };
  logger: Logger;
}

/** Close code after a missing model (our choice; the service's is not documented). */
const POLICY_CLOSE = 1008;
/** The service's close after refusing the beta shape (jsboige/CoursIA#13149: "received 4000 … beta_api_shape_disabled"). */
const BETA_REFUSED_CLOSE = 4000;
/** The service's close after refusing a key post-upgrade (twilio-samples/speech-assistant-openai-realtime-api-python#4). */
const INVALID_KEY_CLOSE = 3000;
/** How long a closing peer gets to answer the close frame before the socket is destroyed. */
const CLOSE_GRACE_MS = 1000;

/** "60 minutes", "2 seconds", "1500 milliseconds": the duration in the max-session close reason. */
export function describeDuration(ms: number): string {
  const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (ms % 60_000 === 0) return plural(ms / 60_000, 'minute');
  if (ms % 1000 === 0) return plural(ms / 1000, 'second');
  return plural(ms, 'millisecond');
}

/** Codes a close frame may carry (RFC 6455 §7.4; the same rule as ws). */
export function isSendableCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}

export class EmulatedSession {
  readonly record: EmulatorSessionRecord;
  private readonly engine: RealtimeEngine;
  private readonly logger: Logger;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closing = false;
  private readonly loopbackIds = { response: newId('resp'), item: newId('item') };
  /** Loopback conversation mode's replies (undefined: plain loopback echoes, or no loopback). */
  private readonly replies: LoopbackReplies | undefined;
  /** The client event being handled: an error sent meanwhile is a refusal of it. */
  private handling: string | null = null;

  constructor(
    private readonly socket: WebSocket,
    private readonly options: SessionOptions,
  ) {
    const id = newId('sess');
    this.record = {
      id,
      events: [],
      usageSent: [],
      appendedBytes: 0,
      closed: false,
      behaviour: options.behaviour,
      refusals: [],
      items: () => this.engine.items(),
      drop: (code) => this.close(code, code === 1011 ? 'The server had an error while processing your request.' : ''),
    };
    this.logger = options.logger.child({ sessionId: id });
    const session = defaultSession(id, options.model ?? '', Date.now());
    const settings = { pacing: options.pacing, behaviour: options.behaviour, azure: options.azure, azureDeployments: options.azureDeployments };
    this.engine = new RealtimeEngine(this.transport(), session, settings, this.logger);
    if (options.loopback && options.loopbackReplyMs !== undefined) {
      this.replies = new LoopbackReplies(
        { replyMs: options.loopbackReplyMs, chunkMs: options.pacing.chunkMs, pace: options.pacing.audioPace },
        { emit: (type, fields) => this.emit(type, fields), send: (text) => this.deliver(text), later: (fn, ms) => this.later(fn, ms) },
      );
    }
  }

  /** Greets the client (or refuses it) and starts listening. */
  start(): void {
    this.socket.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(data, isBinary));
    this.socket.on('close', () => this.onClosed());
    this.socket.on('error', (error) => this.logger.debug({ err: error }, 'socket error'));
    if (this.options.invalidKey !== null) return this.fatal(errors.invalidApiKey(this.options.invalidKey), INVALID_KEY_CLOSE);
    if (this.options.beta) return this.fatal(errors.betaShapeDisabled(), BETA_REFUSED_CLOSE);
    if (this.options.model === null) return this.fatal(errors.missingModel(), POLICY_CLOSE);
    this.logger.debug({ model: this.options.model }, 'session started');
    this.emit('session.created', { session: this.engine.session });
    const { maxSessionMs, closeAfterMs } = this.options;
    this.later(() => this.close(1001, `Your session hit the maximum duration of ${describeDuration(maxSessionMs)}.`), maxSessionMs);
    if (closeAfterMs) this.later(() => this.close(closeAfterMs.code, closeAfterMs.reason ?? ''), closeAfterMs.ms);
  }

  /** Closes with `code`; idempotent. Events already queued (see `eventLatencyMs`) go out first. */
  close(code: number, reason = ''): void {
    if (this.closing) return;
    this.closing = true;
    // The session is over from here on, even while the close handshake runs.
    this.record.closed = true;
    this.engine.abort();
    const closeNow = (): void => {
      // 1006 and the other codes a peer may not send simulate a dropped connection: no close frame.
      if (!isSendableCloseCode(code)) {
        this.socket.terminate();
        return;
      }
      if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
        this.socket.close(code, reason);
      }
      const grace = setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS);
      grace.unref();
      this.socket.once('close', () => clearTimeout(grace));
    };
    if (this.options.eventLatencyMs > 0) this.later(closeNow, this.options.eventLatencyMs, true);
    else closeNow();
  }

  /** The error, then a close whose reason is `<type>.<code>`, the form the service's close reasons are reported in. */
  private fatal(error: ApiError, code: number): void {
    this.sendError(error, null);
    this.close(code, `${error.type ?? 'invalid_request_error'}.${error.code}`);
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.closing) return;
    if (isBinary) return this.refuse('(frame)', errors.binaryFrame());
    const text = data.toString('utf8');
    if (this.options.loopback && !this.options.recordEvents) {
      const audio = extractAppendAudio(text);
      if (audio !== undefined) return this.echo(audio);
    }
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      return this.refuse('(frame)', errors.invalidJson());
    }
    if (typeof event !== 'object' || event === null || Array.isArray(event)) return this.refuse('(frame)', errors.invalidJson());
    const json = event as Json;
    if (this.options.recordEvents) this.record.events.push(json);
    if (json.type === 'input_audio_buffer.append' && typeof json.audio === 'string') {
      this.record.appendedBytes += base64ByteLength(json.audio);
      if (this.options.loopback) return this.echo(json.audio, false);
    }
    if (this.replies !== undefined && this.onConversationEvent(this.replies, json)) return;
    this.handling = typeof json.type === 'string' ? json.type : '(no type)';
    try {
      this.engine.handle(json);
    } catch (error) {
      // A bug here must not take the whole emulator (and every other session) down with it.
      this.logger.error({ err: error, eventType: json.type }, 'emulator failed to handle an event');
      this.sendError({ type: 'server_error', code: 'server_error', message: 'The emulator failed to handle this event.', param: null }, null);
    } finally {
      this.handling = null;
    }
  }

  /** Loopback conversation mode: commits and response requests; false for events the engine handles as usual. */
  private onConversationEvent(replies: LoopbackReplies, json: Json): boolean {
    if (json.type === 'input_audio_buffer.commit') {
      replies.commit();
      return true;
    }
    if (json.type !== 'response.create') return false;
    const active = replies.activeResponse;
    if (active === undefined) replies.reply();
    else this.refuse('response.create', errors.alreadyHasActiveResponse(active), typeof json.event_id === 'string' ? json.event_id : null);
    return true;
  }

  private refuse(eventType: string, error: ApiError, clientEventId: string | null = null): void {
    this.record.refusals.push({ eventType, code: error.code, message: error.message });
    this.sendError(error, clientEventId);
  }

  /** Loopback: the appended base64 goes straight back as an audio delta (not in conversation mode: consumed). */
  private echo(base64: string, count = true): void {
    if (count) this.record.appendedBytes += base64ByteLength(base64);
    if (this.replies !== undefined) return;
    const { response, item } = this.loopbackIds;
    this.deliver(loopbackDelta(newId('event'), response, item, base64));
  }

  private transport(): Transport {
    return {
      emit: (type, fields) => this.emit(type, fields),
      error: (error, clientEventId) => {
        if (this.handling !== null) this.record.refusals.push({ eventType: this.handling, code: error.code, message: error.message });
        this.sendError(error, clientEventId);
      },
      later: (fn, ms) => this.later(fn, ms),
      bufferedAmount: () => this.socket.bufferedAmount,
      onAudioDelta: (first, deltas) => {
        const fault = this.options.closeMidResponse;
        if (fault && first && deltas >= (fault.afterDeltas ?? 1)) this.close(fault.code, fault.reason ?? '');
      },
    };
  }

  private emit(type: string, fields: Json): void {
    if (this.closing) return;
    if (this.options.recordEvents) this.recordUsage(type, fields);
    this.deliver(JSON.stringify({ type, event_id: newId('event'), ...fields }));
  }

  private recordUsage(type: string, fields: Json): void {
    if (type === 'response.done') this.record.usageSent.push({ event: type, usage: (fields.response as Json | undefined)?.usage });
    else if (type === 'conversation.item.input_audio_transcription.completed') this.record.usageSent.push({ event: 'transcription', usage: fields.usage });
  }

  private sendError(error: ApiError, clientEventId: string | null): void {
    this.logger.debug({ code: error.code, param: error.param }, 'client error');
    const body = { type: error.type ?? 'invalid_request_error', code: error.code, message: error.message, param: error.param };
    // Some real errors come without either event_id: a client must not depend on them.
    const event = this.options.behaviour.errorsWithoutEventId
      ? { type: 'error', error: body }
      : { type: 'error', event_id: newId('event'), error: { ...body, event_id: clientEventId } };
    this.deliver(JSON.stringify(event));
  }

  private deliver(text: string): void {
    if (this.options.eventLatencyMs > 0) this.later(() => this.sendNow(text), this.options.eventLatencyMs, true);
    else this.sendNow(text);
  }

  private sendNow(text: string): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(text);
  }

  /** A timer released when the socket closes; `evenIfClosing` for deliveries queued before a close. */
  private later(fn: () => void, ms: number, evenIfClosing = false): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (evenIfClosing || !this.closing) fn();
    }, ms);
    this.timers.add(timer);
  }

  private onClosed(): void {
    this.record.closed = true;
    this.closing = true;
    this.engine.abort();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.logger.debug('session closed');
  }
}
