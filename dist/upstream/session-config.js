import { num, obj, str } from './events.js';
/** The desired session from the operator's configuration. */
export function sessionFromDefaults(defaults, formats) {
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
export function defaultTurnDetection(defaults, mode) {
    if (mode === 'none')
        return null;
    if (mode === 'semantic_vad')
        return { type: 'semantic_vad', eagerness: 'auto', createResponse: true, interruptResponse: true };
    return {
        type: 'server_vad',
        threshold: defaults.vadThreshold,
        prefixPaddingMs: defaults.vadPrefixPaddingMs,
        silenceMs: defaults.vadSilenceMs,
        createResponse: true,
        interruptResponse: true,
    };
}
/**
 * The GA `session.update` event. `includeVoice` is false once audio has been produced: the upstream refuses a
 * voice change then, and re-sending the same voice gains nothing.
 */
export function sessionUpdateEvent(session, includeVoice) {
    const output = { format: session.outputFormat, speed: session.speed };
    if (includeVoice)
        output.voice = session.voice;
    return {
        type: 'session.update',
        session: {
            type: 'realtime',
            instructions: session.instructions,
            output_modalities: [...session.outputModalities],
            audio: {
                input: {
                    format: session.inputFormat,
                    transcription: session.transcription,
                    turn_detection: turnDetectionToWire(session.turnDetection),
                },
                output,
            },
        },
    };
}
function turnDetectionToWire(setting) {
    if (setting === null)
        return null;
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
/** Maps the upstream's `session` object to the client's view; instructions only when the client may set them. */
export function toClientSessionView(session, includeInstructions) {
    const input = obj(obj(session, 'audio'), 'input');
    const output = obj(obj(session, 'audio'), 'output');
    const turn = obj(input, 'turn_detection');
    const transcription = obj(input, 'transcription');
    const view = {
        voice: str(output, 'voice'),
        speed: num(output, 'speed'),
        outputModalities: session?.output_modalities,
        turnDetection: turn === undefined
            ? null
            : dropUndefined({
                type: str(turn, 'type'),
                threshold: num(turn, 'threshold'),
                prefixPaddingMs: num(turn, 'prefix_padding_ms'),
                silenceMs: num(turn, 'silence_duration_ms'),
                eagerness: str(turn, 'eagerness'),
                createResponse: turn.create_response,
                interruptResponse: turn.interrupt_response,
            }),
        transcription: transcription === undefined ? null : dropUndefined({ model: str(transcription, 'model'), language: str(transcription, 'language') }),
    };
    return includeInstructions ? { ...view, instructions: str(session, 'instructions') } : view;
}
/** Whether the effective session cancels responses itself when the user starts speaking. */
export function upstreamInterruptsOnSpeech(session) {
    const turn = obj(obj(obj(session, 'audio'), 'input'), 'turn_detection');
    return turn !== undefined && turn.interrupt_response !== false;
}
function dropUndefined(record) {
    return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
