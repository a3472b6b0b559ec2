import { describe, expect, it } from 'vitest';
import { failureKind } from '../../src/errors/upstream-failures.js';

describe('the upstream code table', () => {
  it('classifies by code, then by type', () => {
    expect(failureKind('inference_rate_limit_exceeded', 'invalid_request_error')).toBe('rate_limited');
    expect(failureKind('insufficient_quota', undefined)).toBe('quota');
    expect(failureKind(undefined, 'server_error')).toBe('server_error');
    expect(failureKind('invalid_api_key', 'invalid_request_error')).toBe('auth');
    expect(failureKind('unknown_parameter', 'invalid_request_error')).toBe('other');
  });
});
