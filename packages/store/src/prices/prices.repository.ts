import type Database from 'better-sqlite3';
import type { ModelPrice } from './cost';
import { manualPrice, type PriceInput } from './price-input';
import { PriceLookup } from './price-lookup';
import { priceFromRow, type PriceRow } from './price-row';
import { loadPriceSource, type PriceSource } from './price-source';
import { matchPriceTargets, parsePriceFile, syncedPrices, type PriceSyncReport } from './price-sync-plan';

export type { PriceInput } from './price-input';
export type { PriceSource } from './price-source';
export type { PriceSyncReport } from './price-sync-plan';

export interface PricesRepository {
  list(): ModelPrice[];
  get(model: string): ModelPrice | undefined;
  /** A manual edit: never overwritten by a later sync. */
  set(model: string, price: PriceInput): ModelPrice;
  delete(model: string): boolean;
  currentVersion(): number;
  /** The price for an event's model, trying the resolved model, then the alias, then name variants. */
  lookup(model: string, alias: string): ModelPrice | undefined;
  sync(source: PriceSource, opts?: { models?: string[] }): Promise<PriceSyncReport>;
}

export function createPricesRepository(
  db: Database.Database,
  opts: { now: () => number; knownModels: () => string[]; onChange: () => void },
): PricesRepository {
  const prices = new Map<string, ModelPrice>();
  const priceLookup = new PriceLookup(prices);
  let version = 0;
  const upsert =
    db.prepare(`INSERT INTO model_price (model, input, output, cache_read, cache_creation, reasoning,
      input_above_200k, output_above_200k, cache_read_above_200k, cache_creation_above_200k,
      priority_multiplier, flex_multiplier, batch_multiplier, tier_prices, per_request_fee,
      source, source_model_id, manual, updated_ms)
    VALUES (@model, @input, @output, @cacheRead, @cacheCreation, @reasoning, @inputAbove200k, @outputAbove200k,
      @cacheReadAbove200k, @cacheCreationAbove200k, @priorityMultiplier, @flexMultiplier, @batchMultiplier,
      @tierPrices, @perRequestFee, @source, @sourceModelId, @manual, @updatedMs)
    ON CONFLICT(model) DO UPDATE SET input=excluded.input, output=excluded.output, cache_read=excluded.cache_read,
      cache_creation=excluded.cache_creation, reasoning=excluded.reasoning, input_above_200k=excluded.input_above_200k,
      output_above_200k=excluded.output_above_200k, cache_read_above_200k=excluded.cache_read_above_200k,
      cache_creation_above_200k=excluded.cache_creation_above_200k, priority_multiplier=excluded.priority_multiplier,
      flex_multiplier=excluded.flex_multiplier, batch_multiplier=excluded.batch_multiplier,
      tier_prices=excluded.tier_prices, per_request_fee=excluded.per_request_fee, source=excluded.source,
      source_model_id=excluded.source_model_id, manual=excluded.manual, updated_ms=excluded.updated_ms`);
  const insertVersion = db.prepare('INSERT INTO price_version(created_ms, reason, prices) VALUES (?, ?, ?)');

  const load = () => {
    prices.clear();
    priceLookup.clear();
    for (const r of db.prepare('SELECT * FROM model_price').all() as PriceRow[])
      prices.set(r.model.toLowerCase(), priceFromRow(r));
    const v = db.prepare('SELECT max(id) AS v FROM price_version').get() as { v: number | null };
    version = v.v ?? 0;
    if (version === 0) version = Number(insertVersion.run(opts.now(), 'initial', '[]').lastInsertRowid);
  };
  load();

  const write = (p: ModelPrice) =>
    upsert.run({
      ...p,
      tierPrices: p.tierPrices ? JSON.stringify(p.tierPrices) : null,
      manual: p.manual ? 1 : 0,
    });

  const bumpVersion = (reason: string) => {
    version = Number(
      insertVersion.run(opts.now(), reason, JSON.stringify([...prices.values()])).lastInsertRowid,
    );
    priceLookup.clear();
    opts.onChange();
  };

  const repo: PricesRepository = {
    list: () => [...prices.values()].sort((a, b) => a.model.localeCompare(b.model)),
    get: (model) => prices.get(model.toLowerCase()),
    set(model, input) {
      const next = manualPrice(prices.get(model.toLowerCase()), model, input, opts.now());
      db.transaction(() => {
        write(next);
        prices.set(model.toLowerCase(), next);
        bumpVersion(`manual:${model}`);
      })();
      return next;
    },
    delete(model) {
      const had = prices.delete(model.toLowerCase());
      if (had) {
        db.transaction(() => {
          db.prepare('DELETE FROM model_price WHERE lower(model) = ?').run(model.toLowerCase());
          bumpVersion(`delete:${model}`);
        })();
      }
      return had;
    },
    currentVersion: () => version,
    lookup: (model, alias) => priceLookup.find(model, alias),
    async sync(source, syncOpts = {}) {
      const file = parsePriceFile(await loadPriceSource(source));
      const targets = syncOpts.models ?? opts.knownModels();
      const { pairs, report } = matchPriceTargets(file, targets, version);
      const updates = syncedPrices(pairs, (m) => prices.get(m), opts.now(), report);
      if (updates.length) {
        db.transaction(() => {
          for (const p of updates) {
            write(p);
            prices.set(p.model.toLowerCase(), p);
          }
          bumpVersion('sync:litellm');
        })();
      }
      report.version = version;
      return report;
    },
  };
  return repo;
}
