import { describe, expect, it } from 'vitest';
import { INSTANT, REALISTIC_MODEL_LATENCY_MS } from '../../src/emulator/index.js';
import type { JsonMessage, TestClient } from '../helpers/ws-client.js';
import { appendAudio, connect, connectAzure, nextError, ofType, open, replyAudio, startEmulator, types, utterance } from './harness.js';

/** When (ms, receive time) the first message of `type` arrived. */
function at(client: TestClient, type: string, from = 0): number {
  const message = client.messages.slice(from).find((m) => m.json?.type === type);
  if (message === undefined) throw new Error(`no ${type}`);
  return message.at;
}

function sendText(client: TestClient, text: string): void {
  client.sendJson({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } });
}

describe('model latency', () => {
  it('by default a turn gets response.created soon and its first output a few hundred ms later', async () => {
    const emulator = await startEmulator();
    const client = await open(emulator);
    appendAudio(client, utterance(300, 800, 700));
    await client.waitForType('response.output_audio.delta', 8000);
    const committed = at(client, 'input_audio_buffer.committed');
    expect(at(client, 'response.created') - committed).toBeLessThan(REALISTIC_MODEL_LATENCY_MS);
    // Timer slack aside, the output waits for the think time.
    expect(at(client, 'response.output_item.added') - committed).toBeGreaterThanOrEqual(REALISTIC_MODEL_LATENCY_MS - 20);
    expect(types(client).indexOf('rate_limits.updated')).toBe(types(client).indexOf('response.created') + 1);
  });

  it('switched off (INSTANT), the response opens in the same tick as the commit', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT });
    const client = await open(emulator);
    appendAudio(client, utterance(300, 800, 700));
    await client.waitForType('response.content_part.added', 8000);
    expect(at(client, 'response.content_part.added') - at(client, 'input_audio_buffer.committed')).toBeLessThan(20);
  });

  it('is switched per session, while it runs', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT });
    const quick = await open(emulator);
    const slow = await open(emulator);
    emulator.sessions[1]!.behaviour.modelLatencyMs = 400;
    for (const client of [quick, slow]) {
      sendText(client, 'hi');
      client.sendJson({ type: 'response.create' });
    }
    await Promise.all([quick.waitForType('response.done'), slow.waitForType('response.done')]);
    const think = (c: TestClient): number => at(c, 'response.output_item.added') - at(c, 'response.created');
    expect(think(quick)).toBeLessThan(50);
    expect(think(slow)).toBeGreaterThanOrEqual(350);
  });

  it('the loopback bench mode has none', async () => {
    const emulator = await startEmulator({ loopback: true });
    await open(emulator);
    expect(emulator.sessions[0]!.behaviour).toMatchObject({ modelLatencyMs: 0, cancelLatencyMs: 0, transcriptLagMs: 0 });
  });

  it('a response thinking is already active: a second response.create is refused, and a cancel ends it without output', async () => {
    const emulator = await startEmulator({ behaviour: { modelLatencyMs: 500 } });
    const client = await open(emulator);
    client.sendJson({ type: 'response.create' });
    await client.waitForType('response.created');
    client.sendJson({ type: 'response.create' });
    expect(await nextError(client)).toMatchObject({ code: 'conversation_already_has_active_response' });
    client.sendJson({ type: 'response.cancel' });
    const done = await client.waitForType('response.done');
    expect(done.response).toMatchObject({ status: 'cancelled', status_details: { type: 'cancelled', reason: 'client_cancelled' }, output: [] });
    expect(types(client).some((t) => t.startsWith('response.output'))).toBe(false);
  });
});

