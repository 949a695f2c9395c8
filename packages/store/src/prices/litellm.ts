import { z } from 'zod';
import type { ModelPrice, ServiceTier, TierRates } from './cost';
import { modelNameCandidates } from './model-match';

const num = z.number().finite().nonnegative().optional().catch(undefined);
const EntrySchema = z
  .object({
    litellm_provider: z.string().optional().catch(undefined),
    mode: z.string().optional().catch(undefined),
    input_cost_per_token: num,
    output_cost_per_token: num,
    cache_read_input_token_cost: num,
    input_cache_read: num,
    cache_creation_input_token_cost: num,
    cache_write_input_token_cost: num,
    input_cache_write: num,
    input_cache_creation: num,
    output_cost_per_reasoning_token: num,
    input_cost_per_token_above_200k_tokens: num,
    output_cost_per_token_above_200k_tokens: num,
    cache_read_input_token_cost_above_200k_tokens: num,
    cache_creation_input_token_cost_above_200k_tokens: num,
  })
  .passthrough();
type Entry = z.infer<typeof EntrySchema>;

export interface LiteLlmEntry {
  key: string;
  provider: string;
  price: Omit<ModelPrice, 'model' | 'manual' | 'updatedMs'>;
}

// Providers whose entries describe first-party prices; preferred when ids collide.
const PREFERRED = [
  'openai',
  'anthropic',
  'gemini',
  'xai',
  'vertex_ai-language-models',
  'deepseek',
  'mistral',
];

const perM = (v: number | undefined): number | null =>
  v === undefined ? null : Math.round(v * 1e6 * 1e6) / 1e6;

function tierRates(raw: Record<string, unknown>, suffix: string): TierRates | undefined {
  const g = (k: string) => (typeof raw[k] === 'number' ? perM(raw[k] as number) : null);
  const t: TierRates = {
    input: g(`input_cost_per_token_${suffix}`),
    output: g(`output_cost_per_token_${suffix}`),
    cacheRead: g(`cache_read_input_token_cost_${suffix}`),
    cacheCreation: g(`cache_creation_input_token_cost_${suffix}`),
  };
  return Object.values(t).some((v) => v !== null) ? t : undefined;
}

function toPrice(key: string, e: Entry, raw: Record<string, unknown>): LiteLlmEntry['price'] | null {
  const input = e.input_cost_per_token;
  const output = e.output_cost_per_token;
  const cacheRead = e.cache_read_input_token_cost ?? e.input_cache_read;
  const cacheCreation =
    e.cache_creation_input_token_cost ??
    e.cache_write_input_token_cost ??
    e.input_cache_write ??
    e.input_cache_creation;
  if (input === undefined && output === undefined && cacheRead === undefined && cacheCreation === undefined)
    return null;
  const tiers: Partial<Record<ServiceTier, TierRates>> = {};
  const p = tierRates(raw, 'priority');
  const f = tierRates(raw, 'flex');
  const b = tierRates(raw, 'batches');
  if (p) tiers.priority = p;
  if (f) tiers.flex = f;
  if (b) tiers.batch = b;
  return {
    input: perM(input),
    output: perM(output),
    cacheRead: perM(cacheRead),
    cacheCreation: perM(cacheCreation),
    reasoning: perM(e.output_cost_per_reasoning_token),
    inputAbove200k: perM(e.input_cost_per_token_above_200k_tokens),
    outputAbove200k: perM(e.output_cost_per_token_above_200k_tokens),
    cacheReadAbove200k: perM(e.cache_read_input_token_cost_above_200k_tokens),
    cacheCreationAbove200k: perM(e.cache_creation_input_token_cost_above_200k_tokens),
    priorityMultiplier: null,
    flexMultiplier: null,
    batchMultiplier: null,
    tierPrices: Object.keys(tiers).length ? tiers : null,
    perRequestFee: null,
    source: 'litellm',
    sourceModelId: key,
  };
}

/** Parses LiteLLM's model_prices_and_context_window.json; skips `sample_spec` and non-chat modes. */
export function parseLiteLlm(json: unknown): { entries: LiteLlmEntry[]; skipped: number } {
  const entries: LiteLlmEntry[] = [];
  let skipped = 0;
  if (!json || typeof json !== 'object' || Array.isArray(json)) return { entries, skipped };
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    if (key === 'sample_spec' || !value || typeof value !== 'object') {
      skipped++;
      continue;
    }
    const parsed = EntrySchema.safeParse(value);
    if (
      !parsed.success ||
      (parsed.data.mode &&
        parsed.data.mode !== 'chat' &&
        parsed.data.mode !== 'completion' &&
        parsed.data.mode !== 'responses')
    ) {
      skipped++;
      continue;
    }
    const price = toPrice(key, parsed.data, value as Record<string, unknown>);
    if (!price) {
      skipped++;
      continue;
    }
    entries.push({ key, provider: parsed.data.litellm_provider ?? '', price });
  }
  return { entries, skipped };
}

function rank(e: LiteLlmEntry): number {
  const bare = e.key.includes('/') ? 1 : 0;
  const pref = PREFERRED.indexOf(e.provider);
  return bare * 100 + (pref < 0 ? 50 : pref);
}

/** Index of every name variant → best entry (bare first-party ids win over prefixed resellers). */
export function indexLiteLlm(entries: LiteLlmEntry[]): Map<string, LiteLlmEntry> {
  const index = new Map<string, LiteLlmEntry>();
  const levels = entries.map((e) => ({ e, names: modelNameCandidates(e.key) }));
  // Exact names first so a variant never shadows another entry's exact id.
  for (const { e, names } of levels) {
    const n = names[0]!;
    const cur = index.get(n);
    if (!cur || rank(e) < rank(cur)) index.set(n, e);
  }
  for (const { e, names } of levels) {
    for (const n of names.slice(1)) {
      const cur = index.get(n);
      if (cur && isExactOf(cur, n)) continue;
      if (!cur || rank(e) < rank(cur)) index.set(n, e);
    }
  }
  return index;
}

function isExactOf(e: LiteLlmEntry, name: string): boolean {
  return e.key.toLowerCase() === name;
}

/** Finds the entry for a CPA model id (exact, then provider prefix / effort / date stripped). */
export function matchLiteLlm(index: Map<string, LiteLlmEntry>, cpaModel: string): LiteLlmEntry | undefined {
  for (const n of modelNameCandidates(cpaModel)) {
    const hit = index.get(n);
    if (hit) return hit;
  }
  return undefined;
}
