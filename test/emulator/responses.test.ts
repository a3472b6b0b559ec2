import { describe, expect, it } from 'vitest';
import { INSTANT } from '../../src/emulator/index.js';
import type { TestClient } from '../helpers/ws-client.js';
import { appendAudio, nextError, ofType, open, replyAudio, startEmulator, types, utterance } from './harness.js';

function sendText(client: TestClient, text: string): void {
  client.sendJson({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } });
}

describe('text turn', () => {
  it('adds the user item, then answers response.create with a deterministic reply and audio that grows with it', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT, audioPace: Infinity });
    const client = await open(emulator);
    sendText(client, 'hello there');
    const done = await client.waitForType('conversation.item.done');
    const item = ofType(client, 'conversation.item.added')[0]!;
    expect(item).toMatchObject({
      previous_item_id: null,
      item: { object: 'realtime.item', type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_text', text: 'hello there' }] },
    });
    expect(done.item).toEqual(item.item);
    client.sendJson({ type: 'response.create' });
    await client.waitForType('response.done');
    const transcript = ofType(client, 'response.output_audio_transcript.done')[0]!.transcript;
    expect(transcript).toBe('You said: "hello there".');
    const shortAudio = replyAudio(client).length;
    expect(shortAudio).toBe(4 * 60 * 48);

    sendText(client, 'one two three four five six seven eight');
    await client.waitForType('conversation.item.done');
    const from = client.json.length;
    client.sendJson({ type: 'response.create' });
    const second = await client.waitFor((m) => m.type === 'response.done', 5000, from);
    const responseId = (second.response as { id: string }).id;
    expect(replyAudio(client, responseId).length).toBeGreaterThan(shortAudio);
  });

  it('with output_modalities ["text"] streams output_text deltas only', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT, audioPace: Infinity });
    const client = await open(emulator);
    client.sendJson({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'] } });
    await client.waitForType('session.updated');
    sendText(client, 'hi');
    client.sendJson({ type: 'response.create' });
    const done = await client.waitForType('response.done');
    const list = types(client);
    expect(list.some((t) => t.includes('audio'))).toBe(false);
    expect(ofType(client, 'response.content_part.added')[0]).toMatchObject({ part: { type: 'text', text: '' } });
    const text = ofType(client, 'response.output_text.delta').map((m) => m.delta).join('');
    expect(text).toBe('You said: "hi".');
    expect(ofType(client, 'response.output_text.done')[0]).toMatchObject({ text });
    expect(done.response).toMatchObject({
      status: 'completed',
      output_modalities: ['text'],
      output: [{ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text }] }],
    });
    const order = list.filter((t) => t.startsWith('response.') && !t.endsWith('.delta'));
    expect(order).toEqual([
      'response.created',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.done',
    ]);
  });

  it('response.create may override instructions and output_modalities', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT, audioPace: Infinity });
    const client = await open(emulator);
    sendText(client, 'hi');
    client.sendJson({ type: 'response.create', response: { instructions: 'Answer in text.', output_modalities: ['text'] } });
    const done = await client.waitForType('response.done');
    expect(done.response).toMatchObject({ status: 'completed', output_modalities: ['text'] });
    client.sendJson({ type: 'response.create', response: { output_modalities: ['audio', 'text'] } });
    expect(await nextError(client)).toMatchObject({ code: 'invalid_value', param: 'response.output_modalities' });
  });

  it('an out-of-band response (conversation: "none") adds nothing to the conversation', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT, audioPace: Infinity });
    const client = await open(emulator);
    client.sendJson({ type: 'response.create', response: { conversation: 'none' } });
    const done = await client.waitForType('response.done');
    expect(done.response).toMatchObject({ conversation_id: null, status: 'completed' });
    expect(types(client).some((t) => t.startsWith('conversation.'))).toBe(false);
  });
});

