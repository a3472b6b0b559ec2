import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import { expiryWarningMs, SessionTimers, type SessionTimerHandlers } from '../../src/session/session-timers.js';

let handlers: { [K in keyof SessionTimerHandlers]: Mock<SessionTimerHandlers[K]> };
let timers: SessionTimers | undefined;

beforeEach(() => {
  vi.useFakeTimers();
  handlers = {
    onExpiryWarning: vi.fn<(graceMs: number) => void>(),
    onExpired: vi.fn<() => void>(),
    onIdle: vi.fn<() => void>(),
    onStallCheck: vi.fn<() => void>(),
  };
});

afterEach(() => {
  timers?.stop();
  vi.useRealTimers();
});

function start(overrides: Partial<{ maxSessionMs: number; idleTimeoutMs: number }> = {}): SessionTimers {
  timers = new SessionTimers(
    { maxSessionMs: overrides.maxSessionMs ?? 60_000, idleTimeoutMs: overrides.idleTimeoutMs ?? 10_000, stallCheckMs: 500 },
    handlers,
  );
  return timers;
}

describe('SessionTimers', () => {
  it('warns 30 s (or 10 %) before the maximum duration, then expires', () => {
    expect(expiryWarningMs(3_600_000)).toBe(30_000);
    expect(expiryWarningMs(2000)).toBe(200);
    start({ maxSessionMs: 2000, idleTimeoutMs: 60_000 });
    vi.advanceTimersByTime(1799);
    expect(handlers.onExpiryWarning).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(handlers.onExpiryWarning).toHaveBeenCalledWith(200);
    vi.advanceTimersByTime(200);
    expect(handlers.onExpired).toHaveBeenCalledTimes(1);
  });

  it('idle fires only after the timeout passes with no activity', () => {
    const t = start({ idleTimeoutMs: 1000 });
    for (let i = 0; i < 10; i += 1) {
      vi.advanceTimersByTime(500);
      t.touch();
    }
    expect(handlers.onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1000);
    expect(handlers.onIdle).toHaveBeenCalledTimes(1);
  });

  it('ticks the stall check on its interval', () => {
    start();
    vi.advanceTimersByTime(3000);
    expect(handlers.onStallCheck).toHaveBeenCalledTimes(6);
  });

  it('stop releases every timer', () => {
    start({ maxSessionMs: 2000, idleTimeoutMs: 1000 }).stop();
    vi.advanceTimersByTime(10_000);
    for (const handler of Object.values(handlers)) expect(handler).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
});
