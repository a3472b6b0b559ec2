/**
 * Where a session is, as one union (the bridge changes it in one place, `enter`). `connecting`: the upstream is
 * opening and being configured; what the client sends is held. `live`: everything flows. `switching`: the session
 * moves to a new upstream session (`next`, opening; none between reconnect attempts) while what the client sends is
 * held; `old` is the one being replaced while it still serves (a planned renewal: make before break). `draining`:
 * the server is stopping and a response still runs; the session closes at its end.
 */
import type { SessionOutcome } from '../errors/index.js';
import type { PreopenQueue } from './preopen-queue.js';
import type { UpstreamLink } from './upstream-link.js';
import type { Renewal } from './upstream-switch.js';

export type SessionState =
  | { readonly phase: 'connecting'; readonly link: UpstreamLink; readonly held: PreopenQueue }
  | { readonly phase: 'live'; readonly link: UpstreamLink }
  | SwitchingState
  | { readonly phase: 'draining'; readonly link: UpstreamLink }
  | { readonly phase: 'closed'; readonly outcome: SessionOutcome };

export interface SwitchingState {
  readonly phase: 'switching';
  readonly old: UpstreamLink | undefined;
  readonly next: UpstreamLink | undefined;
  readonly held: PreopenQueue;
  readonly renewal: Renewal;
}
