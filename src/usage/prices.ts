/**
 * What tokens cost at the configured prices (`config/prices.ts`: the defaults, and the operator's price file). A
 * response's cost is known only when every kind of token it used has a price.
 */
import type { ModelPrices, PriceTable } from '../config/prices.js';
import { TOKEN_DIRECTIONS, TOKEN_MODALITIES, type TokenCounts } from './tokens.js';

const PER_TOKEN = 1 / 1_000_000;

/** The prices of `model`: its own entry, else the entry of its name without a snapshot date (`-2025-08-28`). */
export function pricesFor(table: PriceTable, model: string): ModelPrices | undefined {
  return table[model] ?? table[model.replace(/-\d{4}-\d{2}-\d{2}$/, '')];
}

/** What `counts` cost at `prices`, or the first kind of token without a price (the cost is then unknown). */
export function costOf(counts: TokenCounts, prices: ModelPrices): { readonly usd: number } | { readonly unpriced: string } {
  let usd = 0;
  for (const direction of TOKEN_DIRECTIONS) {
    for (const modality of TOKEN_MODALITIES) {
      const tokens = counts[direction][modality];
      if (tokens === 0) continue;
      const price = prices[direction]?.[modality];
      if (price === undefined) return { unpriced: `${direction}.${modality}` };
      usd += tokens * price * PER_TOKEN;
    }
  }
  return { usd };
}
