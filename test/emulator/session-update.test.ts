import { describe, expect, it } from 'vitest';
import type { TestClient } from '../helpers/ws-client.js';
import { appendAudio, connectAzure, nextError, open, startEmulator, utterance } from './harness.js';

async function update(client: TestClient, session: unknown, eventId?: string): Promise<Record<string, unknown>> {
  const from = client.json.length;
  client.sendJson({ type: 'session.update', session, ...(eventId ? { event_id: eventId } : {}) });
  return client.waitFor((m) => m.type === 'session.updated' || m.type === 'error', 3000, from);
}

async function updateError(client: TestClient, session: unknown): Promise<Record<string, unknown>> {
  const reply = await update(client, session);
  expect(reply.type).toBe('error');
  return reply.error as Record<string, unknown>;
}

describe('session.created', () => {
  it('carries the GA defaults', async () => {
    const emulator = await startEmulator();
    const client = await open(emulator, '?model=gpt-realtime-2025-08-28');
    const session = client.json[0]!.session as Record<string, unknown>;
    expect(session).toMatchObject({
      type: 'realtime',
      object: 'realtime.session',
      model: 'gpt-realtime-2025-08-28',
      output_modalities: ['audio'],
      tools: [],
      tool_choice: 'auto',
      max_output_tokens: 'inf',
      tracing: null,
      truncation: 'auto',
      prompt: null,
      include: null,
      audio: {
        input: {
          format: { type: 'audio/pcm', rate: 24000 },
          transcription: null,
          noise_reduction: null,
          turn_detection: {
            type: 'server_vad',
            threshold: 0.5,
            prefix_padding_ms: 300,
            silence_duration_ms: 500,
            create_response: true,
            interrupt_response: true,
            idle_timeout_ms: null,
          },
        },
        output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin', speed: 1 },
      },
    });
    expect(session.id).toMatch(/^sess_[A-Za-z0-9]{21}$/);
    expect(typeof session.instructions).toBe('string');
    expect(session.expires_at).toBeTypeOf('number');
  });
});

