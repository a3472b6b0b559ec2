/** The effective session the upstream reports, read: in the client's camelCase shape, and what it does by itself. */
import { num, obj, str } from '../upstream/events.js';
import type { SessionView } from '../ws/server-events.js';

/** Maps the upstream's `session` object to the client's view; instructions only when the client may set them. */
export function toClientSessionView(session: Record<string, unknown> | undefined, includeInstructions: boolean): SessionView {
  const input = obj(obj(session, 'audio'), 'input');
  const output = obj(obj(session, 'audio'), 'output');
  const turn = obj(input, 'turn_detection');
  const transcription = obj(input, 'transcription');
  const view: SessionView = {
    voice: str(output, 'voice'),
    speed: num(output, 'speed'),
    outputModalities: session?.output_modalities,
    turnDetection:
      turn === undefined
        ? null
        : dropUndefined({
            type: str(turn, 'type'),
            threshold: num(turn, 'threshold'),
            prefixPaddingMs: num(turn, 'prefix_padding_ms'),
            silenceMs: num(turn, 'silence_duration_ms'),
            eagerness: str(turn, 'eagerness'),
            createResponse: turn.create_response,
            interruptResponse: turn.interrupt_response,
          }),
    transcription:
      transcription === undefined ? null : dropUndefined({ model: str(transcription, 'model'), language: str(transcription, 'language') }),
  };
  return includeInstructions ? { ...view, instructions: str(session, 'instructions') } : view;
}

/** Whether the effective session starts a response by itself when the user's turn ends (`create_response`). */
export function upstreamCreatesResponse(session: Record<string, unknown> | undefined): boolean {
  const turn = obj(obj(obj(session, 'audio'), 'input'), 'turn_detection');
  return turn !== undefined && turn.create_response !== false;
}

/** Whether the effective session cancels responses itself when the user starts speaking. */
export function upstreamInterruptsOnSpeech(session: Record<string, unknown> | undefined): boolean {
  const turn = obj(obj(obj(session, 'audio'), 'input'), 'turn_detection');
  return turn !== undefined && turn.interrupt_response !== false;
}

function dropUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
