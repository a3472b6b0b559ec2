/**
 * UPSTREAM=azure against the emulator on Azure's path (`/openai/v1/realtime`, `api-key` header), where the
 * transcription model must name a deployment of the resource: the default configuration must not ask for one that
 * does not exist.
 */
import { describe, expect, it } from 'vitest';
import { startProxy, TEST_API_KEY, type TestProxy } from '../helpers/proxy.js';
import { streamSamples, utterance } from '../helpers/voice.js';
import { perTest } from '../helpers/per-test.js';
import { TestClient } from '../helpers/ws-client.js';

const t = perTest();

const RATE = 16000;

/** A proxy with UPSTREAM=azure whose endpoint is the emulator; `env` adds to it. */
async function azureProxy(env: Record<string, string> = {}): Promise<TestProxy> {
  const proxy = await startProxy({
    env: (emulator) => ({
      UPSTREAM: 'azure',
      AZURE_OPENAI_ENDPOINT: `http://127.0.0.1:${emulator.port}`,
      AZURE_OPENAI_API_KEY: TEST_API_KEY,
      AZURE_OPENAI_DEPLOYMENT: 'my-realtime',
      ...env,
    }),
    emulator: { azureDeployments: ['my-transcribe'] },
  });
  t.proxy = proxy;
  return proxy;
}

async function voiceTurn(p: TestProxy): Promise<TestClient> {
  const c = await TestClient.connect(`${p.url}?inputRate=${RATE}`);
  t.client = c;
  await c.waitForType('AIConnected');
  await streamSamples(c, utterance(RATE).all, RATE);
  await c.waitForType('AIResponseEnd', 10_000);
  return c;
}

describe('Azure', () => {
  it('by default asks for no transcription: a voice turn completes without a single error', async () => {
    const p = await azureProxy();
    const c = await voiceTurn(p);
    // A wrongly requested transcription fails 20 ms after the commit, long before the reply has ended.
    expect(c.json.filter((m) => m.type === 'error')).toEqual([]);
    expect(c.json.some((m) => m.name === 'UserTranscript')).toBe(false);
    const update = p.emulator.sessions[0]?.events.find((e) => e.type === 'session.update') as { session: { audio: { input: Record<string, unknown> } } };
    expect(update.session.audio.input.transcription).toBeNull();
  });

  it('with TRANSCRIPTION_MODEL naming a deployment, the user is transcribed', async () => {
    const p = await azureProxy({ TRANSCRIPTION_MODEL: 'my-transcribe' });
    const c = await voiceTurn(p);
    await c.waitForType('UserTranscript', 5000);
    expect(c.json.filter((m) => m.type === 'error')).toEqual([]);
  });

  it('a client asking for transcription without a deployment configured gets none (SessionUpdated says so)', async () => {
    const p = await azureProxy();
    const c = await TestClient.connect(p.url);
    t.client = c;
    await c.waitForType('AIConnected');
    c.sendJson({ type: 'config', transcription: true });
    const updated = await c.waitForType('SessionUpdated');
    expect(updated).toMatchObject({ session: { transcription: null } });
  });
});
