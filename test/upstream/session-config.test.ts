import { describe, expect, it } from 'vitest';
import { planSessionUpdate, type DesiredSession } from '../../src/upstream/session-config.js';

const pcm = { type: 'audio/pcm', rate: 24000 } as const;
const base: DesiredSession = {
  instructions: 'Be helpful.',
  voice: 'marin',
  speed: 1,
  outputModalities: ['audio'],
  turnDetection: { type: 'server_vad', threshold: 0.5, prefixPaddingMs: 300, silenceMs: 500, createResponse: true, interruptResponse: true },
  transcription: { model: 'gpt-4o-mini-transcribe' },
  inputFormat: pcm,
  outputFormat: pcm,
};
const anytime = { voice: true, speed: true };

describe('planSessionUpdate', () => {
  it('the first update carries the whole session', () => {
    const plan = planSessionUpdate(base, undefined, anytime);
    expect(plan.event).toEqual({
      type: 'session.update',
      session: {
        type: 'realtime',
        instructions: 'Be helpful.',
        output_modalities: ['audio'],
        audio: {
          input: {
            format: pcm,
            transcription: { model: 'gpt-4o-mini-transcribe' },
            turn_detection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500, create_response: true, interrupt_response: true },
          },
          output: { format: pcm, voice: 'marin', speed: 1 },
        },
      },
    });
    expect(plan.sent).toEqual(base);
  });

  it('later updates carry only what changed, and nothing at all when nothing did', () => {
    expect(planSessionUpdate({ ...base, instructions: 'Be brief.' }, base, anytime).event).toEqual({
      type: 'session.update',
      session: { type: 'realtime', instructions: 'Be brief.' },
    });
    expect(planSessionUpdate({ ...base, speed: 1.2 }, base, anytime).event).toEqual({
      type: 'session.update',
      session: { type: 'realtime', audio: { output: { speed: 1.2 } } },
    });
    expect(planSessionUpdate(base, base, anytime)).toEqual({ sent: base });
  });

  it('holds back the speed and voice while not allowed, and sends them once allowed', () => {
    const wanted = { ...base, speed: 1.2, voice: 'ash', instructions: 'Be brief.' };
    const during = planSessionUpdate(wanted, base, { voice: false, speed: false });
    expect(during.event).toEqual({ type: 'session.update', session: { type: 'realtime', instructions: 'Be brief.' } });
    expect(during.sent).toMatchObject({ speed: 1, voice: 'marin', instructions: 'Be brief.' });
    // After the response: the speed goes; the voice only if no audio was produced meanwhile.
    expect(planSessionUpdate(wanted, during.sent, { voice: false, speed: true }).event).toEqual({
      type: 'session.update',
      session: { type: 'realtime', audio: { output: { speed: 1.2 } } },
    });
    expect(planSessionUpdate(wanted, during.sent, anytime).event).toEqual({
      type: 'session.update',
      session: { type: 'realtime', audio: { output: { voice: 'ash', speed: 1.2 } } },
    });
  });
});
