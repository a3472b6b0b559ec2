/**
 * The closed label sets of `audio_proxy_tokens_total`, apart from the metrics (no imports), so the configuration's
 * price file reader can name them without loading prom-client.
 */

/** Input not served from the cache, cached input, output: their sum is the service's `total_tokens`. */
export const TOKEN_DIRECTIONS = ['input', 'cachedInput', 'output'] as const;
export const TOKEN_MODALITIES = ['text', 'audio', 'image'] as const;
export type TokenDirection = (typeof TOKEN_DIRECTIONS)[number];
export type TokenModality = (typeof TOKEN_MODALITIES)[number];
