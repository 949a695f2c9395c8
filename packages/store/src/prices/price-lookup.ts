import type { ModelPrice } from './cost';
import { modelNameCandidates } from './model-match';

/**
 * An event's price from the in-memory table (lower-cased model → price): the resolved model
 * first, then the alias, each through its name variants. Answers are cached until clear().
 */
export class PriceLookup {
  private readonly cache = new Map<string, ModelPrice | null>();

  constructor(private readonly prices: ReadonlyMap<string, ModelPrice>) {}

  find(model: string, alias: string): ModelPrice | undefined {
    const ck = `${model}\u0000${alias}`;
    const hit = this.cache.get(ck);
    if (hit !== undefined) return hit ?? undefined;
    let found: ModelPrice | undefined;
    outer: for (const name of [model, alias]) {
      if (!name) continue;
      for (const n of modelNameCandidates(name)) {
        found = this.prices.get(n);
        if (found) break outer;
      }
    }
    this.cache.set(ck, found ?? null);
    return found;
  }

  clear(): void {
    this.cache.clear();
  }
}
