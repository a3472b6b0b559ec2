import { describe, expect, it } from 'vitest';
import { allOf, type Admission, type Admitter } from '../../src/admission/index.js';
import { connectionLimit, perKeyLimit } from '../../src/admission/local.js';
import { refusalFor } from '../../src/errors/index.js';

function leaseOf(admission: Admission): { release(): void } {
  if (!admission.ok) throw new Error(`refused: ${admission.status}`);
  return admission.lease;
}

describe('allOf', () => {
  it('asks in order, stops at the first refusal and releases what earlier admitters granted', async () => {
    const asked: string[] = [];
    const released: string[] = [];
    const named = (name: string, ok: boolean): Admitter => ({
      admit: () => {
        asked.push(name);
        return Promise.resolve(ok ? { ok: true, lease: { release: () => released.push(name) } } : { ok: false, ...refusalFor('capacity') });
      },
    });
    expect(await allOf([named('a', true), named('b', false), named('c', true)]).admit({ ip: 'x' })).toMatchObject({ ok: false });
    expect(asked).toEqual(['a', 'b']);
    expect(released).toEqual(['a']);
  });

  it('a composite lease releases every part once', async () => {
    const perUser = perKeyLimit(1, (request) => request.userId, refusalFor('per_ip'));
    const admitter = allOf([connectionLimit(5), perUser]);
    const lease = leaseOf(await admitter.admit({ ip: 'x', userId: 'alice' }));
    expect(await admitter.admit({ ip: 'y', userId: 'alice' })).toMatchObject({ ok: false });
    leaseOf(await admitter.admit({ ip: 'y' }));
    lease.release();
    lease.release();
    leaseOf(await admitter.admit({ ip: 'y', userId: 'alice' }));
  });
});
