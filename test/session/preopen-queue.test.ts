import { describe, expect, it } from 'vitest';
import { PreopenQueue } from '../../src/session/preopen-queue.js';

describe('PreopenQueue', () => {
  it('holds audio up to its limit in ms, keeps arrival order with messages, and empties on takeAll', () => {
    const queue = new PreopenQueue(100);
    expect(queue.holdAudio(Buffer.from([1]), 60)).toBe(true);
    queue.holdMessage({ type: 'commit' });
    expect(queue.holdAudio(Buffer.from([2]), 50)).toBe(false);
    expect(queue.holdAudio(Buffer.from([3]), 40)).toBe(true);
    expect(queue.hasSessionUpdate).toBe(false);
    queue.holdSessionUpdate();
    expect(queue.hasSessionUpdate).toBe(true);
    expect(queue.takeAll()).toEqual([
      { kind: 'audio', data: Buffer.from([1]) },
      { kind: 'message', message: { type: 'commit' } },
      { kind: 'audio', data: Buffer.from([3]) },
      { kind: 'session_update' },
    ]);
    expect(queue.takeAll()).toEqual([]);
    expect(queue.holdAudio(Buffer.from([4]), 100)).toBe(true);
  });

  it('counts audio a resampler has not emitted yet (empty data) against the limit without queuing it', () => {
    const queue = new PreopenQueue(30);
    expect(queue.holdAudio(Buffer.alloc(0), 20)).toBe(true);
    expect(queue.holdAudio(Buffer.alloc(0), 20)).toBe(false);
    expect(queue.takeAll()).toEqual([]);
  });
});
