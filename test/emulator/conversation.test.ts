import { describe, expect, it } from 'vitest';
import { INSTANT } from '../../src/emulator/index.js';
import type { TestClient } from '../helpers/ws-client.js';
import { nextError, ofType, open, startEmulator } from './harness.js';

/** A text turn answered with audio; returns the assistant item id. */
async function assistantTurn(client: TestClient, text = 'one two three four five six seven eight nine ten'): Promise<string> {
  client.sendJson({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } });
  client.sendJson({ type: 'response.create' });
  const done = await client.waitForType('response.done', 5000);
  return ((done.response as { output: Array<{ id: string }> }).output[0]!).id;
}

describe('conversation.item.truncate', () => {
  it('truncates within the audio sent and answers conversation.item.truncated', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT, audioPace: Infinity });
    const client = await open(emulator);
    const itemId = await assistantTurn(client);
    client.sendJson({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: 300 });
    const truncated = await client.waitForType('conversation.item.truncated');
    expect(truncated).toMatchObject({ item_id: itemId, content_index: 0, audio_end_ms: 300 });
  });

  it('refuses audio_end_ms beyond the audio already sent', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT, audioPace: Infinity });
    const client = await open(emulator);
    // 12 words × 60 ms = 720 ms of reply audio.
    const itemId = await assistantTurn(client);
    client.sendJson({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: 2000, event_id: 'evt_t' });
    expect(await nextError(client)).toEqual({
      type: 'invalid_request_error',
      code: 'invalid_value',
      message: 'Audio content of 720ms is already shorter than 2000ms',
      param: 'audio_end_ms',
      event_id: 'evt_t',
    });
    client.sendJson({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: 720 });
    await client.waitForType('conversation.item.truncated');
  });

  it('refuses to touch the item of a response still in progress, and after a cancel bounds truncation by audio sent', async () => {
    const emulator = await startEmulator({ audioPace: 1 });
    const client = await open(emulator);
    client.sendJson({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'x '.repeat(40).trim() }] } });
    client.sendJson({ type: 'response.create' });
    const delta = await client.waitForType('response.output_audio.delta');
    client.sendJson({ type: 'response.cancel' });
    // The cancel is asynchronous: right after it the item is still being generated.
    client.sendJson({ type: 'conversation.item.truncate', item_id: delta.item_id, content_index: 0, audio_end_ms: 20 });
    expect(await nextError(client)).toMatchObject({ code: 'item_in_progress', param: 'item_id' });
    client.sendJson({ type: 'conversation.item.delete', item_id: delta.item_id });
    expect(await nextError(client)).toMatchObject({ code: 'item_in_progress', param: 'item_id' });
    await client.waitForType('response.done');
    client.sendJson({ type: 'conversation.item.truncate', item_id: delta.item_id, content_index: 0, audio_end_ms: 2000 });
    const error = await nextError(client);
    expect(error).toMatchObject({ code: 'invalid_value', param: 'audio_end_ms' });
    expect(error.message).toMatch(/^Audio content of \d+ms is already shorter than 2000ms$/);
  });

  it('refuses an unknown item with param item_id, and a user item as not audio output', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT, audioPace: Infinity });
    const client = await open(emulator);
    client.sendJson({ type: 'conversation.item.truncate', item_id: 'item_nope', content_index: 0, audio_end_ms: 0 });
    expect(await nextError(client)).toMatchObject({ param: 'item_id' });
    client.sendJson({ type: 'conversation.item.create', item: { id: 'item_user1', type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] } });
    await client.waitForType('conversation.item.done');
    client.sendJson({ type: 'conversation.item.truncate', item_id: 'item_user1', content_index: 0, audio_end_ms: 0 });
    expect(await nextError(client)).toMatchObject({ code: 'unsupported_content_type' });
  });
});

describe('conversation.item.delete and retrieve', () => {
  it('deletes an item and then no longer knows it', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT, audioPace: Infinity });
    const client = await open(emulator);
    const itemId = await assistantTurn(client, 'hi');
    client.sendJson({ type: 'conversation.item.retrieve', item_id: itemId });
    expect(await client.waitForType('conversation.item.retrieved')).toMatchObject({ item: { id: itemId, role: 'assistant' } });
    client.sendJson({ type: 'conversation.item.delete', item_id: itemId });
    expect(await client.waitForType('conversation.item.deleted')).toMatchObject({ item_id: itemId });
    client.sendJson({ type: 'conversation.item.delete', item_id: itemId, event_id: 'evt_d' });
    expect(await nextError(client)).toMatchObject({ code: 'item_delete_invalid_item_id', param: 'item_id', event_id: 'evt_d' });
    client.sendJson({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: 0 });
    expect(await nextError(client)).toMatchObject({ param: 'item_id' });
  });

  it('links previous_item_id through the conversation and keeps a client-chosen item id', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT });
    const client = await open(emulator);
    client.sendJson({ type: 'conversation.item.create', item: { id: 'item_a', type: 'message', role: 'user', content: [{ type: 'input_text', text: 'a' }] } });
    client.sendJson({ type: 'conversation.item.create', item: { type: 'message', role: 'system', content: [{ type: 'input_text', text: 'b' }] } });
    await client.waitUntil(() => ofType(client, 'conversation.item.done').length === 2);
    const [first, second] = ofType(client, 'conversation.item.added');
    expect(first).toMatchObject({ previous_item_id: null, item: { id: 'item_a' } });
    expect(second).toMatchObject({ previous_item_id: 'item_a', item: { role: 'system' } });
    client.sendJson({ type: 'conversation.item.create', item: { id: 'item_a', type: 'message', role: 'user', content: [] } });
    expect(await nextError(client)).toMatchObject({ param: 'item.id' });
    client.sendJson({ type: 'conversation.item.create', item: { type: 'message', role: 'robot', content: [] } });
    expect(await nextError(client)).toMatchObject({ code: 'invalid_value', param: 'item.role' });
  });
});
