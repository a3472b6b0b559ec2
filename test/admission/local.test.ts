import { describe, expect, it } from 'vitest';
import type { Admission } from '../../src/admission/index.js';
import { createLocalAdmitter } from '../../src/admission/local.js';
import { refusalFor } from '../../src/errors/index.js';

function leaseOf(admission: Admission): { release(): void } {
  if (!admission.ok) throw new Error(`refused: ${admission.status}`);
  return admission.lease;
}

describe('createLocalAdmitter', () => {
  it('MAX_CONNECTIONS: 503 once full; a released lease frees its slot, once however often it is released', async () => {
    const admitter = createLocalAdmitter({ maxConnections: 2, maxConnectionsPerIp: 10 });
    const first = leaseOf(await admitter.admit({ ip: '10.0.0.1' }));
    leaseOf(await admitter.admit({ ip: '10.0.0.2' }));
    expect(await admitter.admit({ ip: '10.0.0.3' })).toMatchObject({ ok: false, status: 503, reason: 'capacity' });
    first.release();
    first.release();
    leaseOf(await admitter.admit({ ip: '10.0.0.3' }));
    expect(await admitter.admit({ ip: '10.0.0.4' })).toMatchObject({ ok: false, status: 503 });
  });

  it('MAX_CONNECTIONS_PER_IP: 429 for that address only, counted under capacity', async () => {
    const admitter = createLocalAdmitter({ maxConnections: 10, maxConnectionsPerIp: 1 });
    const lease = leaseOf(await admitter.admit({ ip: '10.0.0.1' }));
    expect(await admitter.admit({ ip: '10.0.0.1' })).toEqual({ ok: false, ...refusalFor('per_ip') });
    expect(refusalFor('per_ip')).toMatchObject({ status: 429, reason: 'capacity' });
    leaseOf(await admitter.admit({ ip: '10.0.0.2' }));
    lease.release();
    leaseOf(await admitter.admit({ ip: '10.0.0.1' }));
  });

  it('a per-IP refusal gives back the connection slot it had taken (capacity is checked first)', async () => {
    const admitter = createLocalAdmitter({ maxConnections: 2, maxConnectionsPerIp: 1 });
    leaseOf(await admitter.admit({ ip: '10.0.0.1' }));
    for (let i = 0; i < 5; i += 1) expect(await admitter.admit({ ip: '10.0.0.1' })).toMatchObject({ status: 429 });
    leaseOf(await admitter.admit({ ip: '10.0.0.2' }));
    expect(await admitter.admit({ ip: '10.0.0.3' })).toMatchObject({ status: 503 });
  });

  it('MAX_SESSIONS_PER_USER: 429 per_user past the limit whatever the address; sessions without a user are not counted', async () => {
    const admitter = createLocalAdmitter({ maxConnections: 10, maxConnectionsPerIp: 10, maxSessionsPerUser: 2 });
    const first = leaseOf(await admitter.admit({ ip: '10.0.0.1', userId: 'alice' }));
    leaseOf(await admitter.admit({ ip: '10.0.0.2', userId: 'alice' }));
    expect(await admitter.admit({ ip: '10.0.0.3', userId: 'alice' })).toEqual({ ok: false, ...refusalFor('per_user') });
    expect(refusalFor('per_user')).toMatchObject({ status: 429, reason: 'per_user' });
    leaseOf(await admitter.admit({ ip: '10.0.0.3', userId: 'bob' }));
    for (let i = 0; i < 3; i += 1) leaseOf(await admitter.admit({ ip: '10.0.0.4' }));
    first.release();
    leaseOf(await admitter.admit({ ip: '10.0.0.3', userId: 'alice' }));
  });
});
