import { describe, expect, it } from 'vitest';
import { RestartBackoff } from '../../src/cluster/restart-backoff.js';

describe('RestartBackoff', () => {
  it('doubles the wait for each crash of a worker that did not stay up, up to the ceiling', () => {
    const backoff = new RestartBackoff({ firstMs: 250, maxMs: 2000, stableMs: 30_000 });
    expect([100, 100, 100, 100, 100, 100].map((ran) => backoff.delayAfter(ran))).toEqual([250, 500, 1000, 2000, 2000, 2000]);
  });

  it('a worker that ran stably before it died starts the wait over', () => {
    const backoff = new RestartBackoff({ firstMs: 250, maxMs: 30_000, stableMs: 30_000 });
    backoff.delayAfter(10);
    backoff.delayAfter(10);
    expect(backoff.delayAfter(60_000)).toBe(250);
    expect(backoff.delayAfter(10)).toBe(500);
  });
});
