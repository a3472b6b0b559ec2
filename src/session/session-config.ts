/**
 * What a session is configured as. `SessionConfig` (one per session): the session the proxy wants (operator
 * defaults, then each client `config`), what the upstream reports in effect, and the `SessionUpdated` a `config` is
 * answered with. `SessionUpdates` (one per upstream connection): the session.updates it is sent, numbered, the first
 * whole and later ones only what changed, holding back what the upstream would refuse at that moment (the speed
 * during a response; the voice during one, or once audio exists). A new connection starts with a whole update of
 * the same wanted session, so it is configured exactly like the one before.
 */
import type { UpstreamFormats } from '../audio/upstream-formats.js';
import type { SessionDefaults } from '../config/index.js';
import type { EffectiveSession } from '../upstream/events.js';
import type { SessionUpdateRequest } from '../upstream/requests.js';
import { defaultTurnDetection, planSessionUpdate, sessionFromDefaults, type DesiredSession, type TurnDetectionSetting } from '../upstream/session-config.js';
import type { ClientConfigPatch } from '../ws/client-messages.js';
import type { NamedEvent, SessionView } from '../ws/server-events.js';

/** Our session.updates carry this `event_id` prefix, numbered. */
const EVENT_ID_PREFIX = 'proxy_session_update_';

/** What the upstream is doing when an update is planned. */
export interface UpdateMoment {
  /** A response is running or on its way. */
  readonly responding: boolean;
  /** The upstream has produced assistant audio (it then refuses a voice change for good). */
  readonly audioProduced: boolean;
}

export class SessionConfig {
  private desired: DesiredSession;
  private effective: EffectiveSession | undefined;
  private answerOwed = false;

  constructor(
    private readonly defaults: SessionDefaults,
    formats: UpstreamFormats,
    /** Clients may set the instructions, so `SessionUpdated` may show them. */
    private readonly instructionsShown: boolean,
  ) {
    this.desired = sessionFromDefaults(defaults, formats);
  }

  /** The session the proxy asks the upstream for. */
  get wanted(): DesiredSession {
    return this.desired;
  }

  /** A client's `config`, taken into the wanted session; it is owed a `SessionUpdated`. */
  apply(patch: ClientConfigPatch): void {
    this.desired = applyClientConfig(this.desired, patch, this.defaults);
    this.answerOwed = true;
  }

  /** A `config` has not been answered yet. */
  get owesAnswer(): boolean {
    return this.answerOwed;
  }

  /** The upstream reported the session in effect (`session.updated`). */
  takeEffect(session: EffectiveSession): void {
    this.effective = session;
  }

  /** The `SessionUpdated` event for the session in effect; no answer is owed after it. */
  answer(): NamedEvent<'SessionUpdated'> {
    this.answerOwed = false;
    return { type: 'event', name: 'SessionUpdated', session: toClientSessionView(this.effective, this.instructionsShown) };
  }

  /** The model transcribing the user (as the upstream reports it in effect, else as asked for); undefined when off. */
  get transcriptionModel(): string | undefined {
    return this.effective?.audio?.input?.transcription?.model ?? this.desired.transcription?.model;
  }

  /** Whether the session in effect starts a response by itself when the user's turn ends (`create_response`). */
  get upstreamCreatesResponse(): boolean {
    const turn = this.effective?.audio?.input?.turn_detection;
    return turn !== undefined && turn.create_response !== false;
  }

  /** Whether the session in effect cancels responses itself when the user starts speaking. */
  get upstreamInterruptsOnSpeech(): boolean {
    const turn = this.effective?.audio?.input?.turn_detection;
    return turn !== undefined && turn.interrupt_response !== false;
  }
}

export class SessionUpdates {
  private sent: DesiredSession | undefined;
  private count = 0;

  constructor(private readonly config: SessionConfig) {}

  /** The first update has gone out: a later config needs an update of its own. */
  get started(): boolean {
    return this.count > 0;
  }

