/**
 * The load-balancer files of deploy/ against the server's configuration: the health check asks the readiness path,
 * the tunnel timeouts outlast the heartbeat and the longest session, and the client address is forwarded the way
 * TRUST_PROXY reads it. test/e2e/scale.test.ts runs both files for real.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';

const read = (path: string) => readFileSync(new URL(`../../deploy/${path}`, import.meta.url), 'utf8');
const defaults = loadConfig({});
if (!defaults.ok) throw new Error('the default configuration is invalid');
const { heartbeatIntervalMs, maxSessionSeconds } = defaults.config.limits;
/** `3600s`, `1h`, `2m` as milliseconds. */
const ms = (text: string | undefined) => {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(text ?? '');
  if (match === null) throw new Error(`not a duration: ${text}`);
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return Number(match[1]) * (unit[match[2] ?? 's'] ?? NaN);
};
const setting = (text: string, pattern: RegExp) => pattern.exec(text)?.[1];

describe('deploy/haproxy/haproxy.cfg', () => {
  const cfg = read('haproxy/haproxy.cfg');
  it('checks /ready actively, balances by least connections, and retries a drain’s 503 elsewhere', () => {
    expect(cfg).toMatch(/^\s*http-check send meth GET uri \/ready$/m);
    expect(cfg).toMatch(/^\s*http-check expect status 200$/m);
    expect(cfg).toMatch(/^\s*balance leastconn$/m);
    expect(cfg).toMatch(/^\s*default-server check inter \d+m?s fall \d+ rise \d+$/m);
    expect(cfg).toMatch(/^\s*retry-on .*\b503\b/m);
  });
  it('keeps a tunnel open past the heartbeat and the longest session, and forwards the client address', () => {
    const tunnel = ms(setting(cfg, /^\s*timeout tunnel (\S+)$/m));
    expect(tunnel).toBeGreaterThan(heartbeatIntervalMs);
    expect(tunnel).toBeGreaterThanOrEqual(maxSessionSeconds * 1000);
    expect(cfg).toMatch(/^\s*option forwardfor$/m);
  });
});

describe('deploy/nginx/voice-proxy.conf', () => {
  const conf = read('nginx/voice-proxy.conf');
  it('upgrades, retries a 503 on the next instance, and keeps a tunnel open past the heartbeat and the longest session', () => {
    expect(conf).toMatch(/^\s*least_conn;$/m);
    expect(conf).toMatch(/^\s*proxy_set_header Upgrade \$http_upgrade;$/m);
    expect(conf).toMatch(/^\s*proxy_next_upstream .*\bhttp_503\b.*;$/m);
    for (const name of ['proxy_read_timeout', 'proxy_send_timeout']) {
      const value = ms(setting(conf, new RegExp(`^\\s*${name} (\\S+);$`, 'm')));
      expect(value, name).toBeGreaterThan(heartbeatIntervalMs);
      expect(value, name).toBeGreaterThanOrEqual(maxSessionSeconds * 1000);
    }
  });
  it('replaces X-Forwarded-For with the address it saw (the server reads the last entry)', () => {
    expect(conf).toMatch(/^\s*proxy_set_header X-Forwarded-For \$remote_addr;$/m);
  });
});
