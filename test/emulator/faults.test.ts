import { describe, expect, it } from 'vitest';
import { appendAudio, connect, nextError, ofType, open, startEmulator, types, utterance } from './harness.js';

describe('limits and injected faults', () => {
  it('closes with 1001 and the real reason after maxSessionMs', async () => {
    const emulator = await startEmulator({ maxSessionMs: 200 });
    // Measured from before the connection: the session's clock starts at it, and opening may take long on a loaded
    // machine (read after opening, the elapsed time fell short of the bound while the cap itself was on time).
    const connecting = Date.now();
    const client = await open(emulator);
    const closed = await client.waitForClose(3000);
    expect(closed).toEqual({ code: 1001, reason: 'Your session hit the maximum duration of 200 milliseconds.' });
    expect(Date.now() - connecting).toBeGreaterThanOrEqual(190);
    expect(emulator.sessions[0]!.closed).toBe(true);
  });

  it('words the default maximum like the real service', async () => {
    const { describeDuration } = await import('../../src/emulator/session.js');
    expect(`Your session hit the maximum duration of ${describeDuration(60 * 60 * 1000)}.`).toBe(
      'Your session hit the maximum duration of 60 minutes.',
    );
    expect(describeDuration(1000)).toBe('1 second');
  });

  it('closeAfterMs closes each session with the given code and reason', async () => {
    const emulator = await startEmulator({ closeAfterMs: { ms: 100, code: 1011, reason: 'injected' } });
    const first = await open(emulator);
    const second = await open(emulator);
    expect(await first.waitForClose(3000)).toEqual({ code: 1011, reason: 'injected' });
    expect(await second.waitForClose(3000)).toEqual({ code: 1011, reason: 'injected' });
  });

  it('a close code of 1006 drops the connection without a close frame', async () => {
    const emulator = await startEmulator({ closeAfterMs: { ms: 50, code: 1006 } });
    const client = await open(emulator);
    expect((await client.waitForClose(3000)).code).toBe(1006);
  });

  it('closeMidResponse closes after N audio deltas of the first response', async () => {
    const emulator = await startEmulator({ audioPace: 1, closeMidResponse: { code: 1011, reason: 'mid', afterDeltas: 3 } });
    const client = await open(emulator);
    appendAudio(client, utterance(300, 1000, 700));
    expect(await client.waitForClose(5000)).toEqual({ code: 1011, reason: 'mid' });
    expect(ofType(client, 'response.output_audio.delta')).toHaveLength(3);
    expect(types(client)).not.toContain('response.done');
  });

  it('eventLatencyMs delays every server event and keeps their order', async () => {
    const emulator = await startEmulator({ eventLatencyMs: 150 });
    const started = Date.now();
    const client = await connect(emulator);
    await client.waitForType('session.created');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    const sent = Date.now();
    client.sendJson({ type: 'nope' });
    client.sendJson({ type: 'input_audio_buffer.clear' });
    await client.waitForType('input_audio_buffer.cleared');
    expect(Date.now() - sent).toBeGreaterThanOrEqual(140);
    expect(types(client)).toEqual(['session.created', 'error', 'input_audio_buffer.cleared']);
  });
});

