/** USD per 1M tokens; null = not configured. */
export interface TierRates {
  input?: number | null;
  output?: number | null;
  cacheRead?: number | null;
  cacheCreation?: number | null;
}

export type ServiceTier = 'priority' | 'flex' | 'batch';

export interface ContextTier extends TierRates {
  /** Applies when the prompt (input + cache read + cache write) has more tokens than this. */
  thresholdTokens: number;
}

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
  /**
   * Context-size price bands (as CPA Manager Plus's `contextTiers`): the band with the highest
   * threshold strictly below the prompt's tokens replaces the rates it sets, for the whole request.
   */
  contextTiers?: ContextTier[] | null;
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

/** The token buckets an event is billed in; mutually exclusive, so nothing is counted twice. */
export type CostBucket = 'input' | 'unclassified' | 'cacheRead' | 'cacheCreation' | 'output' | 'reasoning';

/** Where a bucket's rate came from. */
export type RateSource =
  | 'base'
  | 'above200k'
  | 'contextTier'
  | 'serviceTier'
  /** Cache read with no configured rate: 10 % of the input rate (estimated). */
  | 'inputTenth'
  /** Cache write or unclassified tokens at the input rate (estimated when tokens > 0). */
  | 'inputRate'
  /** Reasoning with no rate of its own: the output rate. */
  | 'outputRate';

export interface ResolvedRate {
  bucket: CostBucket;
  tokens: number;
  /** USD per 1M tokens before the multiplier. */
  rate: number;
  source: RateSource;
  multiplier: number;
  estimated: boolean;
}

export interface ResolvedRates {
  tier: ServiceTier | null;
  /** The prompt exceeded 200k tokens and the price has >200k rates. */
  longContext: boolean;
  contextTierThreshold: number | null;
  rates: ResolvedRate[];
  perRequestFee: number;
}

/** The band of `tiers` a prompt of `promptTokens` falls in (strictly greater than its threshold). */
export function selectContextTier(
  tiers: readonly ContextTier[] | null | undefined,
  promptTokens: number,
): ContextTier | null {
  let found: ContextTier | null = null;
  for (const t of [...(tiers ?? [])].sort((a, b) => a.thresholdTokens - b.thresholdTokens)) {
    if (promptTokens <= t.thresholdTokens) break;
    found = t;
  }
  return found;
}

type RateKey = 'input' | 'output' | 'cacheRead' | 'cacheCreation';
const ABOVE: Record<RateKey, keyof ModelPrice> = {
  input: 'inputAbove200k',
  output: 'outputAbove200k',
  cacheRead: 'cacheReadAbove200k',
  cacheCreation: 'cacheCreationAbove200k',
};

/**
 * Every bucket's rate, source and multiplier for one event under `price` (a priced one: input and
 * output set). The long-context rate (a context tier, else the >200k rate) wins over an explicit
 * service-tier rate; a multiplier applies only to rates the service tier did not price explicitly.
 */
export function resolveRates(e: CostInput, price: ModelPrice): ResolvedRates {
  const prompt = e.inputTokens + e.cacheReadTokens + e.cacheCreationTokens;
  const ctx = selectContextTier(price.contextTiers, prompt);
  const over200k = !ctx && prompt > LONG_CONTEXT_THRESHOLD;
  const tier = effectiveServiceTier(e);
  const explicit = tier ? price.tierPrices?.[tier] : undefined;
  const mult = tier ? (price[`${tier}Multiplier`] ?? DEFAULT_MULTIPLIER[tier]) : 1;
  let longContext = false;

  const pick = (k: RateKey): { rate: number | null; source: RateSource; mult: number } => {
    if (ctx) {
      const v = ctx[k];
      if (v !== undefined && v !== null) return { rate: v, source: 'contextTier', mult };
    } else if (over200k) {
      const v = price[ABOVE[k]] as number | null;
      if (v !== null) {
        longContext = true;
        return { rate: v, source: 'above200k', mult };
      }
    }
    const t = explicit?.[k];
    if (!ctx && !over200k && t !== undefined && t !== null) return { rate: t, source: 'serviceTier', mult: 1 };
    return { rate: price[k], source: 'base', mult };
  };
  const inP = pick('input');
  const outP = pick('output');
  const inRate = inP.rate!;
  const outRate = outP.rate!;
  const rates: ResolvedRate[] = [];
  const push = (bucket: CostBucket, tokens: number, rate: number, source: RateSource, m: number, estimated: boolean) =>
    rates.push({ bucket, tokens, rate, source, multiplier: m, estimated });

  push('input', e.inputTokens, inRate, inP.source, inP.mult, false);
  push('unclassified', e.unclassifiedTokens, inRate, 'inputRate', inP.mult, e.unclassifiedTokens > 0);
  const cr = pick('cacheRead');
  if (cr.rate === null) push('cacheRead', e.cacheReadTokens, inRate * 0.1, 'inputTenth', inP.mult, e.cacheReadTokens > 0);
  else push('cacheRead', e.cacheReadTokens, cr.rate, cr.source, cr.mult, false);
  const cw = pick('cacheCreation');
  if (cw.rate === null) push('cacheCreation', e.cacheCreationTokens, inRate, 'inputRate', inP.mult, e.cacheCreationTokens > 0);
  else push('cacheCreation', e.cacheCreationTokens, cw.rate, cw.source, cw.mult, false);
  push('output', e.outputTokens, outRate, outP.source, outP.mult, false);
  if (price.reasoning !== null) push('reasoning', e.reasoningTokens, price.reasoning, 'base', outP.mult, false);
  else push('reasoning', e.reasoningTokens, outRate, 'outputRate', outP.mult, false);
  return {
    tier,
    longContext,
    contextTierThreshold: ctx?.thresholdTokens ?? null,
    rates,
    perRequestFee: price.perRequestFee ?? 0,
  };
}

