import { describe, expect, it } from 'vitest';
import { INSTANT } from '../../src/emulator/index.js';
import type { TestClient } from '../helpers/ws-client.js';
import { appendAudio, nextError, ofType, open, startEmulator, types, utterance } from './harness.js';

async function vadOff(client: TestClient): Promise<void> {
  client.sendJson({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: null } } } });
  await client.waitForType('session.updated');
}

describe('input audio buffer with turn detection off', () => {
  it('commit → committed, user item added and done, and no automatic response', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT });
    const client = await open(emulator);
    await vadOff(client);
    appendAudio(client, utterance(200, 600, 200));
    client.sendJson({ type: 'input_audio_buffer.commit' });
    const done = await client.waitForType('conversation.item.done');
    const committed = ofType(client, 'input_audio_buffer.committed')[0]!;
    expect(committed).toMatchObject({ previous_item_id: null });
    expect((done.item as { id: string }).id).toBe(committed.item_id);
    expect(types(client).slice(-3)).toEqual(['input_audio_buffer.committed', 'conversation.item.added', 'conversation.item.done']);
    // Loud audio with VAD off produced no speech events, and no response follows.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(types(client).filter((t) => t.startsWith('input_audio_buffer.speech') || t.startsWith('response.'))).toEqual([]);
    // The whole buffer was committed: a response echoes all 1000 ms.
    client.sendJson({ type: 'response.create' });
    await client.waitForType('response.done');
    expect(ofType(client, 'response.output_audio_transcript.done')[0]!.transcript).toBe('I heard 1.0 seconds of audio.');
  });

  it('clear → cleared, and a commit after it is too small', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT });
    const client = await open(emulator);
    await vadOff(client);
    appendAudio(client, utterance(0, 300, 0));
    client.sendJson({ type: 'input_audio_buffer.clear' });
    await client.waitForType('input_audio_buffer.cleared');
    client.sendJson({ type: 'input_audio_buffer.commit', event_id: 'evt_7' });
    expect(await nextError(client)).toEqual({
      type: 'invalid_request_error',
      code: 'input_audio_buffer_commit_empty',
      message: 'Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has 0.00ms of audio.',
      param: null,
      event_id: 'evt_7',
    });
  });

  it('refuses to commit under 100 ms of audio, then commits once there is enough', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT });
    const client = await open(emulator);
    await vadOff(client);
    appendAudio(client, Buffer.alloc(60 * 48));
    client.sendJson({ type: 'input_audio_buffer.commit' });
    expect((await nextError(client)).message).toContain('buffer only has 60.00ms of audio');
    appendAudio(client, Buffer.alloc(40 * 48));
    client.sendJson({ type: 'input_audio_buffer.commit' });
    await client.waitForType('input_audio_buffer.committed');
  });

  it('reports invalid base64 and missing audio, and the session goes on', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT });
    const client = await open(emulator);
    client.sendJson({ type: 'input_audio_buffer.append', audio: 'not base64!!', event_id: 'evt_b64' });
    expect(await nextError(client)).toMatchObject({ code: 'invalid_value', param: 'audio', event_id: 'evt_b64' });
    client.sendJson({ type: 'input_audio_buffer.append' });
    expect(await nextError(client)).toMatchObject({ code: 'missing_required_parameter', param: 'audio' });
    appendAudio(client, utterance(300, 500, 700));
    await client.waitForType('response.done', 5000);
  });

  it('counts appended bytes per session', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT });
    const client = await open(emulator);
    appendAudio(client, Buffer.alloc(4801));
    client.sendJson({ type: 'input_audio_buffer.append', audio: Buffer.alloc(7).toString('base64') });
    await expect.poll(() => emulator.sessions[0]!.appendedBytes, { timeout: 2000 }).toBe(4808);
  });

  it('a manual commit with VAD on commits the buffer without a response', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT });
    const client = await open(emulator);
    appendAudio(client, Buffer.alloc(200 * 48));
    client.sendJson({ type: 'input_audio_buffer.commit' });
    await client.waitForType('conversation.item.done');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(types(client).some((t) => t.startsWith('response.'))).toBe(false);
  });
});

describe('input transcription', () => {
  it('sends delta and completed events for the committed item, after the commit', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT });
    const client = await open(emulator);
    client.sendJson({
      type: 'session.update',
      session: { type: 'realtime', audio: { input: { transcription: { model: 'gpt-4o-mini-transcribe' } } } },
    });
    await client.waitForType('session.updated');
    appendAudio(client, utterance(400, 1000, 700));
    const completed = await client.waitForType('conversation.item.input_audio_transcription.completed', 5000);
    const itemId = ofType(client, 'input_audio_buffer.committed')[0]!.item_id;
    const deltas = ofType(client, 'conversation.item.input_audio_transcription.delta');
    expect(deltas.length).toBeGreaterThan(1);
    for (const delta of deltas) expect(delta).toMatchObject({ item_id: itemId, content_index: 0 });
    expect(deltas.map((d) => d.delta).join('')).toBe('(1.80 seconds of speech)');
    expect(completed).toMatchObject({
      item_id: itemId,
      content_index: 0,
      transcript: '(1.80 seconds of speech)',
      usage: { type: 'tokens', input_token_details: { audio_tokens: 18 } },
    });
    const order = types(client);
    expect(order.indexOf('conversation.item.input_audio_transcription.delta')).toBeGreaterThan(order.indexOf('input_audio_buffer.committed'));
  });

  it('sends no transcription events when transcription is off', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT, audioPace: Infinity });
    const client = await open(emulator);
    appendAudio(client, utterance(300, 500, 700));
    await client.waitForType('response.done', 5000);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(types(client).some((t) => t.includes('transcription'))).toBe(false);
  });
});
