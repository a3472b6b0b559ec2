import { describe, expect, it } from 'vitest';
import type { ResponseFault } from '../../src/emulator/index.js';
import type { TestClient } from '../helpers/ws-client.js';
import { ofType, open, startEmulator, types } from './harness.js';

function ask(client: TestClient): void {
  client.sendJson({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'one two three four five' }] } });
  client.sendJson({ type: 'response.create' });
}

async function faulty(fault: ResponseFault): Promise<{ client: TestClient; done: Record<string, unknown> }> {
  const emulator = await startEmulator({ behaviour: { modelLatencyMs: 20, responseFaults: [fault] } });
  const client = await open(emulator);
  ask(client);
  const done = await client.waitForType('response.done');
  return { client, done: done.response as Record<string, unknown> };
}

describe('responses that do not complete', () => {
  it('failed (rate limit): response.created, then response.done failed with the error in status_details, no output', async () => {
    const { client, done } = await faulty({ status: 'failed', error: 'rate_limit' });
    expect(done).toMatchObject({
      status: 'failed',
      status_details: { type: 'failed', error: { type: 'invalid_request_error', code: 'inference_rate_limit_exceeded' } },
      output: [],
      usage: { total_tokens: 0, input_tokens: 0, output_tokens: 0 },
    });
    expect(String((done.status_details as { error: { message: string } }).error.message)).toMatch(/^Rate limit reached for gpt-realtime/);
    expect(types(client).filter((t) => t.startsWith('response.'))).toEqual(['response.created', 'response.done']);
  });

  it('failed (quota, server error) carry the error shapes users report', async () => {
    expect((await faulty({ status: 'failed', error: 'quota' })).done.status_details).toMatchObject({
      type: 'failed',
      error: { type: 'insufficient_quota', code: 'insufficient_quota', message: expect.stringContaining('You exceeded your current quota') as unknown },
    });
    expect((await faulty({ status: 'failed', error: 'server_error' })).done.status_details).toMatchObject({
      type: 'failed',
      error: { type: 'server_error', code: null },
    });
  });

  it('incomplete (max_output_tokens): some output, then the .done events with the item incomplete', async () => {
    const { client, done } = await faulty({ status: 'incomplete', reason: 'max_output_tokens', afterDeltas: 2 });
    expect(ofType(client, 'response.output_audio.delta')).toHaveLength(2);
    expect(done).toMatchObject({
      status: 'incomplete',
      status_details: { type: 'incomplete', reason: 'max_output_tokens' },
      output: [{ type: 'message', role: 'assistant', status: 'incomplete' }],
    });
    expect(types(client)).toContain('response.output_audio.done');
  });

  it('faults are taken one per response: the next one completes', async () => {
    const emulator = await startEmulator({ behaviour: { modelLatencyMs: 0, responseFaults: [{ status: 'incomplete', reason: 'content_filter' }] } });
    const client = await open(emulator);
    ask(client);
    await client.waitForType('response.done');
    const from = client.json.length;
    client.sendJson({ type: 'response.create' });
    const second = await client.waitFor((m) => m.type === 'response.done', 5000, from);
    expect(ofType(client, 'response.done').map((m) => (m.response as { status: string }).status)).toEqual(['incomplete', 'completed']);
    expect(second.response).toMatchObject({ status_details: null });
    // A fault set on one session's record does not touch another session.
    expect(emulator.sessions[0]!.behaviour.responseFaults).toEqual([]);
  });
});

describe('rate_limits.updated', () => {
  it('follows response.created with a tokens entry (the service reports no requests entry)', async () => {
    const emulator = await startEmulator({ behaviour: { modelLatencyMs: 0 } });
    const client = await open(emulator);
    ask(client);
    await client.waitForType('response.done');
    const list = types(client);
    expect(list[list.indexOf('response.created') + 1]).toBe('rate_limits.updated');
    const [limit] = ofType(client, 'rate_limits.updated')[0]!.rate_limits as Array<Record<string, number | string>>;
    expect(limit).toMatchObject({ name: 'tokens', limit: 40000 });
    expect(Number(limit!.remaining)).toBeLessThan(40000);
    expect(Number(limit!.reset_seconds)).toBeGreaterThan(0);
  });

  it('can be switched off', async () => {
    const emulator = await startEmulator({ behaviour: { modelLatencyMs: 0, rateLimits: false } });
    const client = await open(emulator);
    ask(client);
    await client.waitForType('response.done');
    expect(types(client)).not.toContain('rate_limits.updated');
  });
});
