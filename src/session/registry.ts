/**
 * The sessions one server holds: counted as they open and close, drained together, and awaited until their
 * recordings are complete on disk.
 */
import type { SessionBridge } from './bridge.js';

export class SessionRegistry {
  private readonly live = new Set<SessionBridge>();
  /** Sessions that have closed but may still be finishing their recordings. */
  private readonly finishing = new Set<Promise<void>>();

  /** `onCountChanged` hears every change of the number of open sessions. */
  constructor(private readonly onCountChanged: (count: number) => void = () => undefined) {}

  get size(): number {
    return this.live.size;
  }

  /** A session that has just opened. */
  add(session: SessionBridge): void {
    this.live.add(session);
    this.onCountChanged(this.live.size);
  }

  /** A session that has just closed (its `onClosed`); it is awaited until its recordings are on disk. */
  remove(session: SessionBridge): void {
    if (!this.live.delete(session)) return;
    this.onCountChanged(this.live.size);
    const done = session.finished().finally(() => this.finishing.delete(done));
    this.finishing.add(done);
  }

  /**
   * Drains: every session is told (in-flight responses may finish), those still open after `graceMs` are closed,
   * and it resolves once every recording is complete.
   */
  async drain(graceMs: number): Promise<void> {
    for (const session of this.live) session.drain(graceMs);
    await waitUntil(() => this.live.size === 0, graceMs);
    for (const session of [...this.live]) session.close('shutdown');
    await Promise.allSettled([...this.finishing]);
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
}
