// Plus's number conventions, in one place: token fields as CPA reports them (input counts cached tokens,
// output counts reasoning), rates as 0…1 fractions, cost in dollars. cpamp keeps uncached input, output
// without reasoning and cost in micro-dollars; these helpers convert one into the other.
import type { TokenTotals } from '@cpamp/store';

export const usd = (micros: number): number => micros / 1_000_000;

export const rate = (part: number, whole: number): number => (whole > 0 ? part / whole : 0);

/** Plus's token columns from cpamp's six buckets. */
export function plusTokens(t: TokenTotals) {
  const input = t.input + t.cacheRead + t.cacheCreation;
  return {
    input_tokens: input,
    output_tokens: t.output + t.reasoning,
    // Plus fills cached_tokens only from legacy records that had no cache split; cpamp always splits.
    cached_tokens: 0,
    cache_read_tokens: t.cacheRead,
    cache_creation_tokens: t.cacheCreation,
    reasoning_tokens: t.reasoning,
    total_tokens: t.total,
  };
}

/** Plus's per-model cache columns (model_stats rows and the models inside account rows). */
export function plusCacheHit(t: TokenTotals) {
  const input = t.input + t.cacheRead + t.cacheCreation;
  return {
    cache_hit_tokens: t.cacheRead,
    cache_hit_input_tokens: input,
    cache_hit_rate: rate(t.cacheRead, input),
  };
}
