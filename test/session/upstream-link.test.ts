import { afterEach, describe, expect, it } from 'vitest';
import { createEmulator, INSTANT, type Emulator } from '../../src/emulator/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/logger/index.js';
import { createMetrics } from '../../src/metrics/index.js';
import { SessionConfig } from '../../src/session/session-config.js';
import { UpstreamLink } from '../../src/session/upstream-link.js';
import type { SessionEnd } from '../../src/session/upstream-outcomes.js';
import type { EffectiveSession, UpstreamEvent } from '../../src/upstream/events.js';
import { startFaultUpstream, type FaultUpstream } from '../helpers/fault-upstream.js';

const KEY = 'sk-link-test-key';
const pcm = { type: 'audio/pcm', rate: 24000 } as const;
let emulator: Emulator | undefined;
let faulty: FaultUpstream | undefined;
let link: UpstreamLink | undefined;

afterEach(async () => {
  link?.close();
  link = undefined;
  await emulator?.close();
  emulator = undefined;
  await faulty?.close();
  faulty = undefined;
});

/** What one link told its session, in order. */
interface Heard {
  readonly ready: EffectiveSession[];
  readonly events: UpstreamEvent[];
  readonly lost: SessionEnd[];
}

/** A link to `url` as a session opens it (OPENAI_* configuration, the defaults' session). */
function open(url: string, connectTimeoutMs = 2000): Heard {
  const result = loadConfig({ UPSTREAM: 'openai', OPENAI_API_KEY: KEY, OPENAI_REALTIME_URL: url });
  if (!result.ok) throw new Error(result.errors.join('; '));
  const heard: Heard = { ready: [], events: [], lost: [] };
  const config = new SessionConfig(result.config.session, { input: pcm, output: pcm, passThrough: true }, false);
  link = new UpstreamLink(
    { upstream: result.config.upstream, connectTimeoutMs, heartbeatIntervalMs: 15_000, highWaterBytes: 64 * 1024 },
    config,
    {
      ready: (session) => heard.ready.push(session),
      event: (event) => heard.events.push(event),
      error: () => undefined,
      lost: (end) => heard.lost.push(end),
    },
    createLogger('silent'),
    createMetrics({ collectDefaults: false }),
  );
  return heard;
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('UpstreamLink', () => {
  it('configures the upstream session with one whole session.update, then reports it ready with what is in effect', async () => {
    emulator = await createEmulator({ apiKey: KEY, recordEvents: true, behaviour: INSTANT });
    const heard = open(emulator.url);
    await until(() => heard.ready.length === 1);
    expect(heard.ready[0]?.audio?.input?.turn_detection).toMatchObject({ type: 'server_vad', create_response: true });
    const sent = emulator.sessions[0]?.events ?? [];
    expect(sent.map((e) => e.type)).toEqual(['session.update']);
    expect(sent[0]).toMatchObject({ event_id: 'proxy_session_update_1', session: { type: 'realtime', instructions: expect.any(String) as unknown } });
    expect(link?.updatesStarted).toBe(true);
    expect(heard.events).toEqual([]);
    expect(heard.lost).toEqual([]);
  });

  it('an upstream that never configures the session: the handshake deadline ends the link once, upstream_unavailable', async () => {
    faulty = await startFaultUpstream({ silentSession: true });
    const heard = open(faulty.url, 150);
    await until(() => heard.lost.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(heard.lost).toHaveLength(1);
    expect(heard.lost[0]).toMatchObject({ outcome: 'upstream_error', error: { code: 'upstream_unavailable', closeCode: 1011 } });
    expect(heard.lost[0]?.error.message).toContain('in time');
    expect(heard.ready).toEqual([]);
  });

  it('closed by the session (twice: idempotent): nothing more is reported', async () => {
    faulty = await startFaultUpstream({ silentSession: true });
    const heard = open(faulty.url, 150);
    link?.close();
    link?.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(heard).toEqual({ ready: [], events: [], lost: [] });
  });
});
