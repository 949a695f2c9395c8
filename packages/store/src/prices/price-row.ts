import type { ContextTier, ModelPrice, ServiceTier, TierRates } from './cost';

/** A model_price row as either dialect returns it (SQLite stores `manual` as 0/1, Postgres as boolean). */
export interface PriceRow {
  model: string;
  input: number | null;
  output: number | null;
  cache_read: number | null;
  cache_creation: number | null;
  reasoning: number | null;
  input_above_200k: number | null;
  output_above_200k: number | null;
  cache_read_above_200k: number | null;
  cache_creation_above_200k: number | null;
  priority_multiplier: number | null;
  flex_multiplier: number | null;
  batch_multiplier: number | null;
  tier_prices: string | null;
  per_request_fee: number | null;
  source: string;
  source_model_id: string | null;
  manual: number | boolean;
  updated_ms: number;
  /** Added by migration 0008. */
  context_tiers?: string | null;
}

export const priceFromRow = (r: PriceRow): ModelPrice => ({
  model: r.model,
  input: r.input,
  output: r.output,
  cacheRead: r.cache_read,
  cacheCreation: r.cache_creation,
  reasoning: r.reasoning,
  inputAbove200k: r.input_above_200k,
  outputAbove200k: r.output_above_200k,
  cacheReadAbove200k: r.cache_read_above_200k,
  cacheCreationAbove200k: r.cache_creation_above_200k,
  priorityMultiplier: r.priority_multiplier,
  flexMultiplier: r.flex_multiplier,
  batchMultiplier: r.batch_multiplier,
  tierPrices: r.tier_prices ? (JSON.parse(r.tier_prices) as Partial<Record<ServiceTier, TierRates>>) : null,
  perRequestFee: r.per_request_fee,
  contextTiers: r.context_tiers ? (JSON.parse(r.context_tiers) as ContextTier[]) : null,
  source: r.source,
  sourceModelId: r.source_model_id,
  manual: r.manual === true || r.manual === 1,
  updatedMs: r.updated_ms,
});
