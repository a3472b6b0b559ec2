import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { DUPLICATE_WINDOW_MS, onShutdownSignals } from '../../src/cluster/signals.js';

/** The policy on a stand-in for `process`, with a clock the test moves (real signals: test/e2e/start.test.ts). */
function harness() {
  const target = new EventEmitter();
  let clock = 0;
  const calls: string[] = [];
  const remove = onShutdownSignals(
    { drain: (s) => calls.push(`drain ${s}`), force: (s) => calls.push(`force ${s}`), ignored: (s) => calls.push(`ignored ${s}`) },
    target,
    () => clock,
  );
  const send = (signal: NodeJS.Signals, atMs: number) => {
    clock = atMs;
    target.emit(signal, signal);
  };
  return { send, calls, remove, target };
}

describe('onShutdownSignals', () => {
  it('the first SIGTERM or SIGINT drains', () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const h = harness();
      h.send(signal, 0);
      expect(h.calls).toEqual([`drain ${signal}`]);
    }
  });

  it('the same signal twice at once (group + npm forwarding) is one request', () => {
    const h = harness();
    h.send('SIGINT', 1000);
    h.send('SIGINT', 1003);
    h.send('SIGTERM', 1004);
    expect(h.calls).toEqual(['drain SIGINT', 'ignored SIGINT', 'ignored SIGTERM']);
  });

  it('a deliberate second SIGINT a moment later forces; a later SIGTERM does not', () => {
    const h = harness();
    h.send('SIGTERM', 0);
    h.send('SIGTERM', 100);
    h.send('SIGINT', DUPLICATE_WINDOW_MS);
    expect(h.calls).toEqual(['drain SIGTERM', 'ignored SIGTERM', 'force SIGINT']);
  });

  it('removes its listeners', () => {
    const h = harness();
    h.remove();
    expect(h.target.listenerCount('SIGTERM') + h.target.listenerCount('SIGINT')).toBe(0);
  });
});
