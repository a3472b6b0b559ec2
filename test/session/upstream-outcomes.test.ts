import { describe, expect, it } from 'vitest';
import { readResponse, type ResponseBody } from '../../src/upstream/events.js';
import { endForClose, endForFailure, errorEventOutcome, isTransientEnd, parseCloseReason, responseShortfall } from '../../src/session/upstream-outcomes.js';

describe('how upstream failures end a session', () => {
  it('maps handshake failures to the contract codes', () => {
    expect(endForFailure({ kind: 'auth', status: 401, message: 'x' })).toMatchObject({
      outcome: 'upstream_error',
      error: { code: 'upstream_auth_failed' },
    });
    expect(endForFailure({ kind: 'overloaded', status: 429, message: 'x' }).error).toMatchObject({ code: 'upstream_unavailable', closeCode: 1013 });
    expect(endForFailure({ kind: 'unavailable', message: 'upstream handshake timed out' }).error.message).toContain('timed out');
  });

  it("treats the upstream's 1001 as the session cap and anything else as a failure, named", () => {
    expect(endForClose(1001, '')).toMatchObject({ outcome: 'expired', error: { code: 'session_expired' } });
    expect(endForClose(1011, 'boom')).toMatchObject({ outcome: 'upstream_error', error: { code: 'upstream_closed', message: 'The upstream closed the session (code 1011 internal error: boom).' } });
    expect(endForClose(1008, '').error.message).toContain('1008 policy violation');
    expect(endForClose(1006, '').error.message).toContain('1006 connection lost');
    expect(endForClose(1013, '')).toMatchObject({ error: { code: 'upstream_unavailable', closeCode: 1013 } });
  });

  it('quotes the service\'s session-cap sentence without doubling its full stop', () => {
    expect(endForClose(1001, 'Your session hit the maximum duration of 60 minutes.').error.message).toBe(
      'The upstream ended the session: Your session hit the maximum duration of 60 minutes.',
    );
  });

  it('reads a <type>.<code> close reason with the code table: a refused key after the upgrade is an auth failure', () => {
    expect(parseCloseReason('invalid_request_error.invalid_api_key')).toEqual({ type: 'invalid_request_error', code: 'invalid_api_key' });
    expect(parseCloseReason('closing for a reason')).toBeUndefined();
    expect(endForClose(3000, 'invalid_request_error.invalid_api_key')).toMatchObject({
      outcome: 'upstream_error',
      error: { code: 'upstream_auth_failed', message: expect.stringContaining('3000 credentials refused') as unknown },
    });
    expect(endForClose(4000, 'invalid_request_error.beta_api_shape_disabled')).toMatchObject({ error: { code: 'upstream_error' } });
    expect(endForClose(3000, '')).toMatchObject({ error: { code: 'upstream_closed' } });
  });
});

