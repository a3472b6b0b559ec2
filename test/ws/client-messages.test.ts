import { describe, expect, it } from 'vitest';
import { parseClientMessage } from '../../src/ws/client-messages.js';

describe('parseClientMessage', () => {
  it('parses every message type of protocol v1', () => {
    expect(parseClientMessage('{"type":"audio","audio":"AAEC"}')).toEqual({ ok: true, message: { type: 'audio', audio: Buffer.from([0, 1, 2]) } });
    expect(parseClientMessage('{"type":"commit"}')).toEqual({ ok: true, message: { type: 'commit' } });
    expect(parseClientMessage('{"type":"clear"}')).toEqual({ ok: true, message: { type: 'clear' } });
    expect(parseClientMessage('{"type":"cancel","playedMs":120}')).toEqual({ ok: true, message: { type: 'cancel', playedMs: 120 } });
    expect(parseClientMessage('{"type":"playback","responseId":"r","playedMs":5}')).toEqual({
      ok: true,
      message: { type: 'playback', responseId: 'r', playedMs: 5 },
    });
    expect(parseClientMessage('{"type":"text","text":"hi"}')).toEqual({ ok: true, message: { type: 'text', text: 'hi' } });
    expect(parseClientMessage('{"type":"ping","id":3}')).toEqual({ ok: true, message: { type: 'ping', id: 3 } });
  });

  it('parses a full config and lists the keys it sets', () => {
    const parsed = parseClientMessage(
      JSON.stringify({
        type: 'config',
        voice: 'cedar',
        turnDetection: { type: 'semantic_vad', eagerness: 'high', interruptResponse: false },
        transcription: { model: 'whisper-1', language: 'de' },
        outputModalities: ['text'],
        speed: 0.9,
      }),
    );
    expect(parsed).toEqual({
      ok: true,
      message: {
        type: 'config',
        keys: ['voice', 'turnDetection', 'transcription', 'outputModalities', 'speed'],
        patch: {
          voice: 'cedar',
          turnDetection: { type: 'semantic_vad', eagerness: 'high', interruptResponse: false },
          transcription: { model: 'whisper-1', language: 'de' },
          outputModalities: ['text'],
          speed: 0.9,
        },
      },
    });
  });

  it('cuts echoed strings short in error messages', () => {
    const parsed = parseClientMessage(JSON.stringify({ type: 'x'.repeat(5000) }));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message.length).toBeLessThan(100);
  });
});