describe('asynchronous cancel', () => {
  it('audio keeps coming for cancelLatencyMs after response.cancel, then the .done events', async () => {
    const emulator = await startEmulator({ audioPace: 1, behaviour: { modelLatencyMs: 0, cancelLatencyMs: 150 } });
    const client = await open(emulator);
    sendText(client, 'x '.repeat(40).trim());
    client.sendJson({ type: 'response.create' });
    await client.waitForType('response.output_audio.delta');
    const cancelledAt = Date.now();
    const from = client.messages.length;
    client.sendJson({ type: 'response.cancel' });
    const done = await client.waitFor((m) => m.type === 'response.done', 3000);
    expect(Date.now() - cancelledAt).toBeGreaterThanOrEqual(140);
    expect(done.response).toMatchObject({ status: 'cancelled', status_details: { reason: 'client_cancelled' } });
    const after = client.messages.slice(from).map((m) => m.json?.type);
    expect(after.filter((t) => t === 'response.output_audio.delta').length).toBeGreaterThan(0);
    expect(after.indexOf('response.output_audio.done')).toBeGreaterThan(after.lastIndexOf('response.output_audio.delta'));
  });

  it('with cancelLatencyMs 0 it is synchronous: no delta after the cancel', async () => {
    const emulator = await startEmulator({ audioPace: 1, behaviour: INSTANT });
    const client = await open(emulator);
    sendText(client, 'x '.repeat(40).trim());
    client.sendJson({ type: 'response.create' });
    await client.waitForType('response.output_audio.delta');
    client.sendJson({ type: 'response.cancel' });
    await client.waitForType('response.done');
    const list = types(client);
    expect(list.slice(list.indexOf('response.output_audio.done')).includes('response.output_audio.delta')).toBe(false);
  });
});

describe('assistant transcript lagging its audio', () => {
  /** Audio ms sent before the i-th transcript delta, per delta. */
  function audioBeforeEachPiece(client: TestClient): number[] {
    let audioMs = 0;
    const result: number[] = [];
    for (const m of client.json) {
      if (m.type === 'response.output_audio.delta') audioMs += Buffer.from(String(m.delta), 'base64').length / 48;
      if (m.type === 'response.output_audio_transcript.delta') result.push(audioMs);
    }
    return result;
  }

  it('by default each transcript piece follows the audio it describes by transcriptLagMs', async () => {
    const emulator = await startEmulator({ audioPace: 20, behaviour: { modelLatencyMs: 0, transcriptLagMs: 400 } });
    const client = await open(emulator);
    sendText(client, 'one two three four five six seven eight nine ten');
    client.sendJson({ type: 'response.create' });
    const done = await client.waitForType('response.done');
    const pieces = ofType(client, 'response.output_audio_transcript.delta');
    const total = replyAudio(client).length / 48;
    const before = audioBeforeEachPiece(client);
    // The first piece waits for 400 ms of audio; none runs ahead of the audio it stands for.
    expect(before[0]).toBeGreaterThanOrEqual(400);
    before.forEach((ms, i) => expect(ms).toBeGreaterThanOrEqual(Math.min(total, (i * total) / pieces.length)));
    expect(pieces.map((m) => m.delta).join('')).toBe((done.response as { output: Array<{ content: Array<{ transcript: string }> }> }).output[0]!.content[0]!.transcript);
  });

  it('so a response cut short has less transcript than audio', async () => {
    const emulator = await startEmulator({ audioPace: 1, behaviour: { modelLatencyMs: 0, cancelLatencyMs: 0, transcriptLagMs: 300 } });
    const client = await open(emulator);
    sendText(client, 'one two three four five six seven eight nine ten');
    client.sendJson({ type: 'response.create' });
    await client.waitUntil(() => replyAudio(client).length >= 200 * 48);
    client.sendJson({ type: 'response.cancel' });
    const done = await client.waitForType('response.done');
    const sentMs = replyAudio(client).length / 48;
    const transcript = String(ofType(client, 'response.output_audio_transcript.done')[0]!.transcript);
    // 12 words, 60 ms of reply audio each: the audio sent stands for more words than the transcript has.
    const wordsHeard = sentMs / 60;
    expect(done.response).toMatchObject({ status: 'cancelled' });
    expect(transcript.split(' ').filter(Boolean).length).toBeLessThan(wordsHeard);
  });
});

