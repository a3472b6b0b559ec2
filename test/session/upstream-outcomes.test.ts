import { describe, expect, it } from 'vitest';
import { endForClose, endForFailure } from '../../src/session/upstream-outcomes.js';

describe('how upstream failures end a session', () => {
  it('maps handshake failures to the contract codes', () => {
    expect(endForFailure({ kind: 'auth', status: 401, message: 'x' })).toMatchObject({
      outcome: 'upstream_error',
      error: { code: 'upstream_auth_failed' },
    });
    expect(endForFailure({ kind: 'overloaded', status: 429, message: 'x' }).error).toMatchObject({ code: 'upstream_unavailable', closeCode: 1013 });
    expect(endForFailure({ kind: 'unavailable', message: 'upstream handshake timed out' }).error.message).toContain('timed out');
  });

  it("treats the upstream's 1001 as the session cap and anything else as a failure", () => {
    expect(endForClose(1001, '')).toMatchObject({ outcome: 'expired', error: { code: 'session_expired' } });
    expect(endForClose(1011, 'boom')).toMatchObject({ outcome: 'upstream_error', error: { code: 'upstream_closed' } });
    expect(endForClose(1006, '').error.message).toContain('1006');
  });
});
