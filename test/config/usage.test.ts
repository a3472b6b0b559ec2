import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { DEFAULT_PRICES } from '../../src/config/prices.js';

const SECRET = 'a-signing-secret-of-at-least-32-characters';
let dir: string | undefined;

afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function file(text: string): string {
  dir ??= mkdtempSync(join(tmpdir(), 'prices-'));
  const path = join(dir, 'prices.json');
  writeFileSync(path, text);
  return path;
}

function errors(env: Record<string, string>): string {
  const result = loadConfig(env);
  return result.ok ? '' : result.errors.join('\n');
}

describe('usage configuration', () => {
  it('defaults: the published prices, usage on AIResponseEnd, no budget', () => {
    const result = loadConfig({});
    expect(result.ok && result.config.usage).toEqual({ prices: DEFAULT_PRICES, inResponseEnd: true, budget: null });
  });

  it('USAGE_PRICES_FILE replaces the models it names and keeps the other defaults', () => {
    const path = file(JSON.stringify({ 'gpt-realtime': { input: { audio: 1 } }, 'my-deployment': { output: { text: 2 } } }));
    const result = loadConfig({ USAGE_PRICES_FILE: path });
    expect(result.ok && result.config.usage.prices).toEqual({
      ...DEFAULT_PRICES,
      'gpt-realtime': { input: { audio: 1 } },
      'my-deployment': { output: { text: 2 } },
    });
  });

  it('a bad price file is reported by name, with what is wrong', () => {
    expect(errors({ USAGE_PRICES_FILE: '/nonexistent/prices.json' })).toMatch(/^USAGE_PRICES_FILE cannot be read: ENOENT/);
    expect(errors({ USAGE_PRICES_FILE: file('{not json') })).toMatch(/^USAGE_PRICES_FILE is not valid JSON/);
    expect(errors({ USAGE_PRICES_FILE: file('[]') })).toMatch(/^USAGE_PRICES_FILE must hold a JSON object/);
    expect(errors({ USAGE_PRICES_FILE: file('{"m":{"inputs":{}}}') })).toMatch(/model "m": unknown key "inputs"/);
    expect(errors({ USAGE_PRICES_FILE: file('{"m":{"input":{"video":1}}}') })).toMatch(/model "m".input: unknown key "video"/);
    expect(errors({ USAGE_PRICES_FILE: file('{"m":{"output":{"text":-1}}}') })).toMatch(/model "m".output.text: must be a number ≥ 0/);
    expect(errors({ USAGE_PRICES_FILE: file('{"m":{"output":{"text":"4"}}}') })).toMatch(/must be a number/);
  });

  it('USAGE_IN_RESPONSE_END takes a switch', () => {
    const result = loadConfig({ USAGE_IN_RESPONSE_END: 'false' });
    expect(result.ok && result.config.usage.inResponseEnd).toBe(false);
    expect(errors({ USAGE_IN_RESPONSE_END: 'maybe' })).toMatch(/^USAGE_IN_RESPONSE_END /);
  });

  it('a budget in tokens or in USD, per day (default) or month; it needs signed tokens', () => {
    expect(loadConfig({ USER_BUDGET_TOKENS: '5000', PROXY_AUTH_SECRET: SECRET })).toMatchObject({
      ok: true,
      config: { usage: { budget: { unit: 'tokens', limit: 5000, period: 'day' } } },
    });
    expect(loadConfig({ USER_BUDGET_USD: '2.5', USER_BUDGET_PERIOD: 'month', PROXY_AUTH_SECRET: SECRET })).toMatchObject({
      ok: true,
      config: { usage: { budget: { unit: 'usd', limit: 2.5, period: 'month' } } },
    });
    expect(errors({ USER_BUDGET_TOKENS: '5000' })).toMatch(/^USER_BUDGET_TOKENS needs PROXY_AUTH_SECRET: a budget belongs/);
    expect(errors({ USER_BUDGET_TOKENS: '5', USER_BUDGET_USD: '1', PROXY_AUTH_SECRET: SECRET })).toMatch(/^USER_BUDGET_TOKENS and USER_BUDGET_USD are mutually exclusive/);
    expect(errors({ USER_BUDGET_TOKENS: '1.5', PROXY_AUTH_SECRET: SECRET })).toMatch(/^USER_BUDGET_TOKENS must be a whole number/);
    expect(errors({ USER_BUDGET_USD: '0', PROXY_AUTH_SECRET: SECRET })).toMatch(/^USER_BUDGET_USD /);
    expect(errors({ USER_BUDGET_PERIOD: 'week' })).toMatch(/^USER_BUDGET_PERIOD /);
  });
});