describe('user transcription', () => {
  it('after_response: the transcription of a turn arrives after the response.done that answers it', async () => {
    const emulator = await startEmulator({ behaviour: { transcriptionTiming: 'after_response', modelLatencyMs: 50 } });
    const client = await open(emulator);
    client.sendJson({ type: 'session.update', session: { type: 'realtime', audio: { input: { transcription: { model: 'gpt-4o-mini-transcribe' } } } } });
    await client.waitForType('session.updated');
    appendAudio(client, utterance(300, 800, 700));
    await client.waitForType('conversation.item.input_audio_transcription.completed', 8000);
    const list = types(client);
    expect(list.indexOf('response.done')).toBeGreaterThan(0);
    expect(list.indexOf('conversation.item.input_audio_transcription.delta')).toBeGreaterThan(list.indexOf('response.done'));
  });

  it('with_response (default): it arrives while the response runs', async () => {
    const emulator = await startEmulator({ audioPace: 4 });
    const client = await open(emulator);
    client.sendJson({ type: 'session.update', session: { type: 'realtime', audio: { input: { transcription: { model: 'whisper-1' } } } } });
    await client.waitForType('session.updated');
    appendAudio(client, utterance(300, 800, 700));
    await client.waitForType('response.done', 8000);
    const list = types(client);
    expect(list.indexOf('conversation.item.input_audio_transcription.completed')).toBeLessThan(list.indexOf('response.done'));
  });

  it('failTranscription: each turn gets conversation.item.input_audio_transcription.failed, worded like the service', async () => {
    const emulator = await startEmulator({ behaviour: { failTranscription: true } });
    const client = await open(emulator);
    client.sendJson({ type: 'session.update', session: { type: 'realtime', audio: { input: { transcription: { model: 'whisper-1' } } } } });
    await client.waitForType('session.updated');
    appendAudio(client, utterance(300, 800, 700));
    const failed = await client.waitForType('conversation.item.input_audio_transcription.failed', 8000);
    const itemId = String(ofType(client, 'input_audio_buffer.committed')[0]!.item_id);
    expect(failed).toMatchObject({
      item_id: itemId,
      content_index: 0,
      error: { type: 'server_error', message: `Input transcription failed for item '${itemId}'. 429 Too Many Requests` },
    });
    expect(types(client)).not.toContain('conversation.item.input_audio_transcription.completed');
  });
});

describe("Azure's transcription deployments", () => {
  it('a transcription model that names no deployment fails every turn; a deployment transcribes', async () => {
    const emulator = await startEmulator({ azureDeployments: ['my-transcribe'] });
    const turn = async (model: string): Promise<string[]> => {
      const client = await connectAzure(emulator);
      await client.waitForType('session.created');
      client.sendJson({ type: 'session.update', session: { type: 'realtime', audio: { input: { transcription: { model } } } } });
      await client.waitForType('session.updated');
      appendAudio(client, utterance(300, 800, 700));
      await client.waitFor((m) => String(m.type).startsWith('conversation.item.input_audio_transcription.') && !String(m.type).endsWith('.delta'), 8000);
      return types(client).filter((t) => t.startsWith('conversation.item.input_audio_transcription.'));
    };
    const failed = await turn('gpt-4o-mini-transcribe');
    expect(failed).toEqual(['conversation.item.input_audio_transcription.failed']);
    expect(await turn('my-transcribe')).toContain('conversation.item.input_audio_transcription.completed');
  });
});

describe('errors without event_id', () => {
  it('errorsWithoutEventId: neither the event nor its body carries one', async () => {
    const emulator = await startEmulator({ behaviour: { errorsWithoutEventId: true } });
    const client = await connect(emulator);
    await client.waitForType('session.created');
    client.sendJson({ type: 'response.cancel', event_id: 'evt_1' });
    const error: JsonMessage = await client.waitForType('error');
    expect(error).not.toHaveProperty('event_id');
    expect(error.error).toEqual({
      type: 'invalid_request_error',
      code: 'response_cancel_not_active',
      message: 'Cancellation failed: no active response found',
      param: null,
    });
  });
});
