import { afterEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import { loadConfig } from '../../src/config/index.js';
import { initAudio } from '../../src/audio/resampler.js';
import { createLogger } from '../../src/logger/index.js';
import { startServer, type RunningServer } from '../../src/app.js';
import type { SessionRecorder } from '../../src/recorder/types.js';
import { TEST_API_KEY } from '../helpers/proxy.js';
import { TestClient } from '../helpers/ws-client.js';

let emulator: Emulator | undefined;
let server: RunningServer | undefined;
const clients: TestClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  server = undefined;
  await emulator?.close();
  emulator = undefined;
});

/** A recorder with a bug: it throws on response audio, inside the bridge's upstream event handler. */
function buggyRecorder(): SessionRecorder {
  return {
    inputAudio: () => undefined,
    responseStarted: () => undefined,
    responseAudio: () => {
      throw new Error('simulated bug');
    },
    responseEnded: () => undefined,
    close: () => Promise.resolve(),
  };
}

describe('a bug in a session handler', () => {
  it('ends only that session with internal_error (1011); the process and other sessions go on', async () => {
    await initAudio();
    emulator = await createEmulator({ apiKey: TEST_API_KEY, audioPace: 20 });
    const result = loadConfig({ PORT: '0', HOST: '127.0.0.1', UPSTREAM: 'openai', OPENAI_API_KEY: TEST_API_KEY, OPENAI_REALTIME_URL: emulator.url, LOG_LEVEL: 'silent' });
    if (!result.ok) throw new Error(result.errors.join('; '));
    server = await startServer(result.config, { logger: createLogger('silent'), createRecorder: buggyRecorder });

    const bystander = await TestClient.connect(server.url);
    clients.push(bystander);
    await bystander.waitForType('AIConnected');
    const victim = await TestClient.connect(server.url);
    clients.push(victim);
    await victim.waitForType('AIConnected');

    victim.sendJson({ type: 'text', text: 'trigger the bug' });
    expect(await victim.waitFor((m) => m.type === 'error')).toMatchObject({ code: 'internal_error', fatal: true });
    expect((await victim.waitForClose()).code).toBe(1011);

    bystander.sendJson({ type: 'ping', id: 'still here' });
    await bystander.waitFor((m) => m.type === 'pong' && m.id === 'still here');
    const running = server;
    await bystander.waitUntil(() => running.activeSessions === 1);
  });
});
