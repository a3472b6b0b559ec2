import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { verifyClientToken } from '../../src/auth/jwt.js';
import { mintFromArgs } from '../../src/auth/mint-token.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const run = promisify(execFile);

describe('npm run token', () => {
  it('mints a token for --sub with --ttl', () => {
    const result = mintFromArgs(['--sub', 'alice', '--ttl', '600'], { PROXY_AUTH_SECRET: SECRET });
    if (!result.ok || !('token' in result)) throw new Error('no token');
    expect(verifyClientToken(result.token, SECRET)).toEqual({ ok: true, subject: 'alice' });
    const payload = JSON.parse(Buffer.from(result.token.split('.')[1] ?? '', 'base64url').toString()) as { exp: number; iat: number };
    expect(payload.exp - payload.iat).toBe(600);
  });

  it('reports every problem: no secret, a bad ttl, an unknown flag', () => {
    const result = mintFromArgs(['--ttl', 'soon'], {});
    expect(result).toEqual({ ok: false, problems: [expect.stringContaining('PROXY_AUTH_SECRET'), expect.stringContaining('--ttl')] });
    expect(mintFromArgs(['--user', 'x'], { PROXY_AUTH_SECRET: SECRET }).ok).toBe(false);
    expect(mintFromArgs([], { PROXY_AUTH_SECRET: 'short' })).toEqual({ ok: false, problems: [expect.stringContaining('32')] });
  });

  it('as a process, prints the token and nothing else on stdout', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/auth/mint-token.ts', '--sub', 'carol', '--ttl', '30'], {
      env: { ...process.env, PROXY_AUTH_SECRET: SECRET },
      timeout: 15_000,
    });
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(verifyClientToken(stdout.trim(), SECRET)).toEqual({ ok: true, subject: 'carol' });
  });

  it('--help: the usage on stdout, exit 0, even without a secret; it says a secret is needed and how to keep npm quiet', async () => {
    const env = { ...process.env };
    delete env.PROXY_AUTH_SECRET;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/auth/mint-token.ts', '--help'], { env, timeout: 15_000 });
    expect(stdout).toMatch(/^usage: npm run token/);
    expect(stdout).toContain('PROXY_AUTH_SECRET');
    expect(stdout).toContain('npm run -s token');
  });
});
