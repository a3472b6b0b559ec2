import { describe, expect, it } from 'vitest';
import { BurstCounter, ControlRateLimiter, type RateDecision } from '../../src/session/rate-limiter.js';

function send(limiter: ControlRateLimiter, count: number, start: number, gapMs: number): RateDecision[] {
  return Array.from({ length: count }, (_, i) => limiter.take(start + i * gapMs));
}

describe('ControlRateLimiter', () => {
  it('allows a burst of twice the rate, then tells the client once', () => {
    const limiter = new ControlRateLimiter(10, 0);
    const decisions = send(limiter, 22, 0, 0);
    expect(decisions.slice(0, 20).every((d) => d === 'ok')).toBe(true);
    expect(decisions.slice(20)).toEqual(['limited', 'dropped']);
  });

  it('a client at the sustained rate is never limited', () => {
    const limiter = new ControlRateLimiter(10, 0);
    expect(send(limiter, 1000, 0, 100).every((d) => d === 'ok')).toBe(true);
  });

  it('a flood is exceeded after about another burst of excess', () => {
    const limiter = new ControlRateLimiter(10, 0);
    const decisions = send(limiter, 100, 0, 1);
    const exceededAt = decisions.indexOf('exceeded');
    expect(exceededAt).toBeGreaterThan(20 + 20 - 1);
    expect(exceededAt).toBeLessThan(50);
  });

  it('slowing down after a warning recovers: the next run is told again, not closed', () => {
    const limiter = new ControlRateLimiter(10, 0);
    send(limiter, 25, 0, 0);
    expect(limiter.take(3000)).toBe('ok');
    const again = send(limiter, 30, 3000, 0);
    expect(again).toContain('limited');
    expect(again).not.toContain('exceeded');
  });
});

describe('BurstCounter', () => {
  it('is true only when more than the limit fall within the window', () => {
    const counter = new BurstCounter(3, 1000);
    expect([counter.add(0), counter.add(100), counter.add(200)]).toEqual([false, false, false]);
    expect(counter.add(300)).toBe(true);
    const spread = new BurstCounter(3, 1000);
    expect([0, 400, 800, 1200, 1600, 2000].map((t) => spread.add(t))).toEqual([false, false, false, false, false, false]);
  });
});