/**
 * cost = uncached·in + cacheRead·cr + cacheWrite·cw + output·out + reasoning·(reasoning ?? out)
 *        (+ unclassified·in, flagged estimated), × service-tier multiplier, + per-request fee.
 * The buckets are mutually exclusive, so nothing is counted twice. Rates in USD/1M tokens, so
 * tokens × rate is micro-dollars. explainCost() (cost-explain.ts) itemises the same sum from
 * resolveRates(); the 40-case table test checks that both agree.
 */
export function computeCost(e: CostInput, price: ModelPrice | undefined): CostResult {
  if (!price || price.input === null || price.output === null)
    return { costMicros: null, missing: true, estimated: false };
  // The same rules as resolveRates(), without its per-bucket objects: this runs for every stored event.
  const prompt = e.inputTokens + e.cacheReadTokens + e.cacheCreationTokens;
  const ctx = price.contextTiers?.length ? selectContextTier(price.contextTiers, prompt) : null;
  const over200k = !ctx && prompt > LONG_CONTEXT_THRESHOLD;
  const tier = effectiveServiceTier(e);
  const explicit = tier ? price.tierPrices?.[tier] : undefined;
  const mult = tier ? (price[`${tier}Multiplier`] ?? DEFAULT_MULTIPLIER[tier]) : 1;
  const plain = !ctx && !over200k;
  let rate = 0;
  let m = 1;
  // Sets `rate` / `m` for one rate key; false when neither the long-context, tier nor base rate is set.
  const pick = (k: RateKey): boolean => {
    if (ctx) {
      const v = ctx[k];
      if (v !== undefined && v !== null) return ((rate = v), (m = mult), true);
    } else if (over200k) {
      const v = price[ABOVE[k]] as number | null;
      if (v !== null) return ((rate = v), (m = mult), true);
    }
    const t = plain ? explicit?.[k] : undefined;
    if (t !== undefined && t !== null) return ((rate = t), (m = 1), true);
    const b = price[k];
    if (b === null) return false;
    return ((rate = b), (m = mult), true);
  };
  pick('input');
  const inRate = rate;
  const inM = m;
  pick('output');
  const outRate = rate;
  const outM = m;
  let estimated = e.unclassifiedTokens > 0;
  let micros = (e.inputTokens + e.unclassifiedTokens) * inRate * inM + e.outputTokens * outRate * outM;
  if (pick('cacheRead')) micros += e.cacheReadTokens * rate * m;
  else {
    micros += e.cacheReadTokens * inRate * 0.1 * inM;
    if (e.cacheReadTokens > 0) estimated = true;
  }
  if (pick('cacheCreation')) micros += e.cacheCreationTokens * rate * m;
  else {
    micros += e.cacheCreationTokens * inRate * inM;
    if (e.cacheCreationTokens > 0) estimated = true;
  }
  micros += e.reasoningTokens * (price.reasoning ?? outRate) * outM;
  micros += (price.perRequestFee ?? 0) * 1e6;
  return { costMicros: Math.round(micros), missing: false, estimated };
}
