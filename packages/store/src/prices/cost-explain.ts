// How one event's cost was computed, line by line, from the same rate resolution computeCost() uses:
// the panel shows this instead of re-deriving the rules (which drifted from the store's).
import {
  computeCost,
  effectiveServiceTier,
  resolveRates,
  type CostBucket,
  type CostInput,
  type ModelPrice,
  type RateSource,
  type ServiceTier,
} from './cost';

export interface CostLine {
  bucket: CostBucket | 'requestFee';
  tokens: number;
  /** USD per 1M tokens (for `requestFee`: USD per request). */
  rate: number;
  source: RateSource | 'fee';
  multiplier: number;
  /** tokens × rate × multiplier, unrounded micro-dollars. */
  micros: number;
  /** A fallback rate was used for tokens that exist. */
  estimated: boolean;
}

export interface CostExplanation {
  /** Equals computeCost(): Math.round of the lines' sum; null when the price is missing. */
  costMicros: number | null;
  missing: boolean;
  estimated: boolean;
  /** The billed service tier and what decided it (Codex: the requested tier wins). */
  serviceTier: ServiceTier | null;
  serviceTierFrom: 'requested' | 'response' | null;
  longContext: boolean;
  contextTierThreshold: number | null;
  /** The price entry used (null when missing). */
  priceModel: string | null;
  priceSource: string | null;
  /** Lines with tokens (and the request fee when set); they sum to costMicros before rounding. */
  lines: CostLine[];
}

function tierFrom(e: CostInput, tier: ServiceTier | null): 'requested' | 'response' | null {
  if (!tier) return null;
  const fromReq = effectiveServiceTier({ ...e, responseServiceTier: '' });
  const fromResp = effectiveServiceTier({ ...e, serviceTier: '' });
  if (e.provider.toLowerCase().startsWith('codex')) return fromReq === tier ? 'requested' : 'response';
  return fromResp === tier ? 'response' : 'requested';
}

export function explainCost(e: CostInput, price: ModelPrice | undefined): CostExplanation {
  const cost = computeCost(e, price);
  if (!price || cost.missing) {
    const tier = effectiveServiceTier(e);
    return {
      ...cost,
      serviceTier: tier,
      serviceTierFrom: tierFrom(e, tier),
      longContext: false,
      contextTierThreshold: null,
      priceModel: null,
      priceSource: null,
      lines: [],
    };
  }
  const r = resolveRates(e, price);
  const lines: CostLine[] = r.rates
    .filter((x) => x.tokens > 0)
    .map((x) => ({
      bucket: x.bucket,
      tokens: x.tokens,
      rate: x.rate,
      source: x.source,
      multiplier: x.multiplier,
      micros: x.tokens * x.rate * x.multiplier,
      estimated: x.estimated,
    }));
  if (r.perRequestFee > 0)
    lines.push({
      bucket: 'requestFee',
      tokens: 0,
      rate: r.perRequestFee,
      source: 'fee',
      multiplier: 1,
      micros: r.perRequestFee * 1e6,
      estimated: false,
    });
  return {
    ...cost,
    serviceTier: r.tier,
    serviceTierFrom: tierFrom(e, r.tier),
    longContext: r.longContext,
    contextTierThreshold: r.contextTierThreshold,
    priceModel: price.model,
    priceSource: price.source,
    lines,
  };
}
