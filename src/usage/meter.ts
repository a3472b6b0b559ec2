/**
 * Usage accounting: the server's `UsageAccounting` (prices, metrics, the warning about a model without prices) and
 * one `SessionUsage` per session, which the session hands each `usage` the upstream reports: a response's (in
 * `response.done`, priced at the session's model) and a transcription's (in the transcription's completion, priced
 * at the transcription model). Every response the upstream ends is counted, whoever asked for it; a renewed
 * upstream session's replayed history is real input and is counted through the same events.
 */
import type { Logger } from '../logger/index.js';
import type { Metrics } from '../metrics/index.js';
import type { Counts } from '../upstream/events.js';
import type { PriceTable } from '../config/prices.js';
import { costOf, pricesFor } from './prices.js';
import { addTokens, readTokenUsage, TOKEN_DIRECTIONS, TOKEN_MODALITIES, totalTokens, zeroTokens, type TokenCounts } from './tokens.js';

/** Tokens with their estimated cost; `costUsd` is null when some of them have no price. */
export interface PricedUsage {
  readonly tokens: TokenCounts;
  readonly costUsd: number | null;
}

/** A session's totals, for its end-of-session log line. */
export interface UsageSummary extends PricedUsage {
  readonly responses: number;
  readonly transcriptions: number;
  /** The cost of the priced part, when `costUsd` is null because some usage had no price. */
  readonly pricedCostUsd: number;
}

/** Told after every priced usage: the user's spend grows (budgets listen here). */
export type SpendListener = (usage: PricedUsage) => void;

export class UsageAccounting {
  /** Models (and kinds of token) already warned about: once per process each. */
  private readonly warned = new Set<string>();

  constructor(
    private readonly prices: PriceTable,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  /** The accounting of one session; `model` is the realtime model (on Azure, the deployment). */
  forSession(model: string, transcriptionModel: () => string | undefined): SessionUsage {
    return new SessionUsage(this, model, transcriptionModel);
  }

  /** Prices `tokens` at `model`, counts them in the metrics, and warns once about what has no price. */
  count(model: string, tokens: TokenCounts): PricedUsage {
    for (const direction of TOKEN_DIRECTIONS) {
      for (const modality of TOKEN_MODALITIES) {
        const value = tokens[direction][modality];
        if (value > 0) this.metrics.tokensTotal.inc({ direction, modality }, value);
      }
    }
    if (totalTokens(tokens) === 0) return { tokens, costUsd: 0 };
    const prices = pricesFor(this.prices, model);
    const cost = prices === undefined ? { unpriced: 'model' } : costOf(tokens, prices);
    if ('usd' in cost) {
      this.metrics.costUsdTotal.inc(cost.usd);
      return { tokens, costUsd: cost.usd };
    }
    this.metrics.unpricedTotal.inc();
    const what = `${model}:${cost.unpriced}`;
    if (!this.warned.has(what)) {
      this.warned.add(what);
      this.logger.warn(
        { model, unpriced: cost.unpriced, hint: 'add its prices to USAGE_PRICES_FILE (docs/cost.md)' },
        'no price for this usage: tokens are counted, the cost is unknown',
      );
    }
    return { tokens, costUsd: null };
  }
}

export class SessionUsage {
  private readonly totals = zeroTokens();
  private pricedUsd = 0;
  private unpriced = 0;
  private responses = 0;
  private transcriptions = 0;
  private listener: SpendListener | undefined;

  constructor(
    private readonly accounting: UsageAccounting,
    private readonly model: string,
    private readonly transcriptionModel: () => string | undefined,
  ) {}

  /** Called after each priced usage (one listener: the session's budget). */
  onSpend(listener: SpendListener): void {
    this.listener = listener;
  }

  /** A `response.done`'s usage: counted, priced, added to the session's totals. */
  response(usage: Counts | undefined): PricedUsage {
    this.responses += 1;
    return this.add(this.model, readTokenUsage(usage));
  }

  /** A completed transcription's usage, priced at the transcription model. */
  transcription(usage: Counts | undefined): PricedUsage {
    this.transcriptions += 1;
    return this.add(this.transcriptionModel() ?? 'unknown-transcription-model', readTokenUsage(usage));
  }

  summary(): UsageSummary {
    return {
      tokens: this.totals,
      costUsd: this.unpriced > 0 ? null : this.pricedUsd,
      pricedCostUsd: this.pricedUsd,
      responses: this.responses,
      transcriptions: this.transcriptions,
    };
  }

  private add(model: string, tokens: TokenCounts): PricedUsage {
    const priced = this.accounting.count(model, tokens);
    addTokens(this.totals, tokens);
    if (priced.costUsd === null) this.unpriced += 1;
    else this.pricedUsd += priced.costUsd;
    this.listener?.(priced);
    return priced;
  }
}
