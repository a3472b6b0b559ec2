import * as errors from './errors.js';
import { newId } from './ids.js';
/** Reads a `conversation.item.create` item into a conversation entry. */
export function parseItem(value, exists) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return { error: value === undefined ? errors.missingParameter('item') : errors.invalidType('item', 'an object', value) };
    }
    const item = value;
    const id = typeof item.id === 'string' ? item.id : newId('item');
    if (exists(id))
        return { error: errors.invalidValue('item.id', id, ['an id not yet in the conversation']) };
    const type = item.type ?? 'message';
    if (type !== 'message') {
        return { entry: { id, role: 'other', wire: { ...item, id, object: 'realtime.item', type, status: 'completed' } } };
    }
    const role = item.role;
    if (role !== 'user' && role !== 'assistant' && role !== 'system') {
        return { error: errors.invalidValue('item.role', role, ['user', 'assistant', 'system']) };
    }
    if (!Array.isArray(item.content))
        return { error: errors.invalidType('item.content', 'an array', item.content) };
    const content = item.content;
    const texts = content.flatMap((part) => {
        const p = part;
        return typeof p === 'object' && p !== null && typeof p.text === 'string' ? [p.text] : [];
    });
    // Audio parts are listed without their bytes, as the service lists them.
    const wireContent = content.map((part) => {
        const p = part;
        return p?.type === 'input_audio' ? { type: 'input_audio', transcript: typeof p.transcript === 'string' ? p.transcript : null } : p;
    });
    const wire = { id, object: 'realtime.item', type: 'message', status: 'completed', role, content: wireContent };
    return { entry: { id, role, wire, ...(texts.length > 0 ? { text: texts.join(' ') } : {}) } };
}
