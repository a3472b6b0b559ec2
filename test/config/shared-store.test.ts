/** The shared-store and per-user variables: off by default, validated by name, a password never echoed. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';

const SECRET = 'a-signing-secret-of-at-least-32-characters';

describe('loadConfig: REDIS_* and MAX_SESSIONS_PER_USER', () => {
  it('unset: no shared store, no per-user limit', () => {
    const result = loadConfig({});
    expect(result.ok && result.config.sharedStore).toBeNull();
    expect(result.ok && result.config.limits.maxSessionsPerUser).toBe(0);
  });

  it('REDIS_URL set: the store with its defaults (open, 10 s leases, a prefix), or every companion as given', () => {
    expect(loadConfig({ REDIS_URL: 'redis://:pw@cache:6379/2' })).toMatchObject({
      ok: true,
      config: { sharedStore: { url: 'redis://:pw@cache:6379/2', failureMode: 'open', leaseTtlMs: 10000, keyPrefix: 'voice-proxy:' } },
    });
    const env = { REDIS_URL: 'rediss://cache:6380', REDIS_FAILURE_MODE: 'closed', REDIS_LEASE_TTL_MS: '3000', REDIS_KEY_PREFIX: 'eu1:' };
    expect(loadConfig(env)).toMatchObject({ ok: true, config: { sharedStore: { failureMode: 'closed', leaseTtlMs: 3000, keyPrefix: 'eu1:' } } });
  });

  it('bad values are reported by name; a URL is never echoed (it may hold a password)', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ REDIS_URL: 'http://user:hunter2@cache:6379' }, /^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/],
      [{ REDIS_URL: 'not a url hunter2' }, /^REDIS_URL must be/],
      [{ REDIS_URL: '' }, /^REDIS_URL is set but empty/],
      [{ REDIS_FAILURE_MODE: 'maybe' }, /^REDIS_FAILURE_MODE must be one of open, closed/],
      [{ REDIS_LEASE_TTL_MS: '100' }, /^REDIS_LEASE_TTL_MS must be between 500 and 600000/],
      [{ MAX_SESSIONS_PER_USER: '-1', PROXY_AUTH_SECRET: SECRET }, /^MAX_SESSIONS_PER_USER must be between 0/],
    ];
    for (const [env, message] of cases) {
      const result = loadConfig(env);
      expect(result.ok, JSON.stringify(env)).toBe(false);
      if (result.ok) continue;
      expect(result.errors.join('\n')).toMatch(message);
      expect(result.errors.join('\n')).not.toContain('hunter2');
    }
  });

  it('MAX_SESSIONS_PER_USER needs signed tokens: without PROXY_AUTH_SECRET no session has a user', () => {
    const alone = loadConfig({ MAX_SESSIONS_PER_USER: '2' });
    expect(alone.ok ? [] : alone.errors).toEqual([
      "MAX_SESSIONS_PER_USER needs PROXY_AUTH_SECRET: a user is a signed token's sub, and without one no session has a user",
    ]);
    expect(loadConfig({ MAX_SESSIONS_PER_USER: '2', PROXY_AUTH_SECRET: SECRET })).toMatchObject({ ok: true, config: { limits: { maxSessionsPerUser: 2 } } });
  });
});
