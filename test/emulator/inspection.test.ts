import { describe, expect, it } from 'vitest';
import { INSTANT } from '../../src/emulator/index.js';
import { appendAudio, open, startEmulator, utterance } from './harness.js';

describe('drops on demand and the conversation a session holds (test hooks)', () => {
  it('drop(1006) ends the connection without a close frame; drop(1011) closes with the internal-error code', async () => {
    const emulator = await startEmulator();
    const abrupt = await open(emulator);
    const failing = await open(emulator);
    emulator.sessions[0]!.drop(1006);
    emulator.sessions[1]!.drop(1011);
    expect((await abrupt.waitForClose(3000)).code).toBe(1006);
    expect((await failing.waitForClose(3000)).code).toBe(1011);
    expect(emulator.sessions.map((s) => s.closed)).toEqual([true, true]);
  });

  it('items() lists the items given, the user turns with their transcripts and the replies with theirs, in order', async () => {
    const emulator = await startEmulator({ behaviour: INSTANT });
    const client = await open(emulator);
    client.sendJson({ type: 'session.update', session: { type: 'realtime', audio: { input: { transcription: { model: 'gpt-4o-mini-transcribe' } } } } });
    client.sendJson({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'earlier question' }] } });
    client.sendJson({ type: 'conversation.item.create', item: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'earlier answer' }] } });
    appendAudio(client, utterance(300, 800, 700));
    await client.waitFor((m) => m.type === 'response.done', 5000);
    await client.waitFor((m) => m.type === 'conversation.item.input_audio_transcription.completed', 3000);
    const items = emulator.sessions[0]!.items();
    expect(items.map((item) => [item.role, item.text])).toEqual([
      ['user', 'earlier question'],
      ['assistant', 'earlier answer'],
      ['user', expect.stringMatching(/^\(\d\.\d\d seconds of speech\)$/)],
      ['assistant', expect.stringMatching(/^I heard \d\.\d seconds of audio\.$/)],
    ]);
  });
});
