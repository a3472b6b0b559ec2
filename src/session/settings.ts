/**
 * What every session of a server runs with, in the units the session counts in (ms, not the configuration's
 * seconds). `app` builds it once from the configuration it was given; the session itself reads no configuration.
 */
import type { ClientConfigKey } from '../config/constants.js';
import type { Config, SessionDefaults, UpstreamConfig } from '../config/index.js';
import type { RenewalSettings } from './upstream-switch.js';

export interface BridgeSettings {
  readonly upstream: UpstreamConfig;
  readonly sessionDefaults: SessionDefaults;
  readonly preopenBufferMs: number;
  readonly upstreamConnectTimeoutMs: number;
  readonly clientConfigKeys: readonly ClientConfigKey[];
  /** Unread response audio (ms) allowed toward the client before audio is dropped. */
  readonly clientHighWaterMs: number;
  readonly maxSessionMs: number;
  /** No client audio or message for this long ends the session. */
  readonly idleTimeoutMs: number;
  /** Control (text) messages per second, sustained. */
  readonly controlMessagesPerSecond: number;
  /** Upstream ping interval; a ping unanswered by the next one ends the session. */
  readonly heartbeatIntervalMs: number;
  /** Whether `AIResponseEnd` carries the response's usage. */
  readonly usageInResponseEnd: boolean;
  /** Renewal before the upstream's cap, recovery from drops, the replay (docs/renewal.md). */
  readonly renewal: RenewalSettings;
}

/** The sessions' settings from the server's configuration, toward `upstream` (resolved: `UPSTREAM=local`'s URL known). */
export function bridgeSettings(config: Config, upstream: UpstreamConfig): BridgeSettings {
  return {
    upstream,
    sessionDefaults: config.session,
    preopenBufferMs: config.preopenBufferMs,
    upstreamConnectTimeoutMs: config.limits.upstreamConnectTimeoutMs,
    clientConfigKeys: config.limits.clientConfigKeys,
    clientHighWaterMs: config.limits.clientHighWaterMs,
    maxSessionMs: config.limits.maxSessionSeconds * 1000,
    idleTimeoutMs: config.limits.idleTimeoutSeconds * 1000,
    controlMessagesPerSecond: config.limits.controlMessagesPerSecond,
    heartbeatIntervalMs: config.limits.heartbeatIntervalMs,
    usageInResponseEnd: config.usage.inResponseEnd,
    renewal: renewalSettings(config),
  };
}

/** How sessions outlive their upstream session (docs/renewal.md). */
function renewalSettings(config: Config): RenewalSettings {
  const renewal = config.upstreamRenewal;
  return {
    maxUpstreamSessionMs: renewal.maxSessionSeconds * 1000,
    renewMarginMs: renewal.renewMarginSeconds * 1000,
    reconnect: { attempts: renewal.reconnectAttempts, withinMs: renewal.reconnectWindowSeconds * 1000 },
    replayMaxItems: renewal.replayMaxItems,
  };
}
