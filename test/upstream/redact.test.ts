import { describe, expect, it } from 'vitest';
import { createSecretScrubber } from '../../src/upstream/redact.js';

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
