/**
 * What usage accounting and budgets add, measured in this process (bounded counts, stops by itself):
 *
 *   npm run bench:usage -- [--checks 500]
 *
 * 1. Per response: reading a `response.done` usage, counting it in the metrics, pricing it and adding it to the
 *    session's totals (CPU µs per response, median of batches).
 * 2. Per upgrade and per response with a budget: the budget check and the charge, with the spend in memory and in
 *    a local redis-server (wall ms per call, one at a time, after a warm-up).
 */
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { createLogger } from '../src/logger/index.js';
import { createMetrics } from '../src/metrics/index.js';
import { SharedStore } from '../src/shared-store/index.js';
import { MemoryLedger, UserBudget } from '../src/usage/budget.js';
import { UsageAccounting } from '../src/usage/meter.js';
import { DEFAULT_PRICES } from '../src/config/prices.js';
import { RedisLedger } from '../src/usage/redis-ledger.js';
import { startRedis } from '../test/helpers/redis-server.js';
import { cpuPerCallUs } from './micro.js';

const { values } = parseArgs({ options: { checks: { type: 'string', default: '500' } } });
const checks = Math.min(Number(values.checks), 10_000);
const logger = createLogger('silent');

/** A response.done usage as the service reports it (community.openai.com/t/1060242). */
const USAGE = {
  total_tokens: 821,
  input_tokens: 789,
  output_tokens: 32,
  input_token_details: { text_tokens: 313, audio_tokens: 476, cached_tokens: 640, cached_tokens_details: { text_tokens: 256, audio_tokens: 384 } },
  output_token_details: { text_tokens: 9, audio_tokens: 23 },
};

function percentiles(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN).toFixed(3);
  return `median ${at(0.5)} ms, p10 ${at(0.1)}, p90 ${at(0.9)}, p99 ${at(0.99)} (n=${sorted.length})`;
}

async function timeEach(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 50; i += 1) await fn(-i - 1);
  const samples: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const start = process.hrtime.bigint();
    await fn(i);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return samples;
}

async function main(): Promise<void> {
  const accounting = new UsageAccounting(DEFAULT_PRICES, createMetrics({ collectDefaults: false }), logger);
  const session = accounting.forSession('gpt-realtime-1.5', () => 'gpt-4o-mini-transcribe');
  const perResponse = cpuPerCallUs(() => session.response(USAGE), 20_000, 7);
  console.log(`accounting per response.done: ${perResponse.cpuUs.toFixed(2)} µs CPU (median of 7 batches of 20000)`);

  const settings = { unit: 'tokens' as const, limit: 1e12, period: 'day' as const };
  const memory = new UserBudget(settings, new MemoryLedger(), 'open', logger);
  console.log(`budget check, memory:  ${percentiles(await timeEach(checks, (i) => memory.check(`user${i % 100}`)))}`);
  console.log(`budget charge, memory: ${percentiles(await timeEach(checks, (i) => memory.charge(`user${i % 100}`, { tokens: 821, costUsd: 0.01 })))}`);

  const redis = await startRedis();
  const store = new SharedStore({ url: redis.url, keyPrefix: 'bench-usage:', failureMode: 'open' }, logger, new Registry());
  try {
    await store.connected();
    const shared = new UserBudget(settings, new RedisLedger(store), 'open', logger);
    console.log(`budget check, Redis:   ${percentiles(await timeEach(checks, (i) => shared.check(`user${i % 100}`)))}`);
    console.log(`budget charge, Redis:  ${percentiles(await timeEach(checks, (i) => shared.charge(`user${i % 100}`, { tokens: 821, costUsd: 0.01 })))}`);
  } finally {
    await store.close();
    await redis.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
