/** Shared setup for emulator tests: start an emulator, connect clients, stream audio; all torn down after each test. */
import { afterEach } from 'vitest';
import { AZURE_REALTIME_PATH, createEmulator } from '../../src/emulator/index.js';
import type { Emulator, EmulatorOptions } from '../../src/emulator/index.js';
import { TestClient } from '../helpers/ws-client.js';
import type { ClientOptions } from 'ws';
import type { JsonMessage } from '../helpers/ws-client.js';
import { chunkBuffer, concatSamples, samplesToBuffer, silenceSamples, toneSamples } from '../helpers/signals.js';

const emulators: Emulator[] = [];
const clients: TestClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(emulators.splice(0).map((emulator) => emulator.close()));
});

/** An emulator for this test, with fast reply audio unless the test says otherwise. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const emulator = await createEmulator({ audioPace: 50, ...options });
  emulators.push(emulator);
  return emulator;
}

/** Connects to the emulator (with `?model=gpt-realtime` unless `query` says otherwise). */
export async function connect(emulator: Emulator, query = '?model=gpt-realtime', options: ClientOptions = {}): Promise<TestClient> {
  const client = await TestClient.connect(emulator.url + query, options);
  clients.push(client);
  return client;
}

/** Connects to the emulator on Azure's path, `/openai/v1/realtime?model=<deployment>`. */
export async function connectAzure(emulator: Emulator, deployment = 'rt', options: ClientOptions = {}): Promise<TestClient> {
  const client = await TestClient.connect(`ws://127.0.0.1:${emulator.port}${AZURE_REALTIME_PATH}?model=${deployment}`, options);
  clients.push(client);
  return client;
}

/** Connects and waits for `session.created`. */
export async function open(emulator: Emulator, query?: string): Promise<TestClient> {
  const client = await connect(emulator, query);
  await client.waitForType('session.created');
  return client;
}

/** Sends `audio` as `input_audio_buffer.append` events of `chunkMs` each (PCM 24 kHz unless `bytesPerMs` says otherwise). */
export function appendAudio(client: TestClient, audio: Buffer, chunkMs = 20, bytesPerMs = 48): void {
  for (const chunk of chunkBuffer(audio, chunkMs * bytesPerMs)) {
    client.sendJson({ type: 'input_audio_buffer.append', audio: chunk.toString('base64') });
  }
}

/** PCM16 24 kHz: `leadMs` of silence, a −20 dBFS tone of `toneMs`, `tailMs` of silence. */
export function utterance(leadMs: number, toneMs: number, tailMs: number, rate = 24000): Buffer {
  return samplesToBuffer(
    concatSamples(silenceSamples(rate, leadMs), toneSamples({ rate, ms: toneMs, hz: 440, dbfs: -20 }), silenceSamples(rate, tailMs)),
  );
}

/** The `type`s of the messages received so far, in order. */
export function types(client: TestClient): string[] {
  return client.json.map((m) => String(m.type));
}

/** Messages of one type. */
export function ofType(client: TestClient, type: string): JsonMessage[] {
  return client.json.filter((m) => m.type === type);
}

/** Concatenated audio of the `response.output_audio.delta` events (of one response when given). */
export function replyAudio(client: TestClient, responseId?: string): Buffer {
  const deltas = ofType(client, 'response.output_audio.delta').filter((m) => responseId === undefined || m.response_id === responseId);
  return Buffer.concat(deltas.map((m) => Buffer.from(String(m.delta), 'base64')));
}

/** Waits for an `error` event and returns its `error` body. */
export async function nextError(client: TestClient, from = client.json.length): Promise<Record<string, unknown>> {
  const event = await client.waitFor((m) => m.type === 'error', 3000, from);
  return event.error as Record<string, unknown>;
}
