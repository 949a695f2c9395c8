// CPA Manager Plus's model-price shape beside cpamp's: Plus names rates prompt / completion / cacheRead /
// cacheCreation (legacy `cache` = cache read) with `*Configured` flags telling an explicit 0 from "not set",
// plus `contextTiers` and `serviceTiers` arrays. PUT accepts it (converted to cpamp's fields); GET adds
// Plus's fields to each price so Plus's scripts read what they expect.
import type { ContextTier, ModelPrice, PriceInput, ServiceTier, TierRates } from '@cpamp/store';
import { z } from 'zod';

const num = z.number().finite().min(0).optional();
const flag = z.boolean().optional();
const PlusRates = {
  prompt: num,
  completion: num,
  cache: num,
  cacheRead: num,
  cacheCreation: num,
  promptConfigured: flag,
  completionConfigured: flag,
  cacheConfigured: flag,
  cacheReadConfigured: flag,
  cacheCreationConfigured: flag,
};
const PlusContextTier = z.object({ thresholdTokens: z.number().int().positive(), ...PlusRates }).passthrough();
const PlusServiceTier = z.object({ mode: z.string().max(100).optional(), serviceTier: z.string().max(100).optional(), ...PlusRates }).passthrough();
export const PlusPriceSchema = z
  .object({
    ...PlusRates,
    contextTiers: z.array(PlusContextTier).max(50).nullable().optional(),
    serviceTiers: z.array(PlusServiceTier).max(20).nullable().optional(),
  })
  .passthrough();
export type PlusPrice = z.infer<typeof PlusPriceSchema>;

const PLUS_ONLY = ['prompt', 'completion', 'cache', 'promptConfigured', 'completionConfigured', 'cacheConfigured', 'cacheReadConfigured', 'cacheCreationConfigured', 'serviceTiers'];

/** Whether a PUT entry is in Plus's shape (a Plus-only field, or context tiers with Plus's rate names). */
export function isPlusEntry(entry: Record<string, unknown>): boolean {
  if (PLUS_ONLY.some((k) => k in entry)) return true;
  const tiers = entry.contextTiers;
  return Array.isArray(tiers) && tiers.some((t) => t !== null && typeof t === 'object' && ('prompt' in t || 'completion' in t));
}

type Rates = z.infer<z.ZodObject<typeof PlusRates>>;

/** Plus's rates as cpamp's: with `*Configured` flags present only flagged values count; without, any given number. */
function rates(r: Rates): TierRates {
  const flagged = Object.keys(r).some((k) => k.endsWith('Configured'));
  const pick = (value: number | undefined, configured: boolean | undefined): number | null | undefined => {
    if (flagged) return configured ? (value ?? 0) : undefined;
    return value;
  };
  const out: TierRates = {};
  const input = pick(r.prompt, r.promptConfigured);
  const output = pick(r.completion, r.completionConfigured);
  const cacheRead = pick(r.cacheRead, r.cacheReadConfigured) ?? pick(r.cache, r.cacheConfigured);
  const cacheCreation = pick(r.cacheCreation, r.cacheCreationConfigured);
  if (input !== undefined) out.input = input;
  if (output !== undefined) out.output = output;
  if (cacheRead !== undefined) out.cacheRead = cacheRead;
  if (cacheCreation !== undefined) out.cacheCreation = cacheCreation;
  return out;
}

function serviceTierOf(t: { mode?: string | undefined; serviceTier?: string | undefined }): ServiceTier | null {
  for (const v of [t.serviceTier, t.mode]) {
    const s = (v ?? '').toLowerCase();
    if (s === 'priority' || s === 'fast') return 'priority';
    if (s === 'flex') return 'flex';
    if (s === 'batch') return 'batch';
  }
  return null;
}

/** A Plus price entry as a cpamp manual edit. */
export function plusToPriceInput(p: PlusPrice): PriceInput {
  const out: PriceInput = { ...rates(p) };
  if (p.contextTiers !== undefined) {
    out.contextTiers = p.contextTiers?.length
      ? p.contextTiers.map((t): ContextTier => ({ thresholdTokens: t.thresholdTokens, ...rates(t) }))
      : null;
  }
  if (p.serviceTiers !== undefined) {
    const tiers: Partial<Record<ServiceTier, TierRates>> = {};
    for (const t of p.serviceTiers ?? []) {
      const tier = serviceTierOf(t);
      if (tier) tiers[tier] = rates(t);
    }
    out.tierPrices = Object.keys(tiers).length ? tiers : null;
  }
  return out;
}

/** Plus's rate fields for cpamp's rates (a null rate: 0 and not configured). */
function plusRates(r: TierRates) {
  const v = (x: number | null | undefined) => x ?? 0;
  const c = (x: number | null | undefined) => x !== null && x !== undefined;
  return {
    prompt: v(r.input),
    completion: v(r.output),
    cache: v(r.cacheRead),
    cacheRead: v(r.cacheRead),
    cacheCreation: v(r.cacheCreation),
    promptConfigured: c(r.input),
    completionConfigured: c(r.output),
    cacheConfigured: c(r.cacheRead),
    cacheReadConfigured: c(r.cacheRead),
    cacheCreationConfigured: c(r.cacheCreation),
  };
}

/**
 * A price with Plus's fields beside cpamp's. `cacheRead` / `cacheCreation` keep cpamp's values (null when
 * not set); each context tier carries both names.
 */
export function withPlusFields(p: ModelPrice) {
  const plus = plusRates(p);
  const serviceTiers = Object.entries(p.tierPrices ?? {}).map(([tier, r]) => ({
    mode: tier === 'priority' ? 'fast' : tier,
    serviceTier: tier,
    ...plusRates(r ?? {}),
  }));
  return {
    ...p,
    prompt: plus.prompt,
    completion: plus.completion,
    cache: plus.cache,
    promptConfigured: plus.promptConfigured,
    completionConfigured: plus.completionConfigured,
    cacheReadConfigured: plus.cacheReadConfigured,
    cacheCreationConfigured: plus.cacheCreationConfigured,
    contextTiers: (p.contextTiers ?? []).map((t) => ({ ...t, ...plusRates(t) })),
    serviceTiers,
    sourceModelId: p.sourceModelId ?? '',
    updatedAtMs: p.updatedMs,
  };
}
