import { describe, expect, it } from 'vitest';
import { createSecretScrubber, createUpstreamScrubber, MAX_DIAGNOSTIC_CHARS } from '../../src/upstream/redact.js';

describe('createSecretScrubber', () => {
  const scrub = createSecretScrubber({ Authorization: 'Bearer my-azure-or-openai-key-123', 'api-key': 'azure-key-abcdefgh' });

  it('removes the configured credentials wherever they appear', () => {
    expect(scrub('bad key my-azure-or-openai-key-123 and azure-key-abcdefgh')).toBe('bad key [redacted] and [redacted]');
  });

  it('masks anything shaped like an OpenAI key, masked ones included', () => {
    expect(scrub('Incorrect API key provided: sk-proj-****************abcd.')).toBe('Incorrect API key provided: sk-[redacted]');
    expect(scrub('key sk-abcdefghijklmnop')).toBe('key sk-[redacted]');
  });

  it('leaves ordinary text alone', () => {
    expect(scrub('Conversation already has an active response')).toBe('Conversation already has an active response');
  });
});

describe('createUpstreamScrubber', () => {
  const KEY = 'azure-key-abcdefgh';
  const scrubber = createUpstreamScrubber({ 'api-key': KEY });

  it('scrubs every string of an event, nested objects and arrays included', () => {
    const event = scrubber.event({
      type: 'response.done',
      response: { id: 'resp_1', output: [{ content: [{ transcript: `I heard ${KEY}` }] }], status_details: { reason: KEY } },
    });
    expect(JSON.stringify(event)).not.toContain(KEY);
    expect(JSON.stringify(event)).toContain('I heard [redacted]');
  });

  it('cuts strings inside error and status_details objects, and close reasons, to MAX_DIAGNOSTIC_CHARS; other text is not cut', () => {
    const long = 'y'.repeat(2000);
    const event = scrubber.event({
      type: 'response.done',
      response: { instructions: long, status_details: { type: 'failed', error: { code: long, message: long } } },
    }) as unknown as { response: { instructions: string; status_details: { error: { code: string; message: string } } } };
    expect(event.response.instructions).toBe(long);
    expect(event.response.status_details.error.code).toHaveLength(MAX_DIAGNOSTIC_CHARS + 1);
    expect(event.response.status_details.error.message).toHaveLength(MAX_DIAGNOSTIC_CHARS + 1);
    expect(scrubber.text(`${long}${KEY}`)).toHaveLength(MAX_DIAGNOSTIC_CHARS + 1);
    expect(scrubber.text(`closing ${KEY}`)).toBe('closing [redacted]');
  });

  it('leaves the audio payload of an audio delta alone (never shown as text), but not its other fields', () => {
    const event = scrubber.event({ type: 'response.output_audio.delta', response_id: KEY, item_id: 'item_1', delta: `AAAA${KEY}` });
    expect(event).toMatchObject({ response_id: '[redacted]', delta: `AAAA${KEY}` });
  });

  it('never throws, however deep the event (JSON.parse accepts nesting deeper than the call stack)', () => {
    const depth = 100_000;
    const deep = JSON.parse(`${'{"error":'.repeat(depth)}"${KEY}"${'}'.repeat(depth)}`) as Record<string, unknown>;
    let node = scrubber.event({ type: 'error', ...deep }) as Record<string, unknown>;
    while (typeof node.error === 'object' && node.error !== null) node = node.error as Record<string, unknown>;
    expect(node.error).toBe('[redacted]');
  });
});
