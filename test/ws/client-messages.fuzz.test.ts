import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLIENT_CONFIG_KEYS, VOICES } from '../../src/config/constants.js';
import { parseClientMessage, type ParsedClientMessage } from '../../src/ws/client-messages.js';

const TYPES = ['audio', 'config', 'commit', 'clear', 'cancel', 'playback', 'text', 'ping'];
const PARSE_ERRORS = ['invalid_json', 'invalid_message', 'unknown_message_type'];
/** Error messages echo client text only in short, cut pieces. */
const MAX_ERROR_MESSAGE_CHARS = 400;

function wellFormed(result: ParsedClientMessage): void {
  if (result.ok) {
    expect(TYPES).toContain(result.message.type);
  } else {
    expect(PARSE_ERRORS).toContain(result.code);
    expect(result.message.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_CHARS);
  }
}

/** Objects shaped like client messages but with arbitrary field values: the parser's hardest inputs. */
const nearMiss = fc
  .record({
    type: fc.oneof(fc.constantFrom(...TYPES), fc.string()),
    fields: fc.dictionary(
      fc.oneof(fc.constantFrom('audio', 'text', 'id', 'playedMs', 'responseId', ...CLIENT_CONFIG_KEYS, '__proto__', 'constructor'), fc.string()),
      fc.oneof(fc.jsonValue(), fc.constantFrom(-1, 1e308, 0.5, '', 'AAAA', 'server_vad', ['audio'], { type: 'server_vad', threshold: 2 })),
      { maxKeys: 4 },
    ),
  })
  .map(({ type, fields }) => JSON.stringify({ ...fields, type }));

const ms = fc.double({ min: 0, max: 1e7, noNaN: true });
const validConfig = fc
  .record(
    {
      instructions: fc.string({ maxLength: 200 }),
      voice: fc.constantFrom(...VOICES),
      turnDetection: fc.oneof(
        fc.constantFrom('server_vad', 'semantic_vad', 'none'),
        fc.record(
          {
            type: fc.constantFrom('server_vad', 'semantic_vad', 'none'),
            threshold: fc.double({ min: 0, max: 1, noNaN: true }),
            prefixPaddingMs: ms,
            silenceMs: ms,
            eagerness: fc.constantFrom('low', 'medium', 'high', 'auto'),
            createResponse: fc.boolean(),
            interruptResponse: fc.boolean(),
          },
          { requiredKeys: ['type'] },
        ),
      ),
      transcription: fc.oneof(
        fc.boolean(),
        fc.record({ model: fc.string({ minLength: 1, maxLength: 100 }), language: fc.string({ minLength: 1, maxLength: 100 }) }, { requiredKeys: [] }),
      ),
      outputModalities: fc.constantFrom(['audio'], ['text']),
      speed: fc.double({ min: 0.25, max: 1.5, noNaN: true }),
    },
    { requiredKeys: [] },
  )
  .filter((patch) => Object.keys(patch).length > 0);

const validMessage = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ wire: { type: 'audio', audio: Buffer.from(bytes).toString('base64') }, expected: { type: 'audio', audio: Buffer.from(bytes) } })),
  fc.constantFrom('commit', 'clear').map((type) => ({ wire: { type }, expected: { type } })),
  fc.option(ms, { nil: undefined }).map((playedMs) => {
    const message = playedMs === undefined ? { type: 'cancel' } : { type: 'cancel', playedMs };
    return { wire: message, expected: message };
  }),
  fc.record({ type: fc.constant('playback'), responseId: fc.string({ minLength: 1 }), playedMs: ms }).map((m) => ({ wire: m, expected: m })),
  fc.record({ type: fc.constant('text'), text: fc.string({ minLength: 1, maxLength: 500 }).filter((t) => t.trim() !== '') }).map((m) => ({ wire: m, expected: m })),
  fc.option(fc.oneof(fc.string(), fc.integer()), { nil: undefined }).map((id) => {
    const message = id === undefined ? { type: 'ping' } : { type: 'ping', id };
    return { wire: message, expected: message };
  }),
  validConfig.map((patch) => ({
    wire: { type: 'config', ...patch },
    expected: { type: 'config', patch, keys: CLIENT_CONFIG_KEYS.filter((key) => key in patch) },
  })),
);

describe('parseClientMessage (properties)', () => {
  it('never throws on any string, and answers ok or a known code', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })), (text) => {
        wellFormed(parseClientMessage(text));
      }),
      { numRuns: 600 },
    );
  });

  it('never throws on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = parseClientMessage(JSON.stringify(value) ?? 'null');
        wellFormed(result);
        if (typeof value !== 'object' || value === null || Array.isArray(value)) expect(result.ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on near-miss messages (right types, wrong fields)', () => {
    fc.assert(
      fc.property(nearMiss, (text) => wellFormed(parseClientMessage(text))),
      { numRuns: 3000 },
    );
  });

  it('valid messages round-trip to their values', () => {
    fc.assert(
      fc.property(validMessage, ({ wire, expected }) => {
        expect(parseClientMessage(JSON.stringify(wire))).toEqual({ ok: true, message: expected });
      }),
      { numRuns: 2000 },
    );
  });

  it('a valid message cut anywhere is an error, never a throw or a different message', () => {
    fc.assert(
      fc.property(validMessage, fc.nat(), ({ wire }, cut) => {
        const text = JSON.stringify(wire);
        const result = parseClientMessage(text.slice(0, cut % text.length));
        expect(result).toMatchObject({ ok: false, code: 'invalid_json' });
      }),
      { numRuns: 1000 },
    );
  });

  it('huge inputs are refused with a short message', () => {
    for (const text of [JSON.stringify({ type: 'x'.repeat(100_000) }), JSON.stringify({ type: 'config', ['k'.repeat(100_000)]: 1 }), '['.repeat(100_000), `${'['.repeat(50_000)}${']'.repeat(50_000)}`]) {
      const result = parseClientMessage(text);
      expect(result.ok).toBe(false);
      wellFormed(result);
    }
  });
});
