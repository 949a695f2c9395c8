import { StoreError } from '../errors';
import type { ModelPrice } from './cost';

export type PriceInput = Partial<
  Omit<ModelPrice, 'model' | 'manual' | 'updatedMs' | 'source' | 'sourceModelId'>
>;

function validRate(name: string, v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new StoreError(
      'invalid_price',
      `Price field "${name}" must be a non-negative number (USD per 1M tokens) or null; got ${String(v)}.`,
    );
  }
  return v;
}

/** Every rate of a price, unset: the start of a price built field by field (manual input, price files). */
export function noRates(): Required<{ [K in keyof PriceInput]: null }> {
  return {
    input: null,
    output: null,
    cacheRead: null,
    cacheCreation: null,
    reasoning: null,
    inputAbove200k: null,
    outputAbove200k: null,
    cacheReadAbove200k: null,
    cacheCreationAbove200k: null,
    priorityMultiplier: null,
    flexMultiplier: null,
    batchMultiplier: null,
    tierPrices: null,
    perRequestFee: null,
    contextTiers: null,
  };
}

const emptyPrice = (model: string): ModelPrice => ({
  model,
  ...noRates(),
  source: 'manual',
  sourceModelId: null,
  manual: true,
  updatedMs: 0,
});

/**
 * The price a manual edit produces: `input` validated and laid over the current price (or an empty
 * one). Unknown fields are ignored; the result is marked manual so a later sync leaves it alone.
 */
export function manualPrice(
  current: ModelPrice | undefined,
  model: string,
  input: PriceInput,
  now: number,
): ModelPrice {
  const base = current ?? emptyPrice(model);
  const next: ModelPrice = { ...base, source: 'manual', manual: true, updatedMs: now };
  for (const [k, v] of Object.entries(input)) {
    if (k === 'tierPrices') next.tierPrices = (v as ModelPrice['tierPrices']) ?? null;
    else if (k === 'contextTiers') next.contextTiers = (v as ModelPrice['contextTiers']) ?? null;
    else if (k in base) (next as unknown as Record<string, unknown>)[k] = validRate(k, v);
  }
  return next;
}