describe('bad input', () => {
  it('answers an unknown event type with an error naming param type, and goes on', async () => {
    const emulator = await startEmulator();
    const client = await open(emulator);
    client.sendJson({ type: 'response.audio.delta', event_id: 'evt_u' });
    const error = await nextError(client);
    expect(error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_value', param: 'type', event_id: 'evt_u' });
    expect(error.message).toContain("Invalid value: 'response.audio.delta'");
    client.sendJson({ event_id: 'evt_notype' });
    expect(await nextError(client)).toMatchObject({ code: 'missing_required_parameter', param: 'type' });
    client.sendJson({ type: 'input_audio_buffer.clear' });
    await client.waitForType('input_audio_buffer.cleared');
  });

  it('answers bad JSON and binary frames with invalid_json, and goes on', async () => {
    const emulator = await startEmulator();
    const client = await open(emulator);
    client.socket.send('{"type": "session.update", ');
    expect(await nextError(client)).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json', event_id: null });
    client.socket.send('[1,2]');
    expect(await nextError(client)).toMatchObject({ code: 'invalid_json' });
    client.sendBinary(Buffer.alloc(480));
    expect(await nextError(client)).toMatchObject({ code: 'invalid_json' });
    client.sendJson({ type: 'input_audio_buffer.clear' });
    await client.waitForType('input_audio_buffer.cleared');
  });
});

describe('recordEvents', () => {
  it('keeps every parsed client event per session, in order', async () => {
    const emulator = await startEmulator({ recordEvents: true });
    const client = await open(emulator);
    client.sendJson({ type: 'session.update', session: { type: 'realtime' }, event_id: 'a' });
    client.sendJson({ type: 'input_audio_buffer.append', audio: Buffer.alloc(96).toString('base64') });
    client.socket.send('not json');
    client.sendJson({ type: 'input_audio_buffer.clear' });
    await client.waitForType('input_audio_buffer.cleared');
    const record = emulator.sessions[0]!;
    expect(record.events.map((e) => e.type)).toEqual(['session.update', 'input_audio_buffer.append', 'input_audio_buffer.clear']);
    expect(record.events[0]).toEqual({ type: 'session.update', session: { type: 'realtime' }, event_id: 'a' });
    expect(record.appendedBytes).toBe(96);
  });

  it('records nothing by default', async () => {
    const emulator = await startEmulator();
    const client = await open(emulator);
    client.sendJson({ type: 'input_audio_buffer.clear' });
    await client.waitForType('input_audio_buffer.cleared');
    expect(emulator.sessions[0]!.events).toEqual([]);
  });
});

describe('loopback', () => {
  it('answers each append at once with one delta carrying the same base64, no VAD and no responses', async () => {
    const emulator = await startEmulator({ loopback: true });
    const client = await open(emulator);
    const audio = utterance(200, 600, 800);
    const chunks: string[] = [];
    for (let offset = 0; offset < audio.length; offset += 960) {
      const base64 = audio.subarray(offset, offset + 960).toString('base64');
      chunks.push(base64);
      client.sendJson({ type: 'input_audio_buffer.append', audio: base64 });
    }
    await client.waitUntil(() => ofType(client, 'response.output_audio.delta').length === chunks.length, 5000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const deltas = ofType(client, 'response.output_audio.delta');
    expect(types(client)).toEqual(['session.created', ...chunks.map(() => 'response.output_audio.delta')]);
    expect(deltas.map((d) => d.delta)).toEqual(chunks);
    const first = deltas[0]!;
    expect(first).toMatchObject({ output_index: 0, content_index: 0 });
    expect(first.event_id).toMatch(/^event_/);
    expect(first.response_id).toMatch(/^resp_/);
    expect(first.item_id).toMatch(/^item_/);
    for (const delta of deltas) expect([delta.response_id, delta.item_id]).toEqual([first.response_id, first.item_id]);
    expect(new Set(deltas.map((d) => d.event_id)).size).toBe(deltas.length);
    expect(emulator.sessions[0]!.appendedBytes).toBe(audio.length);
  });

  it('still handles other events and parses appends it cannot read cheaply', async () => {
    const emulator = await startEmulator({ loopback: true, recordEvents: true });
    const client = await open(emulator);
    client.socket.send(JSON.stringify({ type: 'input_audio_buffer.append', audio: 'AAAA' }).replace('AAAA', 'AA\\/A'));
    client.sendJson({ type: 'session.update', session: { type: 'realtime', instructions: 'x' } });
    await client.waitForType('session.updated');
    expect(ofType(client, 'response.output_audio.delta')[0]).toMatchObject({ delta: 'AA/A' });
    expect(emulator.sessions[0]!.events).toHaveLength(2);
  });
});

describe('loopback conversation mode (loopbackReplyMs)', () => {
  /** The delta's marker: [0x00A5, index, reply number] in its first three samples, as loopback-replies.ts writes it. */
  function marker(delta: unknown): [number, number, number] {
    const audio = Buffer.from(String(delta), 'base64');
    return [audio.readInt16LE(0), audio.readInt16LE(2), audio.readInt16LE(4)];
  }

  it('consumes appends, acknowledges a commit, and answers response.create with a paced burst of marked deltas', async () => {
    const emulator = await startEmulator({ loopback: true, loopbackReplyMs: 400, replyChunkMs: 40, audioPace: 4 });
    const client = await open(emulator);
    appendAudio(client, utterance(0, 200, 0));
    client.sendJson({ type: 'input_audio_buffer.commit' });
    await client.waitForType('input_audio_buffer.committed');
    const requested = performance.now();
    client.sendJson({ type: 'response.create' });
    const done = await client.waitForType('response.done', 5000);
    const elapsed = performance.now() - requested;
    const deltas = ofType(client, 'response.output_audio.delta');
    // 400 ms in 40 ms deltas, one every 10 ms: the tenth is due 90 ms after the first.
    expect(deltas).toHaveLength(10);
    expect(elapsed).toBeGreaterThanOrEqual(85);
    expect(deltas.map((d) => marker(d.delta))).toEqual(deltas.map((_, j) => [0xa5, j, 0]));
    for (const delta of deltas) expect(Buffer.from(String(delta.delta), 'base64')).toHaveLength(40 * 48);
    const responseId = (ofType(client, 'response.created')[0]!.response as { id: string }).id;
    expect(deltas.every((d) => d.response_id === responseId)).toBe(true);
    expect(done.response).toMatchObject({ id: responseId, status: 'completed' });
    expect(ofType(client, 'response.output_audio_transcript.delta').map((d) => d.delta)).toEqual(['word0 ']);
    expect(types(client).filter((t) => t.startsWith('response.') && !t.endsWith('.delta'))).toEqual([
      'response.created',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_audio.done',
      'response.output_audio_transcript.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.done',
    ]);
    expect(emulator.sessions[0]!.appendedBytes).toBe(200 * 48);
  });

  it('numbers replies in the marker and refuses a second response while one runs', async () => {
    const emulator = await startEmulator({ loopback: true, loopbackReplyMs: 200, replyChunkMs: 40, audioPace: 1 });
    const client = await open(emulator);
    client.sendJson({ type: 'response.create' });
    client.sendJson({ type: 'response.create', event_id: 'second' });
    expect(await nextError(client)).toMatchObject({ code: 'conversation_already_has_active_response', event_id: 'second' });
    await client.waitForType('response.done', 5000);
    client.sendJson({ type: 'response.create' });
    await client.waitUntil(() => ofType(client, 'response.done').length === 2, 5000);
    const deltas = ofType(client, 'response.output_audio.delta');
    expect(deltas.map((d) => marker(d.delta))).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 3, 4].map((j, i) => [0xa5, j, i < 5 ? 0 : 1]));
  });
});
