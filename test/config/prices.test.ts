import { describe, expect, it } from 'vitest';
import { parsePriceTable } from '../../src/config/prices.js';

describe('price table', () => {
  it('parses a price file', () => {
    expect(parsePriceTable('{"m":{"input":{"text":1.5},"cachedInput":{},"output":{"audio":0}}}')).toEqual({
      ok: true,
      table: { m: { input: { text: 1.5 }, cachedInput: {}, output: { audio: 0 } } },
    });
  });
});
