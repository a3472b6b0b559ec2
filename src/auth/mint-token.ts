/**
 * `npm run token -- --sub alice --ttl 600`: prints one signed client token (and nothing else) for
 * PROXY_AUTH_SECRET, read from the environment or `.env`. Problems go to stderr with exit code 1.
 */
import { config as loadDotenv } from 'dotenv';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { mintClientToken } from './jwt.js';

const DEFAULT_TTL_SECONDS = 600;
const MAX_TTL_SECONDS = 7 * 24 * 3600;
const USAGE = 'usage: npm run token -- [--sub USER_ID] [--ttl SECONDS]   (PROXY_AUTH_SECRET from the environment or .env)';
const HELP = `${USAGE}

Prints one signed client token (HS256 JWT) and nothing else, for a server started with the same
PROXY_AUTH_SECRET (at least 32 characters; in the environment or in .env). Clients send it as
"Authorization: Bearer <token>", ?token=<token> or the subprotocol token.<token>.

  --sub USER_ID   the user the token is for (logged by the server as userId)
  --ttl SECONDS   lifetime, 1 to ${MAX_TTL_SECONDS} (default ${DEFAULT_TTL_SECONDS})
  -h, --help      this text

In a script, add -s so npm's own banner stays out of the output:
  TOKEN=$(npm run -s token -- --sub alice)`;

export type MintResult = { ok: true; token: string } | { ok: true; help: string } | { ok: false; problems: string[] };

/** Parses the arguments and the secret; returns the token, the help text, or the problems to report. */
export function mintFromArgs(args: readonly string[], env: NodeJS.ProcessEnv): MintResult {
  let values: { sub?: string; ttl?: string; help?: boolean };
  try {
    values = parseArgs({
      args: [...args],
      options: { sub: { type: 'string' }, ttl: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }).values;
  } catch (error) {
    return { ok: false, problems: [error instanceof Error ? error.message : String(error), USAGE] };
  }
  if (values.help) return { ok: true, help: HELP };
  const problems: string[] = [];
  const secret = env.PROXY_AUTH_SECRET?.trim() ?? '';
  if (secret === '') problems.push('PROXY_AUTH_SECRET is not set (environment or .env)');
  else if (secret.length < 32) problems.push('PROXY_AUTH_SECRET must be at least 32 characters');
  const ttlText = values.ttl ?? String(DEFAULT_TTL_SECONDS);
  const ttlSeconds = Number(ttlText);
  if (!/^\d+$/.test(ttlText) || ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS) {
    problems.push(`--ttl must be a whole number of seconds from 1 to ${MAX_TTL_SECONDS}, got "${ttlText}"`);
  }
  if (values.sub !== undefined && (values.sub === '' || values.sub.length > 128)) problems.push('--sub must be 1 to 128 characters');
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, token: mintClientToken(secret, { ttlSeconds, ...(values.sub === undefined ? {} : { sub: values.sub }) }) };
}

function main(): void {
  // quiet: dotenv otherwise prints a banner to stdout, and stdout must hold the token only.
  loadDotenv({ quiet: true });
  const result = mintFromArgs(process.argv.slice(2), process.env);
  if (!result.ok) {
    for (const problem of result.problems) process.stderr.write(`${problem}\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`${'help' in result ? result.help : result.token}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
