import { describe, expect, it } from 'vitest';
import { deliveredMs, heardMs, isAudible, itemRepair, newResponse } from '../../src/session/response-tracker.js';

const passThrough = { push: (b: Buffer) => b, flush: () => Buffer.alloc(0), passThrough: true };
const BYTES_PER_MS = 48; // 24 kHz PCM16

function response(deliveredMsValue: number, firstAudioAt?: number) {
  const r = newResponse('resp_1', passThrough);
  r.itemId = 'item_1';
  r.deliveredBytes = deliveredMsValue * BYTES_PER_MS;
  r.firstAudioAt = firstAudioAt;
  return r;
}

describe('response tracking for barge-in', () => {
  it('heard = client report when given, else wall clock since the first byte, clamped to what was delivered', () => {
    const r = response(1000, 10_000);
    expect(heardMs(r, BYTES_PER_MS, 10_400)).toBe(400);
    expect(heardMs(r, BYTES_PER_MS, 10_400, 250)).toBe(250);
    r.reportedPlayedMs = 300;
    expect(heardMs(r, BYTES_PER_MS, 10_900)).toBe(300);
    expect(heardMs(r, BYTES_PER_MS, 10_900, 5000)).toBe(1000);
    expect(heardMs(response(1000, 10_000), BYTES_PER_MS, 99_999)).toBe(1000);
    expect(heardMs(response(0), BYTES_PER_MS, 10_000)).toBe(0);
  });

  it('a finished response stays audible until its delivered audio has been played', () => {
    const r = response(1000, 10_000);
    r.doneUpstream = true;
    expect(isAudible(r, BYTES_PER_MS, 10_500)).toBe(true);
    expect(isAudible(r, BYTES_PER_MS, 11_001)).toBe(false);
    r.interrupted = true;
    expect(isAudible(r, BYTES_PER_MS, 10_500)).toBe(false);
  });

  it('truncates at what was heard, deletes when nothing was, does nothing without an item', () => {
    const r = response(1000, 10_000);
    expect(itemRepair(r, 420)).toEqual({ kind: 'truncate', itemId: 'item_1', contentIndex: 0, audioEndMs: 420 });
    expect(itemRepair(r, 0)).toEqual({ kind: 'delete', itemId: 'item_1' });
    r.itemId = undefined;
    expect(itemRepair(r, 420)).toEqual({ kind: 'none' });
    expect(deliveredMs(response(12.5), BYTES_PER_MS)).toBe(12);
  });
});
