/** Applying a client's `config` to the session the proxy asks the upstream for. */
import type { SessionDefaults } from '../config/index.js';
import type { ClientConfigPatch } from '../ws/client-messages.js';
import { defaultTurnDetection, type DesiredSession, type TurnDetectionSetting } from '../upstream/session-config.js';

/** The desired session after a client patch (pure). */
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