describe('interruption and control', () => {
  it('speech during a response cancels it: .done events, then response.done cancelled / turn_detected', async () => {
    // Real-time pace so the reply is still playing when the user talks again.
    const emulator = await startEmulator({ behaviour: INSTANT, audioPace: 1 });
    const client = await open(emulator);
    appendAudio(client, utterance(300, 1500, 600));
    await client.waitForType('response.output_audio.delta', 5000);
    const from = client.json.length;
    appendAudio(client, utterance(0, 300, 0));
    const done = await client.waitFor((m) => m.type === 'response.done', 5000, from);
    expect(done.response).toMatchObject({ status: 'cancelled', status_details: { type: 'cancelled', reason: 'turn_detected' } });
    const after = types(client).slice(from);
    expect(after.indexOf('input_audio_buffer.speech_started')).toBeLessThan(after.indexOf('response.output_audio.done'));
    expect(after.filter((t) => !t.endsWith('.delta'))).toEqual([
      'input_audio_buffer.speech_started',
      'response.output_audio.done',
      'response.output_audio_transcript.done',
      'response.content_part.done',
      'response.output_item.done',
      'conversation.item.done',
      'response.done',
    ]);
    expect(ofType(client, 'response.output_item.done')[0]).toMatchObject({ item: { status: 'incomplete' } });
    const sent = replyAudio(client).length;
    expect(sent).toBeLessThan(1800 * 48);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(replyAudio(client).length).toBe(sent);
  });

  it('with interrupt_response off, speech does not cancel the response', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT, audioPace: 2 });
    const client = await open(emulator);
    client.sendJson({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad', interrupt_response: false } } } } });
    await client.waitForType('session.updated');
    appendAudio(client, utterance(300, 400, 600));
    await client.waitForType('response.output_audio.delta', 5000);
    appendAudio(client, utterance(0, 300, 0));
    await client.waitForType('input_audio_buffer.speech_started');
    await client.waitUntil(() => ofType(client, 'input_audio_buffer.speech_started').length === 2, 3000);
    const done = await client.waitForType('response.done', 5000);
    expect(done.response).toMatchObject({ status: 'completed' });
  });

  it('response.cancel cancels with client_cancelled; when idle it is response_cancel_not_active', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT, audioPace: 1 });
    const client = await open(emulator);
    client.sendJson({ type: 'response.cancel', event_id: 'evt_c' });
    expect(await nextError(client)).toMatchObject({ code: 'response_cancel_not_active', param: null, event_id: 'evt_c' });
    // 42 words: 2.5 s of reply audio at real-time pace, ample time to cancel it.
    sendText(client, 'word '.repeat(40).trim());
    client.sendJson({ type: 'response.create' });
    await client.waitForType('response.output_audio.delta');
    client.sendJson({ type: 'response.cancel' });
    const done = await client.waitForType('response.done');
    expect(done.response).toMatchObject({ status: 'cancelled', status_details: { type: 'cancelled', reason: 'client_cancelled' } });
    client.sendJson({ type: 'response.cancel' });
    expect(await nextError(client)).toMatchObject({ code: 'response_cancel_not_active' });
  });

  it('response.create during a response fails with conversation_already_has_active_response', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT, audioPace: 1 });
    const client = await open(emulator);
    sendText(client, 'word '.repeat(40).trim());
    client.sendJson({ type: 'response.create' });
    const created = await client.waitForType('response.created');
    client.sendJson({ type: 'response.create', event_id: 'evt_2' });
    const error = await nextError(client);
    const responseId = (created.response as { id: string }).id;
    expect(error).toMatchObject({ code: 'conversation_already_has_active_response', event_id: 'evt_2' });
    expect(error.message).toContain(responseId);
    expect(ofType(client, 'response.created')).toHaveLength(1);
  });

  it('paces reply audio faster than real time (pace 4: 1 s of audio over about 250 ms)', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT, audioPace: 4 });
    const client = await open(emulator);
    client.sendJson({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: null } } } });
    appendAudio(client, Buffer.alloc(1000 * 48));
    client.sendJson({ type: 'input_audio_buffer.commit' });
    client.sendJson({ type: 'response.create' });
    const first = await client.waitForType('response.output_audio.delta');
    await client.waitForType('response.done');
    const last = ofType(client, 'response.output_audio.delta').at(-1)!;
    const firstAt = client.messages.find((m) => m.json === first)!.at;
    const lastAt = client.messages.find((m) => m.json === last)!.at;
    // 25 chunks of 40 ms at 4× real time: 24 gaps of 10 ms.
    expect(lastAt - firstAt).toBeGreaterThanOrEqual(200);
    expect(lastAt - firstAt).toBeLessThan(1000);
  });
});
