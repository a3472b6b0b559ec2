import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { SessionUpdates } from '../../src/session/session-updates.js';

function updates(): SessionUpdates {
  const result = loadConfig({});
  if (!result.ok) throw new Error('config');
  const pcm = { type: 'audio/pcm', rate: 24000 } as const;
  return new SessionUpdates(result.config.session, { input: pcm, output: pcm });
}

const idle = { responding: false, audioProduced: false };

describe('SessionUpdates', () => {
  it('numbers its updates, sends the whole session first and only changes after', () => {
    const u = updates();
    expect(u.started).toBe(false);
    const first = u.next(idle);
    expect(first).toMatchObject({ type: 'session.update', event_id: 'proxy_session_update_1', session: { type: 'realtime', instructions: expect.any(String) as unknown } });
    expect(u.started).toBe(true);
    u.apply({ voice: 'ash' });
    expect(u.next(idle)).toEqual({ type: 'session.update', event_id: 'proxy_session_update_2', session: { type: 'realtime', audio: { output: { voice: 'ash' } } } });
  });

  it('during a response holds back speed and voice; at its end sends only them, or nothing when nothing waits', () => {
    const u = updates();
    u.next(idle);
    u.apply({ speed: 1.3 });
    expect(u.next({ responding: true, audioProduced: true })).toMatchObject({ session: { type: 'realtime' } });
    expect(u.next({ responding: false, audioProduced: true }, true)).toMatchObject({ session: { type: 'realtime', audio: { output: { speed: 1.3 } } } });
    expect(u.next({ responding: false, audioProduced: true }, true)).toBeUndefined();
    // A voice asked for after audio exists never goes.
    u.apply({ voice: 'ash' });
    expect(u.next({ responding: false, audioProduced: true }, true)).toBeUndefined();
  });
});
