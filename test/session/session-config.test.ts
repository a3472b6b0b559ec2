import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { SessionConfig, SessionUpdates } from '../../src/session/session-config.js';

/** A session's config (where a client's `config` goes) and the updates of one upstream connection. */
function updates(): { u: SessionUpdates; config: SessionConfig } {
  const result = loadConfig({});
  if (!result.ok) throw new Error('config');
  const pcm = { type: 'audio/pcm', rate: 24000 } as const;
  const config = new SessionConfig(result.config.session, { input: pcm, output: pcm, passThrough: true }, false);
  return { u: new SessionUpdates(config), config };
}

const idle = { responding: false, audioProduced: false };

describe('SessionUpdates', () => {
  it('numbers its updates, sends the whole session first and only changes after', () => {
    const { u, config } = updates();
    expect(u.started).toBe(false);
    const first = u.next(idle);
    expect(first).toMatchObject({ type: 'session.update', event_id: 'proxy_session_update_1', session: { type: 'realtime', instructions: expect.any(String) as unknown } });
    expect(u.started).toBe(true);
    config.apply({ voice: 'ash' });
    expect(u.next(idle)).toEqual({ type: 'session.update', event_id: 'proxy_session_update_2', session: { type: 'realtime', audio: { output: { voice: 'ash' } } } });
  });

  it('during a response holds back speed and voice; at its end sends only them, or nothing when nothing waits', () => {
    const { u, config } = updates();
    u.next(idle);
    config.apply({ speed: 1.3 });
    expect(u.next({ responding: true, audioProduced: true })).toMatchObject({ session: { type: 'realtime' } });
    expect(u.next({ responding: false, audioProduced: true }, true)).toMatchObject({ session: { type: 'realtime', audio: { output: { speed: 1.3 } } } });
    expect(u.next({ responding: false, audioProduced: true }, true)).toBeUndefined();
    // A voice asked for after audio exists never goes.
    config.apply({ voice: 'ash' });
    expect(u.next({ responding: false, audioProduced: true }, true)).toBeUndefined();
  });
});
