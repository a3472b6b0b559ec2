import { describe, expect, it } from 'vitest';
import { readTokenUsage, totalTokens } from '../../src/usage/tokens.js';

describe('readTokenUsage', () => {
  it('splits a response usage by direction and modality, cached input apart (a real report: community.openai.com/t/1060242)', () => {
    const tokens = readTokenUsage({
      total_tokens: 821,
      input_tokens: 789,
      output_tokens: 32,
      input_token_details: { text_tokens: 313, audio_tokens: 476, cached_tokens: 640, cached_tokens_details: { text_tokens: 256, audio_tokens: 384 } },
      output_token_details: { text_tokens: 9, audio_tokens: 23 },
    });
    expect(tokens).toEqual({
      input: { text: 57, audio: 92, image: 0 },
      cachedInput: { text: 256, audio: 384, image: 0 },
      output: { text: 9, audio: 23, image: 0 },
    });
    expect(totalTokens(tokens)).toBe(821);
  });

  it('reads a transcription usage (output without details is text)', () => {
    expect(
      readTokenUsage({ type: 0 as unknown as number, total_tokens: 20, input_tokens: 14, input_token_details: { text_tokens: 0, audio_tokens: 14 }, output_tokens: 6 }),
    ).toEqual({ input: { text: 0, audio: 14, image: 0 }, cachedInput: { text: 0, audio: 0, image: 0 }, output: { text: 6, audio: 0, image: 0 } });
  });

  it('counts nothing for a missing or duration usage, and ignores negative or fractional garbage', () => {
    expect(totalTokens(readTokenUsage(undefined))).toBe(0);
    expect(totalTokens(readTokenUsage({ seconds: 3 }))).toBe(0);
    expect(readTokenUsage({ input_tokens: -5, output_tokens: 2.7 }).output.text).toBe(2);
    expect(readTokenUsage({ input_tokens: -5 }).input.text).toBe(0);
  });

  it('a total without its modality split is counted as text', () => {
    expect(readTokenUsage({ input_tokens: 10, output_tokens: 4 })).toMatchObject({ input: { text: 10 }, output: { text: 4 } });
  });
});
