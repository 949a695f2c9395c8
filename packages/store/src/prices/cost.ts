/** USD per 1M tokens; null = not configured. */
export interface TierRates {
  input?: number | null;
  output?: number | null;
  cacheRead?: number | null;
  cacheCreation?: number | null;
}

export type ServiceTier = 'priority' | 'flex' | 'batch';

export interface ModelPrice {
  model: string;
  input: number | null;
  output: number | null;
  cacheRead: number | null;
  cacheCreation: number | null;
  /** Only when reasoning is priced apart from output. */
  reasoning: number | null;
  inputAbove200k: number | null;
  outputAbove200k: number | null;
  cacheReadAbove200k: number | null;
  cacheCreationAbove200k: number | null;
  priorityMultiplier: number | null;
  flexMultiplier: number | null;
  batchMultiplier: number | null;
  /** Explicit per-tier rates (e.g. LiteLLM `*_priority`); win over multipliers. */
  tierPrices: Partial<Record<ServiceTier, TierRates>> | null;
  /** USD per request. */
  perRequestFee: number | null;
  source: string;
  sourceModelId: string | null;
  manual: boolean;
  updatedMs: number;
}

export interface CostInput {
  provider: string;
  serviceTier: string;
  responseServiceTier: string;
  inputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  unclassifiedTokens: number;
}

export interface CostResult {
  /** Micro-dollars; null when the price is missing (never a silent 0). */
  costMicros: number | null;
  missing: boolean;
  /** A fallback rate was used (cache read at 10 % of input, unclassified tokens at the input rate, …). */
  estimated: boolean;
}

export const LONG_CONTEXT_THRESHOLD = 200_000;
const DEFAULT_MULTIPLIER: Record<ServiceTier, number> = { priority: 2, flex: 0.5, batch: 0.5 };

function tierOf(value: string): ServiceTier | null {
  const v = value.toLowerCase();
  if (v === 'priority' || v === 'fast') return 'priority';
  if (v === 'flex') return 'flex';
  if (v === 'batch' || v === 'batches') return 'batch';
  return null;
}

/**
 * The tier actually billed. Codex reports `default` in the response even in fast mode, so for
 * Codex the requested tier wins; elsewhere the upstream response is the better witness.
 */
export function effectiveServiceTier(
  e: Pick<CostInput, 'provider' | 'serviceTier' | 'responseServiceTier'>,
): ServiceTier | null {
  const req = tierOf(e.serviceTier);
  const resp = tierOf(e.responseServiceTier);
  if (e.provider.toLowerCase().startsWith('codex')) return req ?? resp;
  return resp ?? (e.responseServiceTier && e.responseServiceTier !== 'auto' ? null : req);
}

/**
 * cost = uncached·in + cacheRead·cr + cacheWrite·cw + output·out + reasoning·(reasoning ?? out)
 *        (+ unclassified·in, flagged estimated), × service-tier multiplier, + per-request fee.
 * The buckets are mutually exclusive, so nothing is counted twice. Rates in USD/1M tokens, so
 * tokens × rate is micro-dollars.
 */
export function computeCost(e: CostInput, price: ModelPrice | undefined): CostResult {
  if (!price || price.input === null || price.output === null)
    return { costMicros: null, missing: true, estimated: false };
  let estimated = false;
  const prompt = e.inputTokens + e.cacheReadTokens + e.cacheCreationTokens;
  const long = prompt > LONG_CONTEXT_THRESHOLD;
  const tier = effectiveServiceTier(e);
  const explicit = tier ? price.tierPrices?.[tier] : undefined;

  const pick = (
    base: number | null,
    above: number | null,
    tierRate: number | null | undefined,
  ): number | null => {
    if (long && above !== null) return above;
    if (!long && tierRate !== undefined && tierRate !== null) return tierRate;
    return base;
  };
  const usedExplicit = (tierRate: number | null | undefined) =>
    !long && tierRate !== undefined && tierRate !== null;

  const inRate = pick(price.input, price.inputAbove200k, explicit?.input)!;
  const outRate = pick(price.output, price.outputAbove200k, explicit?.output)!;
  let crRate = pick(price.cacheRead, price.cacheReadAbove200k, explicit?.cacheRead);
  if (crRate === null) {
    crRate = inRate * 0.1;
    if (e.cacheReadTokens > 0) estimated = true;
  }
  let cwRate = pick(price.cacheCreation, price.cacheCreationAbove200k, explicit?.cacheCreation);
  if (cwRate === null) {
    cwRate = inRate;
    if (e.cacheCreationTokens > 0) estimated = true;
  }
  const reRate = price.reasoning ?? outRate;
  if (e.unclassifiedTokens > 0) estimated = true;

  // A multiplier applies only to rates the tier did not price explicitly.
  const mult = tier ? (price[`${tier}Multiplier`] ?? DEFAULT_MULTIPLIER[tier]) : 1;
  const m = (tierRate: number | null | undefined) => (usedExplicit(tierRate) ? 1 : mult);

  const micros =
    e.inputTokens * inRate * m(explicit?.input) +
    e.unclassifiedTokens * inRate * m(explicit?.input) +
    e.cacheReadTokens * crRate * m(explicit?.cacheRead) +
    e.cacheCreationTokens * cwRate * m(explicit?.cacheCreation) +
    e.outputTokens * outRate * m(explicit?.output) +
    e.reasoningTokens * reRate * m(explicit?.output) +
    (price.perRequestFee ?? 0) * 1e6;
  return { costMicros: Math.round(micros), missing: false, estimated };
}
