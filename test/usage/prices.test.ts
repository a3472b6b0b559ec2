import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICES } from '../../src/config/prices.js';
import { costOf, pricesFor } from '../../src/usage/prices.js';
import { zeroTokens } from '../../src/usage/tokens.js';

describe('prices', () => {
  it('a snapshot name takes its model family price; an unknown model has none', () => {
    expect(pricesFor(DEFAULT_PRICES, 'gpt-realtime-2025-08-28')).toBe(DEFAULT_PRICES['gpt-realtime']);
    expect(pricesFor(DEFAULT_PRICES, 'gpt-realtime-1.5')).toBe(DEFAULT_PRICES['gpt-realtime-1.5']);
    expect(pricesFor(DEFAULT_PRICES, 'my-azure-deployment')).toBeUndefined();
  });

  it('costs each kind of token at its price per million', () => {
    const tokens = zeroTokens();
    tokens.input.audio = 1000;
    tokens.cachedInput.text = 2000;
    tokens.output.audio = 500;
    const prices = DEFAULT_PRICES['gpt-realtime-1.5'];
    if (prices === undefined) throw new Error('missing default');
    expect(costOf(tokens, prices)).toEqual({ usd: (1000 * 32 + 2000 * 0.4 + 500 * 64) / 1e6 });
  });

  it('a kind of token without a price makes the cost unknown (never a guess)', () => {
    const tokens = zeroTokens();
    tokens.input.text = 10;
    tokens.output.audio = 1;
    const prices = DEFAULT_PRICES['gpt-realtime'];
    if (prices === undefined) throw new Error('missing default');
    expect(costOf(tokens, prices)).toEqual({ unpriced: 'output.audio' });
    tokens.output.audio = 0;
    expect(costOf(tokens, prices)).toEqual({ usd: expect.closeTo(40 / 1e6, 15) as number });
  });
});
