/**
 * The protocol logic of one emulated session: client events in, server events out through a
 * `Transport`. Knows nothing about sockets, timers of the connection or fault injection.
 */
import type { Logger } from 'pino';
import type { SessionBehaviour } from './behaviour.js';
import { Conversation } from './conversation.js';
import type { ConversationEntry, HeldItem, WireItem } from './conversation.js';
import { parseItem } from './items.js';
import * as errors from './errors.js';
import { upstreamBytesPerMs } from '../audio/upstream-formats.js';
import { newId } from './ids.js';
import { InputAudio } from './input-audio.js';
import { parseOverrides, planResponse, transcriptText } from './reply.js';
import { ResponseRunner, wordPieces } from './responses.js';
import type { Pacing, ResponseHost, ResponseStatus } from './responses.js';
import type { ApiError, SessionConfig } from './types.js';
import { applySessionUpdate } from './validate-session.js';

export type Json = Record<string, unknown>;

export interface Transport {
  emit(type: string, fields: Json): void;
  error(error: ApiError, clientEventId: string | null): void;
  /** Runs `fn` after `ms` unless the session has closed. */
  later(fn: () => void, ms: number): void;
  bufferedAmount(): number;
  /** After each audio delta of a response; `first` is true for the session's first response. */
  onAudioDelta(first: boolean, deltas: number): void;
}

/** Where the session was opened, and what the Azure flavour knows. */
export interface EngineSettings {
  readonly pacing: Pacing;
  /** Live, per-session switches (timing, faults); read whenever they matter, so a test may flip them mid-session. */
  readonly behaviour: SessionBehaviour;
  /** Opened on Azure's path: `transcription.model` names a deployment, and only `azureDeployments` exist. */
  readonly azure: boolean;
  readonly azureDeployments: readonly string[];
}

/** Client event types the emulator understands (the real service's GA list, WebRTC-only ones aside). */
export const CLIENT_EVENT_TYPES = [
  'session.update',
  'input_audio_buffer.append',
  'input_audio_buffer.commit',
  'input_audio_buffer.clear',
  'conversation.item.create',
  'conversation.item.retrieve',
  'conversation.item.truncate',
  'conversation.item.delete',
  'response.create',
  'response.cancel',
] as const;

type ClientEventType = (typeof CLIENT_EVENT_TYPES)[number];

function isClientEventType(type: string): type is ClientEventType {
  return (CLIENT_EVENT_TYPES as readonly string[]).includes(type);
}

