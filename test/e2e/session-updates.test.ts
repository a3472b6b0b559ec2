/**
 * A client's `config` reaches the upstream as a session.update with only what changed, and never with what the
 * upstream would refuse at that moment: the speed during a response, the voice once assistant audio exists (even
 * audio nobody heard because the response was interrupted).
 */
import { describe, expect, it } from 'vitest';
import { parseMetricsText } from '../helpers/metrics-text.js';
import { startProxy } from '../helpers/proxy.js';
import { perTest } from '../helpers/per-test.js';
import { TestClient } from '../helpers/ws-client.js';

const t = perTest();

/** The session.update events the proxy sent, after the first (which carries the whole session). */
function laterUpdates(): unknown[] {
  return (t.proxy?.emulator.sessions[0]?.events ?? []).filter((e) => e.type === 'session.update').slice(1).map((e) => e.session);
}

describe('session.update carries only what changed', () => {
  it('a config that changes the instructions sends just them', async () => {
    t.proxy = await startProxy({ env: { CLIENT_CONFIG_KEYS: 'instructions,voice,speed' } });
    const c = await TestClient.connect(t.proxy.url);
    t.client = c;
    await c.waitForType('AIConnected');
    c.sendJson({ type: 'config', instructions: 'Be brief.' });
    expect(await c.waitForType('SessionUpdated')).toMatchObject({ session: { instructions: 'Be brief.', speed: 1 } });
    c.sendJson({ type: 'config', voice: 'marin' });
    await c.waitUntil(() => c.json.filter((m) => m.name === 'SessionUpdated').length === 2);
    // The same voice again changes nothing: the update has only its type, and is answered all the same.
    expect(laterUpdates()).toEqual([{ type: 'realtime', instructions: 'Be brief.' }, { type: 'realtime' }]);
  });

  it('a speed change during a response waits for its end, then goes alone, and the client hears of it', async () => {
    t.proxy = await startProxy({ emulator: { audioPace: 2 } });
    const c = await TestClient.connect(t.proxy.url);
    t.client = c;
    await c.waitForType('AIConnected');
    c.sendJson({ type: 'text', text: 'one two three four five six' });
    await c.waitUntil(() => c.binaryFrames.length > 0);
    c.sendJson({ type: 'config', speed: 1.2 });
    const applied = await c.waitFor((m) => m.name === 'SessionUpdated' && (m.session as { speed?: number }).speed === 1.2, 10_000);
    const ended = c.json.findIndex((m) => m.name === 'AIResponseEnd');
    expect(ended).toBeGreaterThanOrEqual(0);
    expect(ended).toBeLessThan(c.json.indexOf(applied));
    expect(laterUpdates()).toEqual([{ type: 'realtime' }, { type: 'realtime', audio: { output: { speed: 1.2 } } }]);
  });
});

describe('the voice after an interrupted response', () => {
  it('audio the upstream produced after the interruption (dropped, never heard) still rules out a voice change', async () => {
    // The cancel lands 300 ms after it is asked for; the output starts 30 ms in: audio flows, and is dropped.
    t.proxy = await startProxy({ emulator: { behaviour: { modelLatencyMs: 30, cancelLatencyMs: 300 } } });
    const c = await TestClient.connect(t.proxy.url);
    t.client = c;
    await c.waitForType('AIConnected');
    c.sendJson({ type: 'text', text: 'one two three four five six' });
    await c.waitForType('AIResponseStart');
    c.sendJson({ type: 'cancel' });
    await c.waitForType('AIInterrupted');
    await c.waitForType('AIResponseEnd');
    const metrics = parseMetricsText(await (await fetch(`${t.proxy.httpUrl}/metrics`)).text());
    const dropped = metrics.find((s) => s.name === 'audio_proxy_audio_dropped_bytes_total' && s.labels.reason === 'interrupted')?.value ?? 0;
    expect(dropped).toBeGreaterThan(0);

    c.sendJson({ type: 'config', voice: 'ash' });
    expect(await c.waitForType('SessionUpdated')).toMatchObject({ session: { voice: 'marin' } });
    expect(laterUpdates()).toEqual([{ type: 'realtime' }]);
  });
});
