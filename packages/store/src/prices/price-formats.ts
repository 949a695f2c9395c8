// Price files besides LiteLLM's: models.dev's api.json (`{<provider>:{models:{<id>:{cost:{input, output,
// cache_read, cache_write, reasoning, context_over_200k, tiers[]}}}}}`, USD per 1M tokens) and OpenRouter's
// model list (`{data:[{id, pricing:{prompt, completion, input_cache_read, input_cache_write, request}}]}`,
// USD per token as decimal strings). Both become the same entries as LiteLLM's, so matching, manual-price
// protection and versions work alike; models.dev lists one model under several providers, which is where
// the candidate list comes from.
import type { ContextTier, ServiceTier, TierRates } from './cost';
import type { LiteLlmEntry } from './litellm';
import { noRates } from './price-input';

export type PriceFileFormat = 'litellm' | 'models.dev' | 'openrouter';

const isObj = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const rate = (v: unknown): number | null =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null;
/** USD per token (a decimal string or number) → USD per 1M tokens, rounded off float noise. */
const perTokenToPerM = (v: unknown): number | null => {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return null;
  return Math.round(n * 1e6 * 1e6) / 1e6;
};

/** Which format a parsed price file is in (by shape, not by name). */
export function detectPriceFormat(json: unknown): PriceFileFormat {
  if (isObj(json) && Array.isArray(json.data) && json.data.some((m) => isObj(m) && isObj(m.pricing)))
    return 'openrouter';
  if (isObj(json)) {
    const values = Object.values(json);
    if (
      values.length > 0 &&
      values.filter(isObj).every((v) => isObj(v.models)) &&
      values.some((v) => isObj(v) && isObj(v.models))
    )
      return 'models.dev';
  }
  return 'litellm';
}

const base = (source: string, sourceModelId: string): LiteLlmEntry['price'] => ({
  ...noRates(),
  source,
  sourceModelId,
});

function modelsDevRates(c: Record<string, unknown>): TierRates {
  return {
    input: rate(c.input),
    output: rate(c.output),
    cacheRead: rate(c.cache_read),
    cacheCreation: rate(c.cache_write),
  };
}

/** models.dev api.json: one entry per provider and model (the same id may appear under several providers). */
export function parseModelsDev(json: unknown): { entries: LiteLlmEntry[]; skipped: number } {
  const entries: LiteLlmEntry[] = [];
  let skipped = 0;
  if (!isObj(json)) return { entries, skipped };
  for (const [provider, p] of Object.entries(json)) {
    if (!isObj(p) || !isObj(p.models)) continue;
    for (const [id, m] of Object.entries(p.models)) {
      const cost = isObj(m) && isObj(m.cost) ? m.cost : null;
      if (!cost || (rate(cost.input) === null && rate(cost.output) === null)) {
        skipped++;
        continue;
      }
      const price = base('models.dev', `${provider}/${id}`);
      Object.assign(price, modelsDevRates(cost));
      price.reasoning = rate(cost.reasoning);
      if (isObj(cost.context_over_200k)) {
        const o = modelsDevRates(cost.context_over_200k);
        price.inputAbove200k = o.input ?? null;
        price.outputAbove200k = o.output ?? null;
        price.cacheReadAbove200k = o.cacheRead ?? null;
        price.cacheCreationAbove200k = o.cacheCreation ?? null;
      }
      const tiers: ContextTier[] = [];
      for (const t of Array.isArray(cost.tiers) ? cost.tiers : []) {
        if (
          !isObj(t) ||
          !isObj(t.tier) ||
          t.tier.type !== 'context' ||
          typeof t.tier.size !== 'number' ||
          t.tier.size <= 0
        )
          continue;
        const r = modelsDevRates(t);
        const tier: ContextTier = { thresholdTokens: t.tier.size as number };
        for (const k of ['input', 'output', 'cacheRead', 'cacheCreation'] as const)
          if (r[k] !== null) tier[k] = r[k];
        if (!tiers.some((x) => x.thresholdTokens === tier.thresholdTokens)) tiers.push(tier);
      }
      if (tiers.length) price.contextTiers = tiers.sort((a, b) => a.thresholdTokens - b.thresholdTokens);
      const fast =
        isObj(m) && isObj(m.experimental) && isObj(m.experimental.modes) && isObj(m.experimental.modes.fast)
          ? m.experimental.modes.fast
          : null;
      if (fast && isObj(fast.cost))
        price.tierPrices = { priority: modelsDevRates(fast.cost) } as Partial<Record<ServiceTier, TierRates>>;
      entries.push({ key: id, provider, price });
    }
  }
  return { entries, skipped };
}

/** OpenRouter's model list: ids are `<vendor>/<model>`; prices per token as decimal strings. */
export function parseOpenRouter(json: unknown): { entries: LiteLlmEntry[]; skipped: number } {
  const entries: LiteLlmEntry[] = [];
  let skipped = 0;
  const data = isObj(json) && Array.isArray(json.data) ? json.data : [];
  for (const m of data) {
    const pricing = isObj(m) && isObj(m.pricing) ? m.pricing : null;
    const id = isObj(m) && typeof m.id === 'string' ? m.id : '';
    const input = pricing ? perTokenToPerM(pricing.prompt) : null;
    const output = pricing ? perTokenToPerM(pricing.completion) : null;
    if (!pricing || !id || input === null || output === null) {
      skipped++;
      continue;
    }
    const price = base('openrouter', id);
    price.input = input;
    price.output = output;
    price.cacheRead = perTokenToPerM(pricing.input_cache_read ?? pricing.cache_read);
    price.cacheCreation = perTokenToPerM(pricing.input_cache_write ?? pricing.cache_write);
    price.reasoning = perTokenToPerM(pricing.internal_reasoning) || null;
    const fee =
      typeof pricing.request === 'string' || typeof pricing.request === 'number'
        ? Number(pricing.request)
        : 0;
    price.perRequestFee = Number.isFinite(fee) && fee > 0 ? fee : null;
    entries.push({
      key: id,
      provider: id.includes('/') ? id.slice(0, id.indexOf('/')) : 'openrouter',
      price,
    });
  }
  return { entries, skipped };
}