/** Delay between a commit and its (simulated) input transcription. */
const TRANSCRIPTION_DELAY_MS = 20;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export class RealtimeEngine {
  private config: SessionConfig;
  private readonly input: InputAudio;
  private readonly conversation = new Conversation();
  private readonly conversationId = newId('conv');
  private response: ResponseRunner | null = null;
  private firstResponseId: string | null = null;
  private audioOutputStarted = false;
  /** The item id announced by `speech_started`, used again by `speech_stopped` and `committed`. */
  private speech: { itemId: string; audioStartMs: number } | null = null;
  private readonly handlers: Record<ClientEventType, (event: Json, eventId: string | null) => void>;
  /** Transcriptions held until the response that answers them is done (`transcriptionTiming: after_response`). */
  private heldTranscriptions: Array<() => void> = [];

  constructor(
    private readonly transport: Transport,
    session: SessionConfig,
    private readonly settings: EngineSettings,
    private readonly logger: Logger,
  ) {
    this.config = session;
    this.input = new InputAudio(session.audio.input.format, session.audio.input.turn_detection);
    this.handlers = {
      'session.update': (e, id) => this.updateSession(e, id),
      'input_audio_buffer.append': (e, id) => this.appendEvent(e, id),
      'input_audio_buffer.commit': (_e, id) => this.commit(id),
      'input_audio_buffer.clear': () => this.clear(),
      'conversation.item.create': (e, id) => this.createItem(e, id),
      'conversation.item.retrieve': (e, id) => this.retrieveItem(e, id),
      'conversation.item.truncate': (e, id) => this.truncateItem(e, id),
      'conversation.item.delete': (e, id) => this.deleteItem(e, id),
      'response.create': (e, id) => this.createResponse(e, id),
      'response.cancel': (e, id) => this.cancelResponse(e, id),
    };
  }

  get session(): SessionConfig {
    return this.config;
  }

  /** The conversation as the session holds it now, in order (for tests: what a client gave and what it was told). */
  items(): HeldItem[] {
    return this.conversation.list();
  }

  /** Handles one parsed client event. */
  handle(event: Json): void {
    const eventId = typeof event.event_id === 'string' ? event.event_id : null;
    const type = event.type;
    if (typeof type !== 'string' || !isClientEventType(type)) {
      const error = type === undefined ? errors.missingParameter('type') : errors.unknownEventType(type, CLIENT_EVENT_TYPES);
      this.transport.error(error, eventId);
      return;
    }
    this.handlers[type](event, eventId);
  }

  /** Stops any response without further events (the connection is going away). */
  abort(): void {
    this.response?.abort();
    this.response = null;
    this.heldTranscriptions = [];
  }

  private updateSession(event: Json, eventId: string | null): void {
    const result = applySessionUpdate(this.config, event.session, {
      audioOutputStarted: this.audioOutputStarted,
      responseActive: this.response?.active ?? false,
      checkTranscriptionModel: !this.settings.azure,
    });
    if (!result.ok) {
      this.transport.error(result.error, eventId);
      return;
    }
    this.config = result.session;
    const { format, turn_detection: turnDetection } = this.config.audio.input;
    // Only a change of format or VAD settings restarts detection; other updates leave a turn in progress alone.
    if (this.input.configure(format, turnDetection)) this.speech = null;
    this.transport.emit('session.updated', { session: this.config });
  }

  private appendEvent(event: Json, eventId: string | null): void {
    const audio = event.audio;
    if (audio === undefined) return this.transport.error(errors.missingParameter('audio'), eventId);
    if (typeof audio !== 'string') return this.transport.error(errors.invalidType('audio', 'a string', audio), eventId);
    if (audio.length % 4 !== 0 || !BASE64.test(audio)) return this.transport.error(errors.invalidBase64(), eventId);
    this.append(Buffer.from(audio, 'base64'));
  }

  /** Appends decoded input audio and acts on what the VAD hears in it. */
  private append(bytes: Buffer): void {
    for (const event of this.input.append(bytes)) {
      if (event.type === 'speech_started') this.speechStarted(event.audioStartMs);
      else this.speechStopped(event.audioEndMs);
    }
  }

  private speechStarted(startMs: number): void {
    // Whole ms on the wire, and the committed audio starts exactly there.
    const audioStartMs = Math.round(startMs);
    this.speech = { itemId: newId('item'), audioStartMs };
    this.transport.emit('input_audio_buffer.speech_started', { audio_start_ms: audioStartMs, item_id: this.speech.itemId });
    const vad = this.config.audio.input.turn_detection;
    if (vad?.interrupt_response && this.response?.active) this.response.cancel('turn_detected');
  }

  private speechStopped(audioEndMs: number): void {
    const speech = this.speech ?? { itemId: newId('item'), audioStartMs: 0 };
    this.speech = null;
    const endMs = Math.round(audioEndMs);
    this.transport.emit('input_audio_buffer.speech_stopped', { audio_end_ms: endMs, item_id: speech.itemId });
    this.commitAudio(speech.itemId, this.input.takeRange(speech.audioStartMs, endMs));
    if (!this.config.audio.input.turn_detection?.create_response) return;
    if (this.response?.active) {
      this.logger.debug({ responseId: this.response.id }, 'turn ended during a response; no new response');
      return;
    }
    this.startResponse(this.config, { outOfBand: false });
  }

  private commit(eventId: string | null): void {
    const bufferedMs = this.input.bufferedMs;
    if (bufferedMs < 100) return this.transport.error(errors.commitTooSmall(bufferedMs), eventId);
    const itemId = this.speech?.itemId ?? newId('item');
    this.speech = null;
    this.commitAudio(itemId, this.input.takeAll());
  }

  private clear(): void {
    this.input.clear();
    this.speech = null;
    this.transport.emit('input_audio_buffer.cleared', {});
  }

  /** `committed` → user item `added` → `done`, then the simulated transcription when enabled. */
  private commitAudio(itemId: string, audio: Buffer): void {
    const format = this.config.audio.input.format;
    const audioMs = audio.length / upstreamBytesPerMs(format);
    const wire: WireItem = {
      id: itemId,
      object: 'realtime.item',
      type: 'message',
      status: 'completed',
      role: 'user',
      content: [{ type: 'input_audio', transcript: null }],
    };
    const previous = this.conversation.add({ id: itemId, role: 'user', wire, audio, audioFormat: format, audioMs });
    this.transport.emit('input_audio_buffer.committed', { previous_item_id: previous, item_id: itemId });
    this.transport.emit('conversation.item.added', { previous_item_id: previous, item: wire });
    this.transport.emit('conversation.item.done', { previous_item_id: previous, item: wire });
    const transcription = this.config.audio.input.transcription;
    if (transcription === null) return;
    this.transport.later(() => {
      const run = (): void => this.transcribe(itemId, audioMs, transcription.model);
      if (this.settings.behaviour.transcriptionTiming === 'after_response' && this.response?.active) this.heldTranscriptions.push(run);
      else run();
    }, TRANSCRIPTION_DELAY_MS);
  }

  private transcribe(itemId: string, audioMs: number, model: string): void {
    const failure = this.transcriptionFailure(model);
    if (failure !== null) {
      this.transport.emit('conversation.item.input_audio_transcription.failed', {
        item_id: itemId,
        content_index: 0,
        error: errors.transcriptionFailed(itemId, failure),
      });
      return;
    }
    const transcript = transcriptText(audioMs);
    const entry = this.conversation.get(itemId);
    if (entry !== undefined) entry.transcript = transcript;
    for (const delta of wordPieces(transcript)) {
      this.transport.emit('conversation.item.input_audio_transcription.delta', { item_id: itemId, content_index: 0, delta });
    }
    const audioTokens = Math.ceil(audioMs / 100);
    const outputTokens = Math.ceil(transcript.length / 4);
    this.transport.emit('conversation.item.input_audio_transcription.completed', {
      item_id: itemId,
      content_index: 0,
      transcript,
      usage: {
        type: 'tokens',
        total_tokens: audioTokens + outputTokens,
        input_tokens: audioTokens,
        input_token_details: { text_tokens: 0, audio_tokens: audioTokens },
        output_tokens: outputTokens,
      },
    });
  }

  /** Why this transcription fails, or null: the fault switch, or (Azure) a model that names no deployment. */
  private transcriptionFailure(model: string): string | null {
    if (this.settings.behaviour.failTranscription) return '429 Too Many Requests';
    if (this.settings.azure && !this.settings.azureDeployments.includes(model)) {
      return `404 DeploymentNotFound: The API deployment '${model}' for this resource does not exist.`;
    }
    return null;
  }

  private createItem(event: Json, eventId: string | null): void {
    const parsed = parseItem(event.item, (id) => this.conversation.has(id));
    if ('error' in parsed) return this.transport.error(parsed.error, eventId);
    const previous = this.conversation.add(parsed.entry);
    this.transport.emit('conversation.item.added', { previous_item_id: previous, item: parsed.entry.wire });
    this.transport.emit('conversation.item.done', { previous_item_id: previous, item: parsed.entry.wire });
  }

  private retrieveItem(event: Json, eventId: string | null): void {
    const entry = typeof event.item_id === 'string' ? this.conversation.get(event.item_id) : undefined;
    if (entry === undefined) return this.transport.error(errors.itemNotFound(String(event.item_id)), eventId);
    this.transport.emit('conversation.item.retrieved', { item: entry.wire });
  }

  private truncateItem(event: Json, eventId: string | null): void {
    const { item_id: itemId, content_index: contentIndex, audio_end_ms: audioEndMs } = event;
    if (typeof itemId !== 'string') return this.transport.error(errors.missingParameter('item_id'), eventId);
    if (typeof audioEndMs !== 'number' || !Number.isInteger(audioEndMs) || audioEndMs < 0) {
      return this.transport.error(errors.invalidType('audio_end_ms', 'a non-negative integer', audioEndMs), eventId);
    }
    const entry = this.conversation.get(itemId);
    if (entry === undefined) return this.transport.error(errors.itemNotFound(itemId), eventId);
    if (this.response?.isLiveItem(itemId)) return this.transport.error(errors.itemInProgress(itemId), eventId);
    if (entry.role !== 'assistant' || !entry.hasAudio) return this.transport.error(errors.truncateNotAudio(), eventId);
    const sentMs = entry.sentAudioMs ?? 0;
    if (audioEndMs > sentMs) return this.transport.error(errors.truncateTooLong(sentMs, audioEndMs), eventId);
    entry.sentAudioMs = audioEndMs;
    this.transport.emit('conversation.item.truncated', {
      item_id: itemId,
      content_index: typeof contentIndex === 'number' ? contentIndex : 0,
      audio_end_ms: audioEndMs,
    });
  }

  private deleteItem(event: Json, eventId: string | null): void {
    const itemId = event.item_id;
    if (typeof itemId !== 'string') return this.transport.error(errors.missingParameter('item_id'), eventId);
    if (this.response?.isLiveItem(itemId)) return this.transport.error(errors.itemInProgress(itemId), eventId);
    if (!this.conversation.delete(itemId)) return this.transport.error(errors.deleteUnknownItem(itemId), eventId);
    this.transport.emit('conversation.item.deleted', { item_id: itemId });
  }

  private createResponse(event: Json, eventId: string | null): void {
    if (this.response?.active) return this.transport.error(errors.alreadyHasActiveResponse(this.response.id), eventId);
    const parsed = parseOverrides(event.response);
    if (!parsed.ok) return this.transport.error(parsed.error, eventId);
    this.startResponse(this.config, parsed.overrides);
  }

  private cancelResponse(event: Json, eventId: string | null): void {
    const wanted = typeof event.response_id === 'string' ? event.response_id : undefined;
    if (!this.response?.active || (wanted !== undefined && wanted !== this.response.id)) {
      return this.transport.error(errors.cancelNotActive(), eventId);
    }
    this.response.cancel('client_cancelled');
  }

  private startResponse(config: SessionConfig, overrides: Parameters<typeof planResponse>[2]): void {
    const plan = planResponse(config, this.conversation, overrides, this.conversationId);
    this.firstResponseId ??= plan.id;
    const behaviour = this.settings.behaviour;
    const runner = new ResponseRunner(plan, this.responseHost(), this.settings.pacing, {
      modelLatencyMs: behaviour.modelLatencyMs,
      cancelLatencyMs: behaviour.cancelLatencyMs,
      transcriptLagMs: behaviour.transcriptLagMs,
      rateLimits: behaviour.rateLimits,
      fault: behaviour.responseFaults.shift(),
    });
    this.response = runner;
    runner.start();
  }

  private responseHost(): ResponseHost {
    return {
      emit: (type, fields) => this.transport.emit(type, fields),
      addItem: (entry: ConversationEntry) => this.conversation.add(entry),
      onAudioDelta: (runner, deltas) => {
        this.audioOutputStarted = true;
        this.transport.onAudioDelta(runner.id === this.firstResponseId, deltas);
      },
      onFinished: (runner, _status: ResponseStatus) => {
        if (this.response === runner) this.response = null;
        const held = this.heldTranscriptions;
        this.heldTranscriptions = [];
        for (const run of held) run();
      },
      bufferedAmount: () => this.transport.bufferedAmount(),
    };
  }
}