describe('session.update', () => {
  it('answers session.updated with the full, deep-merged session', async () => {
    const emulator = await startEmulator();
    const client = await open(emulator);
    const before = client.json[0]!.session as Record<string, unknown>;
    const reply = await update(client, {
      type: 'realtime',
      instructions: 'Be brief.',
      audio: { input: { turn_detection: { type: 'server_vad', silence_duration_ms: 700 } }, output: { voice: 'cedar' } },
    });
    expect(reply.type).toBe('session.updated');
    const session = reply.session as Record<string, unknown>;
    expect(session).toMatchObject({
      id: before.id,
      instructions: 'Be brief.',
      output_modalities: ['audio'],
      audio: {
        input: { format: { type: 'audio/pcm', rate: 24000 }, turn_detection: { type: 'server_vad', threshold: 0.5, silence_duration_ms: 700 } },
        output: { voice: 'cedar', speed: 1, format: { type: 'audio/pcm', rate: 24000 } },
      },
    });
    // A later update keeps what the earlier one set.
    const next = (await update(client, { type: 'realtime', output_modalities: ['text'] })).session as Record<string, unknown>;
    expect(next).toMatchObject({ instructions: 'Be brief.', output_modalities: ['text'], audio: { output: { voice: 'cedar' } } });
  });

  it.each([
    ['missing session.type', { instructions: 'x' }, 'missing_required_parameter', 'session.type'],
    ['an unknown top-level key', { type: 'realtime', temperature: 0.8 }, 'unknown_parameter', 'session.temperature'],
    ['an unknown nested key', { type: 'realtime', audio: { input: { vad: true } } }, 'unknown_parameter', 'session.audio.input.vad'],
    ['an unknown turn_detection key', { type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad', eagerness: 'low' } } } }, 'unknown_parameter', 'session.audio.input.turn_detection.eagerness'],
    ['a PCM rate other than 24000', { type: 'realtime', audio: { input: { format: { type: 'audio/pcm', rate: 16000 } } } }, 'invalid_value', 'session.audio.input.format.rate'],
    ['an unknown format', { type: 'realtime', audio: { output: { format: { type: 'audio/opus' } } } }, 'invalid_value', 'session.audio.output.format.type'],
    ['G.711 at 16 kHz', { type: 'realtime', audio: { input: { format: { type: 'audio/pcmu', rate: 16000 } } } }, 'invalid_value', 'session.audio.input.format.rate'],
    ['both output modalities', { type: 'realtime', output_modalities: ['audio', 'text'] }, 'invalid_value', 'session.output_modalities'],
    ['an invalid voice', { type: 'realtime', audio: { output: { voice: 'nova' } } }, 'invalid_value', 'session.audio.output.voice'],
    ['a bad eagerness', { type: 'realtime', audio: { input: { turn_detection: { type: 'semantic_vad', eagerness: 'eager' } } } }, 'invalid_value', 'session.audio.input.turn_detection.eagerness'],
    ['a threshold above 1', { type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad', threshold: 1.5 } } } }, 'decimal_above_max_value', 'session.audio.input.turn_detection.threshold'],
    ['a string instruction of the wrong type', { type: 'realtime', instructions: 42 }, 'invalid_type', 'session.instructions'],
    ['a beta-shaped session', { type: 'realtime', voice: 'alloy' }, 'unknown_parameter', 'session.voice'],
    ['another session type', { type: 'transcription' }, 'invalid_value', 'session.type'],
  ])('rejects %s with its param, and the session goes on', async (_name, session, code, param) => {
    const emulator = await startEmulator();
    const client = await open(emulator);
    const error = await updateError(client, session);
    expect(error).toMatchObject({ type: 'invalid_request_error', code, param });
    expect(error.message).toBeTypeOf('string');
    // Nothing was applied, and the session still answers.
    const reply = await update(client, { type: 'realtime' });
    expect(reply.type).toBe('session.updated');
    expect(reply.session).toEqual(client.json[0]!.session);
  });

  it("echoes the client's event_id in errors", async () => {
    const emulator = await startEmulator();
    const client = await open(emulator);
    const reply = await update(client, { temperature: 1 }, 'evt_client_1');
    expect(reply).toMatchObject({ type: 'error', error: { event_id: 'evt_client_1' } });
    expect(reply.event_id).toMatch(/^event_/);
  });

  it('accepts G.711 formats with no rate or rate 8000', async () => {
    const emulator = await startEmulator();
    const client = await open(emulator);
    const reply = await update(client, {
      type: 'realtime',
      audio: { input: { format: { type: 'audio/pcmu' } }, output: { format: { type: 'audio/pcma', rate: 8000 } } },
    });
    expect(reply).toMatchObject({
      type: 'session.updated',
      session: { audio: { input: { format: { type: 'audio/pcmu' } }, output: { format: { type: 'audio/pcma' } } } },
    });
  });

  it('accepts semantic_vad with eagerness, and turn detection off', async () => {
    const emulator = await startEmulator();
    const client = await open(emulator);
    const semantic = await update(client, { type: 'realtime', audio: { input: { turn_detection: { type: 'semantic_vad', eagerness: 'high' } } } });
    expect((semantic.session as { audio: { input: { turn_detection: unknown } } }).audio.input.turn_detection).toEqual({
      type: 'semantic_vad',
      eagerness: 'high',
      create_response: true,
      interrupt_response: true,
    });
    const off = await update(client, { type: 'realtime', audio: { input: { turn_detection: null, transcription: { model: 'gpt-4o-mini-transcribe' } } } });
    expect(off).toMatchObject({ session: { audio: { input: { turn_detection: null, transcription: { model: 'gpt-4o-mini-transcribe' } } } } });
  });

  it('refuses a voice change once audio output has started (cannot_update_voice) but allows the same voice', async () => {
    const emulator = await startEmulator({ audioPace: Infinity });
    const client = await open(emulator);
    expect((await update(client, { type: 'realtime', audio: { output: { voice: 'ash' } } })).type).toBe('session.updated');
    appendAudio(client, utterance(300, 400, 700));
    await client.waitForType('response.done', 5000);
    const error = await updateError(client, { type: 'realtime', audio: { output: { voice: 'coral' } } });
    expect(error).toMatchObject({ code: 'cannot_update_voice', param: 'session.audio.output.voice' });
    expect((await update(client, { type: 'realtime', audio: { output: { voice: 'ash' } } })).type).toBe('session.updated');
  });

  it('refuses a speed change while a response is in progress (cannot_update_speed), and takes it between turns', async () => {
    const emulator = await startEmulator({ audioPace: 1, behaviour: { modelLatencyMs: 0 } });
    const client = await open(emulator);
    client.sendJson({ type: 'response.create' });
    await client.waitForType('response.output_audio.delta');
    const error = await updateError(client, { type: 'realtime', audio: { output: { speed: 1.2 } } });
    expect(error).toMatchObject({ code: 'cannot_update_speed', param: 'session.audio.output.speed' });
    // The same speed is no change, and other settings may change mid-response.
    expect((await update(client, { type: 'realtime', instructions: 'Be brief.', audio: { output: { speed: 1 } } })).type).toBe('session.updated');
    client.sendJson({ type: 'response.cancel' });
    await client.waitForType('response.done');
    expect(await update(client, { type: 'realtime', audio: { output: { speed: 1.2 } } })).toMatchObject({ session: { audio: { output: { speed: 1.2 } } } });
  });

  it("checks the transcription model against the SDK's list on OpenAI's path, and takes any deployment name on Azure's", async () => {
    const emulator = await startEmulator();
    const client = await open(emulator);
    const error = await updateError(client, { type: 'realtime', audio: { input: { transcription: { model: 'my-transcribe' } } } });
    expect(error).toMatchObject({ code: 'invalid_value', param: 'session.audio.input.transcription.model' });
    const azure = await connectAzure(emulator);
    await azure.waitForType('session.created');
    expect((await update(azure, { type: 'realtime', audio: { input: { transcription: { model: 'my-transcribe' } } } })).type).toBe('session.updated');
  });

  it('rejects session.update without a session object', async () => {
    const emulator = await startEmulator();
    const client = await open(emulator);
    client.sendJson({ type: 'session.update' });
    expect(await nextError(client)).toMatchObject({ code: 'missing_required_parameter', param: 'session' });
  });
});
