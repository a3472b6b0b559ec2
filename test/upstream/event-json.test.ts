import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseEventJson } from '../../src/upstream/event-json.js';
import { readUpstreamEvent } from '../../src/upstream/events.js';

const bigDelta = Buffer.alloc(4800, 7).toString('base64');

describe('parseEventJson', () => {
  it('parses a large audio delta without losing any field, whatever the key order', () => {
    const event = { type: 'response.output_audio.delta', event_id: 'e1', response_id: 'r1', item_id: 'i1', output_index: 0, content_index: 0, delta: bigDelta };
    const { delta, ...rest } = event;
    const orders = [event, { delta, ...rest }, { item_id: 'i1', delta: bigDelta, type: event.type, response_id: 'r1', content_index: 0 }];
    for (const value of orders) {
      const parsed = parseEventJson(JSON.stringify(value));
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) continue;
      expect(readUpstreamEvent(parsed.event).type).toBe('response.output_audio.delta');
      expect(parsed.event).toMatchObject({ type: 'response.output_audio.delta', response_id: 'r1', item_id: 'i1', delta: bigDelta });
    }
  });

  it('maps beta event names to GA names', () => {
    const parsed = parseEventJson(JSON.stringify({ type: 'response.audio.delta', response_id: 'r', item_id: 'i', delta: 'AAAA' }));
    expect(parsed.ok && parsed.event.type).toBe('response.output_audio.delta');
    const big = parseEventJson(JSON.stringify({ type: 'response.audio.delta', response_id: 'r', item_id: 'i', delta: bigDelta }));
    expect(big.ok && big.event.type).toBe('response.output_audio.delta');
    const transcript = parseEventJson(JSON.stringify({ type: 'response.audio_transcript.delta', delta: 'hi' }));
    expect(transcript.ok && transcript.event.type).toBe('response.output_audio_transcript.delta');
  });

  it('a large text delta with escapes is parsed exactly (slow path)', () => {
    const text = `quote " backslash \\ newline \n ${'x'.repeat(2000)}`;
    const parsed = parseEventJson(JSON.stringify({ type: 'response.output_text.delta', delta: text }));
    expect(parsed.ok && parsed.event.delta).toBe(text);
  });

  it('malformed frames are reported, never thrown', () => {
    for (const bad of ['', 'not json', '[1]', '{"no_type":1}', `{"type":"x","delta":"${bigDelta}`, '{"type":5}']) {
      expect(parseEventJson(bad).ok).toBe(false);
    }
  });

  it('agrees with JSON.parse on arbitrary events (property)', () => {
    fc.assert(
      fc.property(
        fc.record({ type: fc.string(), delta: fc.oneof(fc.string(), fc.base64String({ minLength: 1024, maxLength: 4096 })), n: fc.integer() }),
        (value) => {
          const parsed = parseEventJson(JSON.stringify(value));
          expect(parsed.ok).toBe(true);
          if (parsed.ok) expect({ ...parsed.event, type: value.type }).toEqual(value);
        },
      ),
      { numRuns: 300 },
    );
  });
});
