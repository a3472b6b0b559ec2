/**
 * Prometheus metrics. Names are part of the product (documented in the README): keep them stable.
 * Label values come from closed sets; never a session or response id.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { TOKEN_DIRECTIONS, TOKEN_MODALITIES, type TokenDirection, type TokenModality } from './token-labels.js';
import { ERROR_CODES, SESSION_OUTCOMES, UPGRADE_REJECTIONS, type ErrorCode, type SessionOutcome, type UpgradeRejection } from '../errors/index.js';

export type { SessionOutcome, UpgradeRejection };
export { TOKEN_DIRECTIONS, TOKEN_MODALITIES, type TokenDirection, type TokenModality };

/**
 * The closed label sets: every series exists from the start at 0, so dashboards and `rate()` alerts work at once.
 * The outcomes, upgrade reasons and error codes are the error table's (`errors/index.ts`).
 */
export const DIRECTIONS = ['in', 'out'] as const;
export const DROP_REASONS = ['preopen_overflow', 'interrupted', 'client_slow', 'upstream_slow'] as const;
export const RESPONSE_STATUSES = ['completed', 'cancelled', 'incomplete', 'failed'] as const;
/** Why an upstream session was replaced: its cap came near, or it was lost. */
export const RENEWAL_REASONS = ['max_duration', 'upstream_lost'] as const;
/** `kept_old`: a planned renewal failed and the old upstream session went on; `gave_up`: the session ended. */
export const RENEWAL_RESULTS = ['renewed', 'kept_old', 'gave_up'] as const;
export type RenewalReason = (typeof RENEWAL_REASONS)[number];
export type RenewalResult = (typeof RENEWAL_RESULTS)[number];
/** The wire protocols clients speak: protocol v1 (docs/protocol.md), Twilio Media Streams (docs/telephony.md). */
export const CLIENT_PROTOCOLS = ['v1', 'twilio'] as const;
export type Direction = (typeof DIRECTIONS)[number];
export type DropReason = (typeof DROP_REASONS)[number];
export type ResponseStatus = (typeof RESPONSE_STATUSES)[number];
export type ClientProtocol = (typeof CLIENT_PROTOCOLS)[number];

/** A counter with one label that takes only the values of its closed set `V` (the type keeps new series out). */
export type ClosedCounter<L extends string, V extends string> = Omit<Counter<L>, 'inc' | 'labels'> & {
  inc(labels: Readonly<Record<L, V>>, value?: number): void;
  labels(labels: Readonly<Record<L, V>>): Counter.Internal;
};

