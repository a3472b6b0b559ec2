/** Helpers for voice turns through the proxy: stream a signal in frames, collect a response's audio. */
import type { TestClient, JsonMessage } from './ws-client.js';
import { bufferToSamples, chunkBuffer, concatSamples, samplesToBuffer, silenceSamples, speechLikeSamples } from './signals.js';

/** Sends PCM16 samples as binary frames of `frameMs`, waiting `paceMs` between frames (0: as fast as possible). */
export async function streamSamples(client: TestClient, samples: Int16Array, rate: number, frameMs = 20, paceMs = 2): Promise<void> {
  const frameBytes = Math.round((rate * frameMs) / 1000) * 2;
  for (const frame of chunkBuffer(samplesToBuffer(samples), frameBytes)) {
    client.sendBinary(frame);
    if (paceMs > 0) await new Promise((resolve) => setTimeout(resolve, paceMs));
  }
}

/** A user utterance: `speechMs` of speech-like signal then `silenceMs` of silence, long enough to end the turn. */
export function utterance(rate: number, speechMs = 1200, silenceMs = 900, seed = 1): { speech: Int16Array; all: Int16Array } {
  const speech = speechLikeSamples(rate, speechMs, seed);
  return { speech, all: concatSamples(silenceSamples(rate, 200), speech, silenceSamples(rate, silenceMs)) };
}

/** Index of the first JSON message that is the given proxy event name (or message type). */
export function indexOfEvent(client: TestClient, name: string, from = 0): number {
  return client.messages.findIndex((m, i) => i >= from && m.json !== undefined && isEvent(m.json, name));
}

export function isEvent(message: JsonMessage, name: string): boolean {
  return (message.type === 'event' && message.name === name) || message.type === name;
}

/** Binary audio received between the `AIResponseStart` and `AIResponseEnd` of `responseId`, as samples. */
export function responseAudio(client: TestClient, responseId: string): Int16Array {
  const start = client.messages.findIndex((m) => m.json?.name === 'AIResponseStart' && m.json.responseId === responseId);
  const end = client.messages.findIndex((m) => m.json?.name === 'AIResponseEnd' && m.json.responseId === responseId);
  const frames = client.messages.slice(start, end < 0 ? undefined : end).filter((m) => m.binary);
  return bufferToSamples(Buffer.concat(frames.map((m) => m.data)));
}

/** Names of the proxy events received, in order (binary frames shown as "audio", collapsed). */
export function eventSequence(client: TestClient): string[] {
  const names: string[] = [];
  for (const m of client.messages) {
    const name = m.binary ? 'audio' : m.json?.type === 'event' ? String(m.json.name) : String(m.json?.type);
    if (names[names.length - 1] !== name) names.push(name);
  }
  return names;
}