describe('upstream error events', () => {
  it('while connecting every error refuses the session, event_id or not; a refused key is an auth failure', () => {
    expect(errorEventOutcome({ type: 'invalid_request_error', code: 'invalid_value', message: 'Bad.' }, true)).toMatchObject({
      ends: true,
      error: { code: 'upstream_error', message: 'The upstream refused the session: Bad.', upstreamCode: 'invalid_value' },
    });
    expect(errorEventOutcome({ type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' }, true)).toMatchObject({
      ends: true,
      error: { code: 'upstream_auth_failed' },
    });
  });

  it("once open: refusals are passed on with the upstream's words, rate limits and quota with ours, a refused key ends it", () => {
    expect(errorEventOutcome({ code: 'unknown_parameter', message: 'Unknown parameter.' }, false)).toEqual({
      quiet: false,
      upstream: { type: undefined, code: 'unknown_parameter', message: 'Unknown parameter.' },
      ends: false,
      error: { code: 'upstream_error', upstreamCode: 'unknown_parameter', message: 'Unknown parameter.' },
    });
    expect(errorEventOutcome({ code: 'rate_limit_exceeded', message: 'Rate limit reached for org-1.' }, false).error).toEqual({
      code: 'upstream_rate_limited',
      upstreamCode: 'rate_limit_exceeded',
    });
    expect(errorEventOutcome({ type: 'insufficient_quota', message: 'Quota.' }, false).error.code).toBe('upstream_quota');
    expect(errorEventOutcome({ code: 'invalid_api_key' }, false)).toMatchObject({ ends: true, error: { code: 'upstream_auth_failed' } });
    expect(errorEventOutcome({ code: 'beta_api_shape_disabled' }, false)).toMatchObject({ ends: true, error: { code: 'upstream_error' } });
    expect(errorEventOutcome({ code: 'response_cancel_not_active' }, false).quiet).toBe(true);
  });
});

describe('responses that did not complete', () => {
  const failed = (error: Record<string, unknown>): ResponseBody => readResponse({ id: 'r', status: 'failed', status_details: { type: 'failed', error } });

  it('a failed response names its reason and the client error, and keeps the upstream words for the log', () => {
    expect(responseShortfall(failed({ type: 'invalid_request_error', code: 'inference_rate_limit_exceeded', message: 'Rate limit reached for org-1' }))).toEqual({
      reason: 'rate_limited',
      error: { code: 'upstream_rate_limited', upstreamCode: 'inference_rate_limit_exceeded' },
      upstream: { type: 'invalid_request_error', code: 'inference_rate_limit_exceeded', reason: undefined, message: 'Rate limit reached for org-1' },
    });
    expect(responseShortfall(failed({ type: 'insufficient_quota', code: 'insufficient_quota' }))).toMatchObject({ reason: 'quota_exceeded', error: { code: 'upstream_quota' } });
    expect(responseShortfall(failed({ type: 'server_error', code: null }))).toMatchObject({ reason: 'server_error', error: { code: 'upstream_failed', upstreamCode: 'server_error' } });
    expect(responseShortfall({ status: 'failed' })).toMatchObject({ reason: 'failed', error: { code: 'upstream_failed' } });
  });

  it('an incomplete response names max_output_tokens or content_filter', () => {
    const incomplete = (reason: string): ResponseBody => readResponse({ status: 'incomplete', status_details: { type: 'incomplete', reason } });
    expect(responseShortfall(incomplete('max_output_tokens'))).toMatchObject({ reason: 'max_output_tokens', error: { code: 'upstream_incomplete', upstreamCode: 'max_output_tokens' } });
    expect(responseShortfall(incomplete('content_filter'))).toMatchObject({ reason: 'content_filter' });
    expect(responseShortfall(incomplete('something_new'))).toMatchObject({ reason: 'incomplete' });
  });

  it('completed and cancelled responses owe nothing', () => {
    expect(responseShortfall({ status: 'completed' })).toBeUndefined();
    expect(responseShortfall({ status: 'cancelled', status_details: { reason: 'turn_detected' } })).toBeUndefined();
  });
});

describe('which upstream ends another connection may well not repeat (reconnected) and which it would (the end)', () => {
  it('drops, server faults, a lost heartbeat and an unreachable or overloaded upstream are transient', () => {
    for (const code of [1001, 1006, 1011, 1012, 1013, 1014]) expect(isTransientEnd({ kind: 'closed', code, reason: '' }), String(code)).toBe(true);
    expect(isTransientEnd({ kind: 'unanswered' })).toBe(true);
    expect(isTransientEnd({ kind: 'failed', failure: { kind: 'unavailable', status: 502, message: 'x' } })).toBe(true);
    expect(isTransientEnd({ kind: 'failed', failure: { kind: 'overloaded', status: 429, message: 'x' } })).toBe(true);
  });

  it('refusals are not: credentials, quota, rate limits and request shapes named in a close, 1000, 1008, 3000, 4000, a 401/403', () => {
    expect(isTransientEnd({ kind: 'failed', failure: { kind: 'auth', status: 401, message: 'x' } })).toBe(false);
    for (const code of [1000, 1008, 3000, 4000]) expect(isTransientEnd({ kind: 'closed', code, reason: '' }), String(code)).toBe(false);
    for (const reason of ['invalid_request_error.invalid_api_key', 'insufficient_quota.insufficient_quota', 'requests.rate_limit_exceeded']) {
      expect(isTransientEnd({ kind: 'closed', code: 1011, reason }), reason).toBe(false);
    }
    // A free-form reason does not make a transient close fatal.
    expect(isTransientEnd({ kind: 'closed', code: 1011, reason: 'The server had an error.' })).toBe(true);
  });
});
