function describe(value) {
    if (value === null)
        return 'null';
    if (Array.isArray(value))
        return 'an array';
    if (typeof value === 'number')
        return Number.isInteger(value) ? 'an integer' : 'a decimal';
    if (typeof value === 'object')
        return 'an object';
    if (typeof value === 'boolean')
        return 'a boolean';
    return `a ${typeof value}`;
}
function show(value) {
    return typeof value === 'string' ? value : JSON.stringify(value);
}
export function unknownParameter(param) {
    return { code: 'unknown_parameter', message: `Unknown parameter: '${param}'.`, param };
}
export function missingParameter(param) {
    return { code: 'missing_required_parameter', message: `Missing required parameter: '${param}'.`, param };
}
export function invalidType(param, expected, value) {
    return {
        code: 'invalid_type',
        message: `Invalid type for '${param}': expected ${expected}, but got ${describe(value)} instead.`,
        param,
    };
}
export function invalidValue(param, value, supported) {
    const list = supported.map((s) => `'${show(s)}'`).join(', ');
    return { code: 'invalid_value', message: `Invalid value: '${show(value)}'. Supported values are: ${list}.`, param };
}
export function outOfRange(param, value, min, max) {
    const kind = Number.isInteger(value) ? 'integer' : 'decimal';
    if (value < min) {
        return {
            code: `${kind}_below_min_value`,
            message: `Invalid '${param}': ${kind} below minimum value. Expected a value >= ${min}, but got ${value} instead.`,
            param,
        };
    }
    return {
        code: `${kind}_above_max_value`,
        message: `Invalid '${param}': ${kind} above maximum value. Expected a value <= ${max}, but got ${value} instead.`,
        param,
    };
}
export function invalidJson() {
    return {
        code: 'invalid_json',
        message: "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
        param: null,
    };
}
export function commitTooSmall(bufferedMs) {
    return {
        code: 'input_audio_buffer_commit_empty',
        message: `Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has ${bufferedMs.toFixed(2)}ms of audio.`,
        param: null,
    };
}
export function cancelNotActive() {
    return { code: 'response_cancel_not_active', message: 'Cancellation failed: no active response found', param: null };
}
export function alreadyHasActiveResponse(responseId) {
    return {
        code: 'conversation_already_has_active_response',
        message: `Conversation already has an active response in progress: ${responseId}. Wait until the response is finished before creating a new one.`,
        param: null,
    };
}
export function itemNotFound(itemId) {
    return { code: 'invalid_value', message: `Item with item_id '${itemId}' not found.`, param: 'item_id' };
}
export function deleteUnknownItem(itemId) {
    return {
        code: 'item_delete_invalid_item_id',
        message: `Error deleting item: the item with id '${itemId}' does not exist.`,
        param: 'item_id',
    };
}
export function truncateTooLong(audioMs, requestedMs) {
    return {
        code: 'invalid_value',
        message: `Audio content of ${Math.floor(audioMs)}ms is already shorter than ${requestedMs}ms`,
        param: 'audio_end_ms',
    };
}
export function truncateNotAudio() {
    return { code: 'unsupported_content_type', message: 'Only model output audio messages can be truncated', param: null };
}
export function cannotUpdateVoice() {
    return {
        code: 'cannot_update_voice',
        message: "Cannot update a conversation's voice if assistant audio is present.",
        param: 'session.audio.output.voice',
    };
}
export function invalidBase64() {
    return { code: 'invalid_value', message: "Invalid 'audio'. Expected base64-encoded audio data.", param: 'audio' };
}
export function binaryFrame() {
    return {
        code: 'invalid_json',
        message: 'Binary frames are not supported. Send JSON text frames with base64 audio.',
        param: null,
    };
}
export function missingModel() {
    return {
        code: 'missing_model',
        message: "You must provide a model parameter, e.g. '/v1/realtime?model=gpt-realtime'.",
        param: null,
    };
}
export function betaShapeDisabled() {
    return {
        code: 'beta_api_shape_disabled',
        message: "The Realtime API beta interface is no longer available. Remove the 'OpenAI-Beta: realtime=v1' header and use the GA interface.",
        param: null,
    };
}
export function unknownEventType(type, supported) {
    return invalidValue('type', type, supported);
}
