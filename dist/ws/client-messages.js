/**
 * The client's JSON control messages (protocol v1), parsed into values. Untrusted input never throws: every
 * problem becomes a result with the error code the client will see.
 */
import { CLIENT_CONFIG_KEYS, VOICES } from '../config/constants.js';
import { ECHO_MAX_CHARS, echoClientText } from '../errors/index.js';
/** Longest typed user message accepted (characters). */
export const MAX_TEXT_CHARS = 16_000;
/** Longest `instructions` accepted (characters). */
export const MAX_INSTRUCTIONS_CHARS = 32_000;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const EAGERNESS = ['low', 'medium', 'high', 'auto'];
const TURN_OBJECT_KEYS = ['type', 'threshold', 'prefixPaddingMs', 'silenceMs', 'eagerness', 'createResponse', 'interruptResponse'];
class Invalid extends Error {
}
/** Parses one client text frame. */
export function parseClientMessage(text) {
    let value;
    try {
        value = JSON.parse(text);
    }
    catch {
        return { ok: false, code: 'invalid_json', message: 'The text frame is not valid JSON.' };
    }
    if (!isRecord(value))
        return { ok: false, code: 'invalid_message', message: 'A message must be a JSON object with a "type".' };
    if (typeof value.type !== 'string')
        return { ok: false, code: 'invalid_message', message: 'The message has no string "type".' };
    try {
        const message = parseByType(value.type, value);
        if (message === undefined) {
            return { ok: false, code: 'unknown_message_type', message: `Unknown message type "${echoClientText(value.type)}".` };
        }
        return { ok: true, message };
    }
    catch (error) {
        if (error instanceof Invalid)
            return { ok: false, code: 'invalid_message', message: error.message };
        throw error;
    }
}
function parseByType(type, m) {
    switch (type) {
        case 'audio':
            return { type, audio: base64Field(m, 'audio') };
        case 'config':
            return parseConfig(m);
        case 'commit':
        case 'clear':
            return { type };
        case 'cancel':
            return m.playedMs === undefined ? { type } : { type, playedMs: msField(m, 'playedMs') };
        case 'playback': {
            const responseId = m.responseId;
            if (typeof responseId !== 'string' || responseId === '')
                throw new Invalid('"playback" needs a string "responseId".');
            return { type, responseId, playedMs: msField(m, 'playedMs') };
        }
        case 'text': {
            const value = m.text;
            if (typeof value !== 'string' || value.trim() === '')
                throw new Invalid('"text" needs a non-empty string "text".');
            if (value.length > MAX_TEXT_CHARS)
                throw new Invalid(`"text" is longer than ${MAX_TEXT_CHARS} characters.`);
            return { type, text: value };
        }
        case 'ping': {
            const id = m.id;
            if (id === undefined)
                return { type };
            if (typeof id !== 'string' && typeof id !== 'number')
                throw new Invalid('"ping" id must be a string or a number.');
            // The pong echoes the id whole, so it gets the echo bound: refused when longer, never silently cut.
            if (typeof id === 'string' && id.length > ECHO_MAX_CHARS)
                throw new Invalid(`"ping" id must be at most ${ECHO_MAX_CHARS} characters.`);
            return { type, id };
        }
        default:
            return undefined;
    }
}
function parseConfig(m) {
    const unknown = Object.keys(m).filter((key) => key !== 'type' && !CLIENT_CONFIG_KEYS.includes(key));
    if (unknown.length > 0)
        throw new Invalid(`Unknown config keys: ${echoClientText(unknown.join(', '))}.`);
    const patch = {};
    if (m.instructions !== undefined) {
        if (typeof m.instructions !== 'string' || m.instructions.length > MAX_INSTRUCTIONS_CHARS) {
            throw new Invalid(`"instructions" must be a string of at most ${MAX_INSTRUCTIONS_CHARS} characters.`);
        }
        patch.instructions = m.instructions;
    }
    if (m.voice !== undefined) {
        if (typeof m.voice !== 'string' || !VOICES.includes(m.voice)) {
            throw new Invalid(`"voice" must be one of ${VOICES.join(', ')}.`);
        }
        patch.voice = m.voice;
    }
    if (m.turnDetection !== undefined)
        patch.turnDetection = parseTurnDetection(m.turnDetection);
    if (m.transcription !== undefined)
        patch.transcription = parseTranscription(m.transcription);
    if (m.outputModalities !== undefined) {
        const value = m.outputModalities;
        if (!Array.isArray(value) || value.length !== 1 || (value[0] !== 'audio' && value[0] !== 'text')) {
            throw new Invalid('"outputModalities" must be ["audio"] or ["text"].');
        }
        patch.outputModalities = value[0] === 'audio' ? ['audio'] : ['text'];
    }
    if (m.speed !== undefined) {
        if (typeof m.speed !== 'number' || !(m.speed >= 0.25 && m.speed <= 1.5))
            throw new Invalid('"speed" must be a number from 0.25 to 1.5.');
        patch.speed = m.speed;
    }
    const keys = CLIENT_CONFIG_KEYS.filter((key) => m[key] !== undefined);
    if (keys.length === 0)
        throw new Invalid('"config" needs at least one setting.');
    return { type: 'config', patch, keys };
}
function parseTurnDetection(value) {
    if (value === 'server_vad' || value === 'semantic_vad' || value === 'none')
        return value;
    if (!isRecord(value))
        throw new Invalid('"turnDetection" must be "server_vad", "semantic_vad", "none" or an object.');
    const unknown = Object.keys(value).filter((key) => !TURN_OBJECT_KEYS.includes(key));
    if (unknown.length > 0)
        throw new Invalid(`Unknown turnDetection keys: ${echoClientText(unknown.join(', '))}.`);
    const type = value.type;
    if (type !== 'server_vad' && type !== 'semantic_vad' && type !== 'none') {
        throw new Invalid('"turnDetection.type" must be "server_vad", "semantic_vad" or "none".');
    }
    const result = { type };
    if (value.threshold !== undefined) {
        if (typeof value.threshold !== 'number' || !(value.threshold >= 0 && value.threshold <= 1)) {
            throw new Invalid('"turnDetection.threshold" must be a number from 0 to 1.');
        }
        result.threshold = value.threshold;
    }
    for (const key of ['prefixPaddingMs', 'silenceMs']) {
        if (value[key] !== undefined)
            result[key] = msField(value, key, `turnDetection.${key}`);
    }
    if (value.eagerness !== undefined) {
        if (!EAGERNESS.includes(value.eagerness)) {
            throw new Invalid(`"turnDetection.eagerness" must be one of ${EAGERNESS.join(', ')}.`);
        }
        result.eagerness = value.eagerness;
    }
    for (const key of ['createResponse', 'interruptResponse']) {
        if (value[key] !== undefined) {
            if (typeof value[key] !== 'boolean')
                throw new Invalid(`"turnDetection.${key}" must be true or false.`);
            result[key] = value[key];
        }
    }
    return result;
}
function parseTranscription(value) {
    if (typeof value === 'boolean')
        return value;
    if (!isRecord(value))
        throw new Invalid('"transcription" must be true, false or {model, language}.');
    const unknown = Object.keys(value).filter((key) => key !== 'model' && key !== 'language');
    if (unknown.length > 0)
        throw new Invalid(`Unknown transcription keys: ${echoClientText(unknown.join(', '))}.`);
    const result = {};
    for (const key of ['model', 'language']) {
        const field = value[key];
        if (field === undefined)
            continue;
        if (typeof field !== 'string' || field === '' || field.length > 100)
            throw new Invalid(`"transcription.${key}" must be a short string.`);
        result[key] = field;
    }
    return result;
}
function base64Field(m, key) {
    const value = m[key];
    if (typeof value !== 'string' || value.length % 4 !== 0 || !BASE64.test(value)) {
        throw new Invalid(`"${key}" must be base64 audio.`);
    }
    return Buffer.from(value, 'base64');
}
function msField(m, key, label = key) {
    const value = m[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
        throw new Invalid(`"${label}" must be a number of milliseconds ≥ 0.`);
    return value;
}
function isRecord(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
