/**
 * The session.updates of one session: the session the proxy wants (operator defaults, then each client `config`),
 * what the upstream was last asked for, and the next update, which carries only what changed and holds back what the
 * upstream would refuse at that moment (the speed during a response; the voice during one, or once audio exists).
 */
import type { UpstreamAudioFormat } from '../audio/upstream-formats.js';
import type { SessionDefaults } from '../config/index.js';
import { planSessionUpdate, sessionFromDefaults, type DesiredSession } from '../upstream/session-config.js';
import type { ClientConfigPatch } from '../ws/client-messages.js';
import { applyClientConfig } from './desired-session.js';

/** Our session.updates carry this `event_id` prefix, numbered. */
const EVENT_ID_PREFIX = 'proxy_session_update_';

/** What the upstream is doing when an update is planned. */
export interface UpdateMoment {
  /** A response is running or on its way. */
  readonly responding: boolean;
  /** The upstream has produced assistant audio (it then refuses a voice change for good). */
  readonly audioProduced: boolean;
}

export class SessionUpdates {
  private desired: DesiredSession;
  private sent: DesiredSession | undefined;
  private count = 0;

  constructor(
    private readonly defaults: SessionDefaults,
    formats: { input: UpstreamAudioFormat; output: UpstreamAudioFormat },
  ) {
    this.desired = sessionFromDefaults(defaults, formats);
  }

  /** The first update has gone out: a later config needs an update of its own. */
  get started(): boolean {
    return this.count > 0;
  }

  /** A client's `config`, taken into the desired session (sent with the next update). */
  apply(patch: ClientConfigPatch): void {
    this.desired = applyClientConfig(this.desired, patch, this.defaults);
  }

  /**
   * The next session.update. One that changes nothing sendable now has only its `type` (a config is answered by the
   * upstream's session.updated all the same); with `onlyIfChanged` there is none then (the update held back during a
   * response, sent at its end).
   */
  next(moment: UpdateMoment, onlyIfChanged = false): Record<string, unknown> | undefined {
    const allowed = { voice: !moment.responding && !moment.audioProduced, speed: !moment.responding };
    const plan = planSessionUpdate(this.desired, this.sent, allowed);
    if (plan.event === undefined && onlyIfChanged) return undefined;
    this.sent = plan.sent;
    this.count += 1;
    return { ...(plan.event ?? { type: 'session.update', session: { type: 'realtime' } }), event_id: `${EVENT_ID_PREFIX}${this.count}` };
  }
}
