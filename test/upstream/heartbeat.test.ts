import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Heartbeat } from '../../src/upstream/heartbeat.js';

let heartbeat: Heartbeat | undefined;

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  heartbeat?.stop();
  vi.useRealTimers();
});

describe('Heartbeat', () => {
  it('pings on its interval while the peer answers', () => {
    const peer = { ping: vi.fn<() => void>(), gone: vi.fn<() => void>() };
    const h = (heartbeat = new Heartbeat(1000, peer));
    peer.ping.mockImplementation(() => h.answered());
    vi.advanceTimersByTime(3000);
    expect(peer.ping).toHaveBeenCalledTimes(3);
    expect(peer.gone).not.toHaveBeenCalled();
  });

  it('a ping unanswered at the next tick: the peer is gone, once, and the heartbeat stops', () => {
    const peer = { ping: vi.fn<() => void>(), gone: vi.fn<() => void>() };
    heartbeat = new Heartbeat(1000, peer);
    vi.advanceTimersByTime(1999);
    expect(peer.gone).not.toHaveBeenCalled();
    vi.advanceTimersByTime(10_000);
    expect(peer.ping).toHaveBeenCalledTimes(1);
    expect(peer.gone).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
