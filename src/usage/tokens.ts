/**
 * Token counts as the proxy keeps them: by direction (input not served from the cache, cached input, output) and
 * modality (text, audio, image), read from the `usage` the upstream reports in `response.done` and in
 * `conversation.item.input_audio_transcription.completed`. Uncached input plus cached input plus output is the
 * service's `total_tokens`, so each token is counted once.
 */
import { TOKEN_DIRECTIONS, TOKEN_MODALITIES, type TokenDirection, type TokenModality } from '../metrics/token-labels.js';
import type { Counts } from '../upstream/events.js';

export { TOKEN_DIRECTIONS, TOKEN_MODALITIES, type TokenDirection, type TokenModality };

/** Tokens by modality. */
export type ModalityCounts = Record<TokenModality, number>;
/** Tokens by direction and modality. */
export type TokenCounts = Record<TokenDirection, ModalityCounts>;

/** No tokens. */
export function zeroTokens(): TokenCounts {
  return { input: zeroModalities(), cachedInput: zeroModalities(), output: zeroModalities() };
}

/** Adds `more` into `into` (in place). */
export function addTokens(into: TokenCounts, more: TokenCounts): void {
  for (const direction of TOKEN_DIRECTIONS) {
    for (const modality of TOKEN_MODALITIES) into[direction][modality] += more[direction][modality];
  }
}

/** Every token of the counts. */
export function totalTokens(counts: TokenCounts): number {
  let total = 0;
  for (const direction of TOKEN_DIRECTIONS) for (const modality of TOKEN_MODALITIES) total += counts[direction][modality];
  return total;
}

/**
 * The counts of a `usage` object (a response's or a transcription's). Input is split by `input_token_details`,
 * its cached part by `cached_tokens_details`; output by `output_token_details`. A total the service did not split
 * by modality is counted as text. A usage of another kind (`type: "duration"`, whisper-1's seconds) has no tokens.
 */
export function readTokenUsage(usage: Counts | undefined): TokenCounts {
  const counts = zeroTokens();
  if (usage === undefined) return counts;
  const inputDetails = child(usage, 'input_token_details');
  const cachedDetails = child(inputDetails, 'cached_tokens_details');
  const outputDetails = child(usage, 'output_token_details');

  const input = split(count(usage, 'input_tokens'), inputDetails);
  const cachedTotal = count(inputDetails, 'cached_tokens');
  const cached = split(cachedTotal, cachedDetails);
  for (const modality of TOKEN_MODALITIES) {
    // Cached tokens are part of the input the service reports; what was not served from the cache is the rest.
    const cachedPart = Math.min(cached[modality], input[modality]);
    counts.cachedInput[modality] = cachedPart;
    counts.input[modality] = input[modality] - cachedPart;
  }
  counts.output = split(count(usage, 'output_tokens'), outputDetails);
  return counts;
}

/** A total split by `{text,audio,image}_tokens`; when the details are missing, the whole total as text. */
function split(total: number, details: Counts | undefined): ModalityCounts {
  if (details === undefined) return { text: total, audio: 0, image: 0 };
  return { text: count(details, 'text_tokens'), audio: count(details, 'audio_tokens'), image: count(details, 'image_tokens') };
}

function zeroModalities(): ModalityCounts {
  return { text: 0, audio: 0, image: 0 };
}

function child(counts: Counts | undefined, key: string): Counts | undefined {
  const value = counts?.[key];
  return typeof value === 'object' ? value : undefined;
}

/** A count as the service sends it: a non-negative whole number; anything else is 0. */
function count(counts: Counts | undefined, key: string): number {
  const value = counts?.[key];
  return typeof value === 'number' && value > 0 ? Math.floor(value) : 0;
}
