/**
 * The price table the configuration holds: US dollars per million tokens, per model, by direction and modality
 * (docs/cost.md). The defaults are OpenAI's published figures as they read on 2026-12-03 (sources in docs/cost.md);
 * a figure that could not be found is left out rather than guessed. An operator's price file (USAGE_PRICES_FILE)
 * replaces a model's entry whole; `config/index.ts` reads it with the rest of the configuration and checks it here,
 * so a bad file is reported by name at start. What tokens cost at these prices is `usage/prices.ts`'s.
 */
import { TOKEN_DIRECTIONS, TOKEN_MODALITIES, type TokenDirection, type TokenModality } from '../metrics/token-labels.js';

/** USD per million tokens; a missing figure is an unknown price. */
export type ModelPrices = { readonly [D in TokenDirection]?: { readonly [M in TokenModality]?: number } };
/** Model name → its prices. */
export type PriceTable = Readonly<Record<string, ModelPrices>>;

/** When the default figures were read from OpenAI's pages (docs/cost.md cites them). */
export const DEFAULT_PRICES_DATE = '2026-12-03';

/**
 * OpenAI's published prices (docs/cost.md lists the page of each). gpt-realtime: only its text prices were found
 * (its audio prices were not, so a response with audio has an unknown cost until a price file gives them).
 */
export const DEFAULT_PRICES: PriceTable = {
  'gpt-realtime': {
    input: { text: 4 },
    cachedInput: { text: 0.4 },
    output: { text: 16 },
  },
  'gpt-realtime-1.5': {
    input: { text: 4, audio: 32, image: 5 },
    cachedInput: { text: 0.4, audio: 0.4, image: 0.5 },
    output: { text: 16, audio: 64 },
  },
  'gpt-realtime-2': {
    input: { text: 4, audio: 32, image: 5 },
    cachedInput: { text: 0.4, audio: 0.4, image: 0.5 },
    output: { text: 24, audio: 64 },
  },
  'gpt-4o-mini-transcribe': {
    input: { audio: 1.25 },
    output: { text: 5 },
  },
};

/** Reads a price file's JSON: `{ "<model>": { "input": { "text": 4, … }, "cachedInput": {…}, "output": {…} } }`. */
export function parsePriceTable(json: string): { readonly ok: true; readonly table: PriceTable } | { readonly ok: false; readonly problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    return { ok: false, problem: `is not valid JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (!isRecord(value)) return { ok: false, problem: 'must hold a JSON object of model names' };
  const table: Record<string, ModelPrices> = {};
  for (const [model, entry] of Object.entries(value)) {
    if (!isRecord(entry)) return { ok: false, problem: `model "${model}": must be an object of input, cachedInput, output` };
    const prices: Record<string, Record<string, number>> = {};
    for (const [direction, byModality] of Object.entries(entry)) {
      if (!(TOKEN_DIRECTIONS as readonly string[]).includes(direction)) {
        return { ok: false, problem: `model "${model}": unknown key "${direction}" (use ${TOKEN_DIRECTIONS.join(', ')})` };
      }
      if (!isRecord(byModality)) return { ok: false, problem: `model "${model}".${direction}: must be an object of text, audio, image` };
      const figures: Record<string, number> = {};
      for (const [modality, price] of Object.entries(byModality)) {
        if (!(TOKEN_MODALITIES as readonly string[]).includes(modality)) {
          return { ok: false, problem: `model "${model}".${direction}: unknown key "${modality}" (use ${TOKEN_MODALITIES.join(', ')})` };
        }
        if (typeof price !== 'number' || !Number.isFinite(price) || price < 0) {
          return { ok: false, problem: `model "${model}".${direction}.${modality}: must be a number ≥ 0 (USD per million tokens)` };
        }
        figures[modality] = price;
      }
      prices[direction] = figures;
    }
    table[model] = prices;
  }
  return { ok: true, table };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
