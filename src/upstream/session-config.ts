/**
 * The session we ask the upstream for, in the GA `session.update` shape: what the proxy controls, its defaults, and
 * the update that carries only what changed.
 */
import type { SessionDefaults } from '../config/index.js';
import type { UpstreamAudioFormat } from '../audio/upstream-formats.js';
import type { SessionUpdateRequest, TurnDetectionWire } from './requests.js';

export type TurnDetectionSetting =
  | null
  | {
      readonly type: 'server_vad';
      readonly threshold: number;
      readonly prefixPaddingMs: number;
      readonly silenceMs: number;
      readonly createResponse: boolean;
      readonly interruptResponse: boolean;
    }
  | {
      readonly type: 'semantic_vad';
      readonly eagerness: 'low' | 'medium' | 'high' | 'auto';
      readonly createResponse: boolean;
      readonly interruptResponse: boolean;
    };

/** Everything the proxy controls about an upstream session. */
export interface DesiredSession {
  readonly instructions: string;
  readonly voice: string;
  readonly speed: number;
  readonly outputModalities: readonly ['audio'] | readonly ['text'];
  readonly turnDetection: TurnDetectionSetting;
  readonly transcription: null | { readonly model: string; readonly language?: string };
  readonly inputFormat: UpstreamAudioFormat;
  readonly outputFormat: UpstreamAudioFormat;
}

/** The desired session from the operator's configuration. */
export function sessionFromDefaults(
  defaults: SessionDefaults,
  formats: { input: UpstreamAudioFormat; output: UpstreamAudioFormat },
): DesiredSession {
  return {
    instructions: defaults.instructions,
    voice: defaults.voice,
    speed: 1,
    outputModalities: ['audio'],
    turnDetection: defaultTurnDetection(defaults, defaults.turnDetection),
    transcription: defaults.transcriptionModel === null ? null : { model: defaults.transcriptionModel },
    inputFormat: formats.input,
    outputFormat: formats.output,
  };
}

/** Turn detection of a given mode with the operator's VAD parameters. */
export function defaultTurnDetection(defaults: SessionDefaults, mode: 'server_vad' | 'semantic_vad' | 'none'): TurnDetectionSetting {
  if (mode === 'none') return null;
  if (mode === 'semantic_vad') return { type: 'semantic_vad', eagerness: 'auto', createResponse: true, interruptResponse: true };
  return {
    type: 'server_vad',
    threshold: defaults.vadThreshold,
    prefixPaddingMs: defaults.vadPrefixPaddingMs,
    silenceMs: defaults.vadSilenceMs,
    createResponse: true,
    interruptResponse: true,
  };
}

/** What the upstream accepts changing now: the voice only before its first audio output, the speed only between responses. */
export interface UpdateAllowance {
  readonly voice: boolean;
  readonly speed: boolean;
}

/** A planned `session.update`: the event (absent when nothing needs sending) and what the upstream is then asked for. */
export interface SessionUpdatePlan {
  readonly event?: SessionUpdateRequest;
  readonly sent: DesiredSession;
}

/**
 * The GA `session.update` that takes the upstream from `sent` (what it was last asked for; undefined before the first
 * update) to `desired`, carrying only what changed: re-sending unchanged settings can be refused (the speed during a
 * response) or restart the upstream's turn detection. The voice and speed wait while `allowed` says no; a later plan
 * sends them.
 */
export function planSessionUpdate(desired: DesiredSession, sent: DesiredSession | undefined, allowed: UpdateAllowance): SessionUpdatePlan {
  // The first update (nothing running yet) sets everything.
  const voiceNow = allowed.voice || sent === undefined;
  const speedNow = allowed.speed || sent === undefined;
  const asked: DesiredSession = { ...desired, voice: voiceNow ? desired.voice : sent.voice, speed: speedNow ? desired.speed : sent.speed };
  const changed = <T>(pick: (session: DesiredSession) => T): T | undefined => {
    const value = pick(asked);
    return sent !== undefined && JSON.stringify(pick(sent)) === JSON.stringify(value) ? undefined : value;
  };
  const input = dropUndefined({
    format: changed((x) => x.inputFormat),
    transcription: changed((x) => x.transcription),
    turn_detection: changed((x) => turnDetectionToWire(x.turnDetection)),
  });
  const output = dropUndefined({
    format: changed((x) => x.outputFormat),
    voice: voiceNow ? changed((x) => x.voice) : undefined,
    speed: speedNow ? changed((x) => x.speed) : undefined,
  });
  const audio = dropUndefined({ input: nonEmpty(input), output: nonEmpty(output) });
  const body = dropUndefined({
    instructions: changed((x) => x.instructions),
    output_modalities: changed((x) => [...x.outputModalities]),
    audio: nonEmpty(audio),
  });
  if (Object.keys(body).length === 0) return { sent: asked };
  return { event: { type: 'session.update', session: { type: 'realtime', ...body } }, sent: asked };
}

function turnDetectionToWire(setting: TurnDetectionSetting): TurnDetectionWire | null {
  if (setting === null) return null;
  if (setting.type === 'semantic_vad') {
    return {
      type: 'semantic_vad',
      eagerness: setting.eagerness,
      create_response: setting.createResponse,
      interrupt_response: setting.interruptResponse,
    };
  }
  return {
    type: 'server_vad',
    threshold: setting.threshold,
    prefix_padding_ms: setting.prefixPaddingMs,
    silence_duration_ms: setting.silenceMs,
    create_response: setting.createResponse,
    interrupt_response: setting.interruptResponse,
  };
}

function nonEmpty<T extends object>(record: T): T | undefined {
  return Object.keys(record).length > 0 ? record : undefined;
}

/** The record without its undefined fields (so an update carries only what changed). */
function dropUndefined<T extends object>(record: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