  /**
   * The next session.update. One that changes nothing sendable now has only its `type` (a config is answered by the
   * upstream's session.updated all the same); with `onlyIfChanged` there is none then (the update held back during a
   * response, sent at its end).
   */
  next(moment: UpdateMoment, onlyIfChanged = false): SessionUpdateRequest | undefined {
    const allowed = { voice: !moment.responding && !moment.audioProduced, speed: !moment.responding };
    const plan = planSessionUpdate(this.config.wanted, this.sent, allowed);
    if (plan.event === undefined && onlyIfChanged) return undefined;
    this.sent = plan.sent;
    this.count += 1;
    return { ...(plan.event ?? { type: 'session.update', session: { type: 'realtime' } }), event_id: `${EVENT_ID_PREFIX}${this.count}` };
  }
}

/** The wanted session after a client patch (pure). */
export function applyClientConfig(session: DesiredSession, patch: ClientConfigPatch, defaults: SessionDefaults): DesiredSession {
  return {
    ...session,
    ...(patch.instructions === undefined ? {} : { instructions: patch.instructions }),
    ...(patch.voice === undefined ? {} : { voice: patch.voice }),
    ...(patch.speed === undefined ? {} : { speed: patch.speed }),
    ...(patch.outputModalities === undefined ? {} : { outputModalities: patch.outputModalities }),
    ...(patch.turnDetection === undefined ? {} : { turnDetection: turnDetectionFrom(patch.turnDetection, defaults) }),
    ...(patch.transcription === undefined ? {} : { transcription: transcriptionFrom(patch.transcription, defaults) }),
  };
}

function turnDetectionFrom(input: NonNullable<ClientConfigPatch['turnDetection']>, defaults: SessionDefaults): TurnDetectionSetting {
  if (typeof input === 'string') return defaultTurnDetection(defaults, input);
  const base = defaultTurnDetection(defaults, input.type);
  if (base === null) return null;
  if (base.type === 'semantic_vad') {
    return {
      ...base,
      eagerness: input.eagerness ?? base.eagerness,
      createResponse: input.createResponse ?? base.createResponse,
      interruptResponse: input.interruptResponse ?? base.interruptResponse,
    };
  }
  return {
    ...base,
    threshold: input.threshold ?? base.threshold,
    prefixPaddingMs: input.prefixPaddingMs ?? base.prefixPaddingMs,
    silenceMs: input.silenceMs ?? base.silenceMs,
    createResponse: input.createResponse ?? base.createResponse,
    interruptResponse: input.interruptResponse ?? base.interruptResponse,
  };
}

/** The client's transcription setting; without a model to use (Azure without a deployment) it stays off. */
function transcriptionFrom(input: NonNullable<ClientConfigPatch['transcription']>, defaults: SessionDefaults): DesiredSession['transcription'] {
  if (input === false) return null;
  const model = (input === true ? undefined : input.model) ?? defaults.clientTranscriptionModel;
  if (model === null) return null;
  return { model, ...(input === true || input.language === undefined ? {} : { language: input.language }) };
}

/** The client's view of the session in effect (camelCase, no secrets); the instructions only when clients may set them. */
function toClientSessionView(session: EffectiveSession | undefined, includeInstructions: boolean): SessionView {
  const turn = session?.audio?.input?.turn_detection;
  const transcription = session?.audio?.input?.transcription;
  const output = session?.audio?.output;
  const view: SessionView = {
    voice: output?.voice,
    speed: output?.speed,
    outputModalities: session?.output_modalities,
    turnDetection:
      turn === undefined
        ? null
        : dropUndefined({
            type: turn.type,
            threshold: turn.threshold,
            prefixPaddingMs: turn.prefix_padding_ms,
            silenceMs: turn.silence_duration_ms,
            eagerness: turn.eagerness,
            createResponse: turn.create_response,
            interruptResponse: turn.interrupt_response,
          }),
    transcription: transcription === undefined ? null : dropUndefined({ model: transcription.model, language: transcription.language }),
  };
  return includeInstructions ? { ...view, instructions: session?.instructions } : view;
}

function dropUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