/** Voice latency buckets: 10 ms to 10 s. */
const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Gaps between audio frames, on the same 10 ms – 10 s scale; a stall a listener notices is ≥ 100 ms. */
const GAP_BUCKETS = [0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface Metrics {
  readonly registry: Registry;
  readonly sessionsActive: Gauge;
  readonly sessionsTotal: ClosedCounter<'outcome', SessionOutcome>;
  readonly sessionsOpened: ClosedCounter<'protocol', ClientProtocol>;
  readonly upgradesRejected: ClosedCounter<'reason', UpgradeRejection>;
  readonly audioBytes: ClosedCounter<'direction', Direction>;
  readonly audioDroppedBytes: ClosedCounter<'reason', DropReason>;
  readonly upstreamConnectSeconds: Histogram;
  readonly firstAudioSeconds: Histogram;
  readonly audioGapSeconds: Histogram;
  readonly responsesTotal: ClosedCounter<'status', ResponseStatus>;
  readonly interruptionsTotal: Counter;
  readonly errorsTotal: ClosedCounter<'code', ErrorCode>;
  readonly upstreamRenewals: Omit<Counter<'reason' | 'result'>, 'inc'> & {
    inc(labels: { readonly reason: RenewalReason; readonly result: RenewalResult }, value?: number): void;
  };
  readonly upstreamSwitchGapSeconds: Omit<Histogram<'reason'>, 'observe'> & { observe(labels: { readonly reason: RenewalReason }, value: number): void };
  readonly recordedBytes: Counter;
  readonly recorderErrors: Counter;
  /** Tokens the upstream reported (responses and transcriptions), by direction and modality. */
  readonly tokensTotal: Omit<Counter<'direction' | 'modality'>, 'inc'> & {
    inc(labels: { direction: TokenDirection; modality: TokenModality }, value?: number): void;
  };
  readonly costUsdTotal: Counter;
  /** Responses and transcriptions whose cost is unknown (a model or a kind of token without a price). */
  readonly unpricedTotal: Counter;
}

/** Creates every metric on its own registry (one per server, so tests in one process do not collide). */
export function createMetrics(options: { collectDefaults?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.collectDefaults ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const metrics: Metrics = {
    registry,
    sessionsActive: new Gauge({ name: 'audio_proxy_sessions_active', help: 'Client sessions open now.', registers }),
    sessionsTotal: new Counter({
      name: 'audio_proxy_sessions_total',
      help: 'Client sessions ended, by outcome.',
      labelNames: ['outcome'],
      registers,
    }),
    sessionsOpened: new Counter({
      name: 'audio_proxy_sessions_opened_total',
      help: 'Client sessions opened, by the protocol the client speaks.',
      labelNames: ['protocol'],
      registers,
    }),
    upgradesRejected: new Counter({
      name: 'audio_proxy_upgrades_rejected_total',
      help: 'WebSocket upgrades refused before the handshake, by reason.',
      labelNames: ['reason'],
      registers,
    }),
    audioBytes: new Counter({
      name: 'audio_proxy_audio_bytes_total',
      help: 'Audio bytes relayed: in = from clients, out = to clients (client format).',
      labelNames: ['direction'],
      registers,
    }),
    audioDroppedBytes: new Counter({
      name: 'audio_proxy_audio_dropped_bytes_total',
      help: 'Audio bytes deliberately not relayed, by reason.',
      labelNames: ['reason'],
      registers,
    }),
    upstreamConnectSeconds: new Histogram({
      name: 'audio_proxy_upstream_connect_seconds',
      help: 'From client upgrade to upstream session configured.',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    firstAudioSeconds: new Histogram({
      name: 'audio_proxy_first_audio_seconds',
      help: "From the end of the user's turn to the first response audio byte sent to the client.",
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    audioGapSeconds: new Histogram({
      name: 'audio_proxy_audio_gap_seconds',
      help: 'Gaps between consecutive audio frames of one response, as sent to the client.',
      buckets: GAP_BUCKETS,
      registers,
    }),
    responsesTotal: new Counter({
      name: 'audio_proxy_responses_total',
      help: 'Responses finished, by status.',
      labelNames: ['status'],
      registers,
    }),
    interruptionsTotal: new Counter({
      name: 'audio_proxy_interruptions_total',
      help: 'Responses interrupted by the user (barge-in or cancel).',
      registers,
    }),
    errorsTotal: new Counter({
      name: 'audio_proxy_errors_total',
      help: 'Error events sent to clients, by code.',
      labelNames: ['code'],
      registers,
    }),
    upstreamRenewals: new Counter({
      name: 'audio_proxy_upstream_renewals_total',
      help: 'Upstream sessions replaced under a live client session, by reason and result.',
      labelNames: ['reason', 'result'],
      registers,
    }),
    upstreamSwitchGapSeconds: new Histogram({
      name: 'audio_proxy_upstream_switch_gap_seconds',
      help: "Time client audio was held while a session moved to a new upstream session (planned or after a drop).",
      labelNames: ['reason'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    recordedBytes: new Counter({
      name: 'audio_proxy_recorded_bytes_total',
      help: 'Audio bytes written to recordings.',
      registers,
    }),
    recorderErrors: new Counter({
      name: 'audio_proxy_recorder_errors_total',
      help: 'Recordings stopped by a write error.',
      registers,
    }),
    tokensTotal: new Counter({
      name: 'audio_proxy_tokens_total',
      help: 'Tokens the AI service reported using (responses and transcriptions), by direction (input, cachedInput, output) and modality.',
      labelNames: ['direction', 'modality'],
      registers,
    }),
    costUsdTotal: new Counter({
      name: 'audio_proxy_cost_usd_total',
      help: 'Estimated cost in US dollars of the tokens counted, at the configured prices (priced usage only).',
      registers,
    }),
    unpricedTotal: new Counter({
      name: 'audio_proxy_usage_unpriced_total',
      help: 'Responses and transcriptions whose tokens were counted but whose cost is unknown (no price for them).',
      registers,
    }),
  };
  for (const direction of TOKEN_DIRECTIONS) for (const modality of TOKEN_MODALITIES) metrics.tokensTotal.inc({ direction, modality }, 0);
  startAtZero(metrics.sessionsTotal, 'outcome', SESSION_OUTCOMES);
  startAtZero(metrics.sessionsOpened, 'protocol', CLIENT_PROTOCOLS);
  startAtZero(metrics.upgradesRejected, 'reason', UPGRADE_REJECTIONS);
  startAtZero(metrics.audioBytes, 'direction', DIRECTIONS);
  startAtZero(metrics.audioDroppedBytes, 'reason', DROP_REASONS);
  startAtZero(metrics.responsesTotal, 'status', RESPONSE_STATUSES);
  startAtZero(metrics.errorsTotal, 'code', ERROR_CODES);
  for (const reason of RENEWAL_REASONS) for (const result of RENEWAL_RESULTS) metrics.upstreamRenewals.inc({ reason, result }, 0);
  return metrics;
}

function startAtZero<L extends string, V extends string>(counter: ClosedCounter<L, V>, label: L, values: readonly V[]): void {
  for (const value of values) counter.inc({ [label]: value } as Record<L, V>, 0);
}
