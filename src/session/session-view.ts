/** The effective session the upstream reports, read: in the client's camelCase shape, and what it does by itself. */
import type { EffectiveSession } from '../upstream/events.js';
import type { SessionView } from '../ws/server-events.js';

/** Maps the upstream's `session` to the client's view; instructions only when the client may set them. */
export function toClientSessionView(session: EffectiveSession | undefined, includeInstructions: boolean): SessionView {
  const turn = session?.audio?.input?.turn_detection;
  const transcription = session?.audio?.input?.transcription;
  const output = session?.audio?.output;
  const view: SessionView = {
    voice: output?.voice,
    speed: output?.speed,
    outputModalities: session?.output_modalities,
    turnDetection:
      turn === undefined
        ? null
        : dropUndefined({
            type: turn.type,
            threshold: turn.threshold,
            prefixPaddingMs: turn.prefix_padding_ms,
            silenceMs: turn.silence_duration_ms,
            eagerness: turn.eagerness,
            createResponse: turn.create_response,
            interruptResponse: turn.interrupt_response,
          }),
    transcription: transcription === undefined ? null : dropUndefined({ model: transcription.model, language: transcription.language }),
  };
  return includeInstructions ? { ...view, instructions: session?.instructions } : view;
}

/** Whether the effective session starts a response by itself when the user's turn ends (`create_response`). */
export function upstreamCreatesResponse(session: EffectiveSession | undefined): boolean {
  const turn = session?.audio?.input?.turn_detection;
  return turn !== undefined && turn.create_response !== false;
}

/** Whether the effective session cancels responses itself when the user starts speaking. */
export function upstreamInterruptsOnSpeech(session: EffectiveSession | undefined): boolean {
  const turn = session?.audio?.input?.turn_detection;
  return turn !== undefined && turn.interrupt_response !== false;
}

function dropUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
