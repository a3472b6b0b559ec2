import { defaultTurnDetection } from '../upstream/session-config.js';
const DEFAULT_TRANSCRIPTION_MODEL = 'gpt-4o-mini-transcribe';
/** The desired session after a client patch (pure). */
export function applyClientConfig(session, patch, defaults) {
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
function turnDetectionFrom(input, defaults) {
    if (typeof input === 'string')
        return defaultTurnDetection(defaults, input);
    const base = defaultTurnDetection(defaults, input.type);
    if (base === null)
        return null;
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
function transcriptionFrom(input, defaults) {
    const model = defaults.transcriptionModel ?? DEFAULT_TRANSCRIPTION_MODEL;
    if (input === false)
        return null;
    if (input === true)
        return { model };
    return { model: input.model ?? model, ...(input.language === undefined ? {} : { language: input.language }) };
}
