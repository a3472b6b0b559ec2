import { describe, expect, it } from 'vitest';
import { INSTANT } from '../../src/emulator/index.js';
import { appendAudio, ofType, open, replyAudio, startEmulator, types, utterance } from './harness.js';

/** The GA sequence of a voice turn, audio and transcript deltas collapsed. */
const VOICE_TURN = [
  'session.created',
  'input_audio_buffer.speech_started',
  'input_audio_buffer.speech_stopped',
  'input_audio_buffer.committed',
  'conversation.item.added',
  'conversation.item.done',
  'response.created',
  'rate_limits.updated',
  'response.output_item.added',
  'conversation.item.added',
  'response.content_part.added',
  'deltas',
  'response.output_audio.done',
  'response.output_audio_transcript.done',
  'response.content_part.done',
  'response.output_item.done',
  'conversation.item.done',
  'response.done',
];

function collapseDeltas(list: string[]): string[] {
  const out: string[] = [];
  for (const type of list) {
    const name = type === 'response.output_audio.delta' || type === 'response.output_audio_transcript.delta' ? 'deltas' : type;
    if (name !== 'deltas' || out.at(-1) !== 'deltas') out.push(name);
  }
  return out;
}

describe('voice turn with server VAD', () => {
  it('sends the full GA event sequence with consistent ids', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT });
    const client = await open(emulator);
    appendAudio(client, utterance(400, 1000, 700));
    await client.waitForType('response.done', 8000);

    expect(collapseDeltas(types(client))).toEqual(VOICE_TURN);
    for (const event of client.json) expect(event.event_id).toMatch(/^event_[A-Za-z0-9]{21}$/);

    const started = ofType(client, 'input_audio_buffer.speech_started')[0]!;
    const stopped = ofType(client, 'input_audio_buffer.speech_stopped')[0]!;
    const committed = ofType(client, 'input_audio_buffer.committed')[0]!;
    const userItemId = started.item_id as string;
    expect(userItemId).toMatch(/^item_/);
    expect(stopped.item_id).toBe(userItemId);
    expect(committed).toMatchObject({ item_id: userItemId, previous_item_id: null });
    const [userAdded, assistantAdded] = ofType(client, 'conversation.item.added');
    expect(userAdded).toMatchObject({
      previous_item_id: null,
      item: { id: userItemId, object: 'realtime.item', type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_audio', transcript: null }] },
    });

    const created = ofType(client, 'response.created')[0]!.response as Record<string, unknown>;
    const responseId = created.id as string;
    expect(created).toMatchObject({
      object: 'realtime.response',
      status: 'in_progress',
      output: [],
      output_modalities: ['audio'],
      audio: { output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin' } },
      usage: null,
    });
    expect(responseId).toMatch(/^resp_/);
    expect(created.conversation_id).toMatch(/^conv_/);
    const outputItem = ofType(client, 'response.output_item.added')[0]!;
    const assistantItemId = (outputItem.item as { id: string }).id;
    expect(outputItem).toMatchObject({
      response_id: responseId,
      output_index: 0,
      item: { type: 'message', role: 'assistant', status: 'in_progress', content: [] },
    });
    expect(assistantAdded).toMatchObject({ previous_item_id: userItemId, item: { id: assistantItemId } });
    expect(ofType(client, 'response.content_part.added')[0]).toMatchObject({ part: { type: 'audio', transcript: '' } });

    const location = { response_id: responseId, item_id: assistantItemId, output_index: 0, content_index: 0 };
    for (const delta of [...ofType(client, 'response.output_audio.delta'), ...ofType(client, 'response.output_audio_transcript.delta')]) {
      expect(delta).toMatchObject(location);
    }
    const transcript = ofType(client, 'response.output_audio_transcript.delta').map((m) => m.delta).join('');
    expect(transcript).toBe('I heard 1.8 seconds of audio.');
    expect(ofType(client, 'response.output_audio_transcript.done')[0]).toMatchObject({ ...location, transcript });
    expect(ofType(client, 'response.content_part.done')[0]).toMatchObject({ ...location, part: { type: 'audio', transcript } });
    const doneItem = { id: assistantItemId, type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_audio', transcript }] };
    expect(ofType(client, 'response.output_item.done')[0]).toMatchObject({ response_id: responseId, item: doneItem });

    const done = ofType(client, 'response.done')[0]!.response as Record<string, unknown>;
    expect(done).toMatchObject({ id: responseId, status: 'completed', status_details: null, output: [doneItem] });
    const usage = done.usage as Record<string, number>;
    expect(usage.total_tokens).toBe(usage.input_tokens! + usage.output_tokens!);
    expect(usage).toHaveProperty('input_token_details.audio_tokens', 18);
  });

  it('reports speech start minus prefix padding and speech end including the silence duration', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT });
    const client = await open(emulator);
    appendAudio(client, utterance(600, 1000, 700));
    const started = await client.waitForType('input_audio_buffer.speech_started');
    const stopped = await client.waitForType('input_audio_buffer.speech_stopped');
    // Tone from 600 to 1600 ms; prefix padding 300 ms; silence duration 500 ms; 10 ms windows.
    expect(Math.abs(Number(started.audio_start_ms) - 300)).toBeLessThanOrEqual(10);
    expect(Math.abs(Number(stopped.audio_end_ms) - 2100)).toBeLessThanOrEqual(10);
  });

  it('echoes exactly the committed bytes', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT, audioPace: Infinity });
    const client = await open(emulator);
    const audio = utterance(400, 1000, 700);
    appendAudio(client, audio);
    await client.waitForType('response.done', 8000);
    const startMs = Number(ofType(client, 'input_audio_buffer.speech_started')[0]!.audio_start_ms);
    const endMs = Number(ofType(client, 'input_audio_buffer.speech_stopped')[0]!.audio_end_ms);
    const reply = replyAudio(client);
    expect(reply.length).toBe((endMs - startMs) * 48);
    expect(reply.equals(audio.subarray(startMs * 48, endMs * 48))).toBe(true);
    // Deltas carry 40 ms each by default.
    expect(Buffer.from(String(ofType(client, 'response.output_audio.delta')[0]!.delta), 'base64').length).toBe(40 * 48);
  });

  it('answers a second utterance with a second turn whose items follow the first', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT, audioPace: Infinity });
    const client = await open(emulator);
    appendAudio(client, utterance(300, 500, 700));
    await client.waitForType('response.done', 8000);
    const firstAssistant = (ofType(client, 'response.output_item.done')[0]!.item as { id: string }).id;
    appendAudio(client, utterance(300, 800, 700));
    await client.waitUntil(() => ofType(client, 'response.done').length === 2, 8000);
    const committed = ofType(client, 'input_audio_buffer.committed')[1]!;
    expect(committed.previous_item_id).toBe(firstAssistant);
    const transcript = ofType(client, 'response.output_audio_transcript.done')[1]!.transcript;
    expect(transcript).toBe('I heard 1.6 seconds of audio.');
  });

  it('keeps whole-ms times and exact echoes with odd-sized appends and a VAD restart mid-stream', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT, audioPace: Infinity });
    const client = await open(emulator);
    const lead = Buffer.alloc(1001);
    client.sendJson({ type: 'input_audio_buffer.append', audio: lead.toString('base64') });
    client.sendJson({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad', threshold: 0.4 } } } } });
    await client.waitForType('session.updated');
    const rest = utterance(500, 900, 700);
    for (let offset = 0; offset < rest.length; offset += 999) {
      client.sendJson({ type: 'input_audio_buffer.append', audio: rest.subarray(offset, offset + 999).toString('base64') });
    }
    await client.waitForType('response.done', 5000);
    const startMs = ofType(client, 'input_audio_buffer.speech_started')[0]!.audio_start_ms as number;
    const endMs = ofType(client, 'input_audio_buffer.speech_stopped')[0]!.audio_end_ms as number;
    expect(Number.isInteger(startMs) && Number.isInteger(endMs)).toBe(true);
    // Tone from 1001/48 + 500 ≈ 520.9 ms; padding 300 ms; windows restart at 20.9 ms.
    expect(Math.abs(startMs - 221)).toBeLessThanOrEqual(10);
    const all = Buffer.concat([lead, rest]);
    expect(replyAudio(client).equals(all.subarray(startMs * 48, endMs * 48))).toBe(true);
  });
});
