import type Database from 'better-sqlite3';
import type { ModelPrice } from './cost';
import { manualPrice, type PriceInput } from './price-input';
import { PriceLookup } from './price-lookup';
import { priceFromRow, type PriceRow } from './price-row';
import { loadPriceSource, type PriceSource } from './price-source';
import { matchPriceTargets, parsePriceFile, syncedPrices, type PriceSyncReport } from './price-sync-plan';
import {
  closeBefore,
  defaultEffectiveFrom,
  ratesDiffer,
  versionAt,
  versionFromRow,
  type PriceVersion,
  type PriceVersionRow,
} from './price-versions';

export type { PriceInput } from './price-input';
export type { PriceSource } from './price-source';
export type { PriceSyncReport } from './price-sync-plan';

/** What a price edit did: the price, from when it takes effect (null = all history) and whether it bills differently. */
export interface PriceChange {
  price: ModelPrice;
  /** null: since the beginning. */
  effectiveFrom: number | null;
  changed: boolean;
}

export interface PriceEditOptions {
  /** undefined: the default (all history for a model that had no price, from now for a changed one); null: all history. */
  effectiveFrom?: number | null;
}

export interface PricesRepository {
  list(): ModelPrice[];
  get(model: string): ModelPrice | undefined;
  /** A manual edit: never overwritten by a later sync. */
  set(model: string, price: PriceInput): ModelPrice;
  /** A manual edit with its effective date; re-pricing the range is the caller's job (a background job). */
  apply(model: string, price: PriceInput, opts?: PriceEditOptions): PriceChange;
  /** Every version of a model's price, oldest first. */
  versions(model: string): PriceVersion[];
  /** The price in effect for an event of `model` / `alias` at `ts`. */
  priceAt(model: string, alias: string, ts: number): ModelPrice | undefined;
  delete(model: string): boolean;
  currentVersion(): number;
  /** The price for an event's model, trying the resolved model, then the alias, then name variants. */
  lookup(model: string, alias: string): ModelPrice | undefined;
  sync(source: PriceSource, opts?: { models?: string[]; select?: Record<string, string> } & PriceEditOptions): Promise<PriceSyncReport>;
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
      source, source_model_id, manual, updated_ms, context_tiers)
    VALUES (@model, @input, @output, @cacheRead, @cacheCreation, @reasoning, @inputAbove200k, @outputAbove200k,
      @cacheReadAbove200k, @cacheCreationAbove200k, @priorityMultiplier, @flexMultiplier, @batchMultiplier,
      @tierPrices, @perRequestFee, @source, @sourceModelId, @manual, @updatedMs, @contextTiers)
    ON CONFLICT(model) DO UPDATE SET input=excluded.input, output=excluded.output, cache_read=excluded.cache_read,
      cache_creation=excluded.cache_creation, reasoning=excluded.reasoning, input_above_200k=excluded.input_above_200k,
      output_above_200k=excluded.output_above_200k, cache_read_above_200k=excluded.cache_read_above_200k,
      cache_creation_above_200k=excluded.cache_creation_above_200k, priority_multiplier=excluded.priority_multiplier,
      flex_multiplier=excluded.flex_multiplier, batch_multiplier=excluded.batch_multiplier,
      tier_prices=excluded.tier_prices, per_request_fee=excluded.per_request_fee, source=excluded.source,
      source_model_id=excluded.source_model_id, manual=excluded.manual, updated_ms=excluded.updated_ms,
      context_tiers=excluded.context_tiers`);
  const versions = new Map<string, PriceVersion[]>();
  const insertModelVersion = db.prepare(
    'INSERT INTO model_price_version(model, from_ms, to_ms, price, created_ms, reason) VALUES (?, ?, NULL, ?, ?, ?)',
  );
  const closeVersion = db.prepare('UPDATE model_price_version SET to_ms = ? WHERE id = ?');
  /** Records `price` (null: removed) for `key` from `fromMs` on, cutting the versions it replaces. */
  const addVersion = (key: string, fromMs: number | null, price: ModelPrice | null, reason: string) => {
    const list = versions.get(key) ?? [];
    for (const c of closeBefore(list, fromMs)) {
      closeVersion.run(c.toMs, c.id);
      const v = list.find((x) => x.id === c.id);
      if (v) v.toMs = c.toMs;
    }
    const createdMs = opts.now();
    const id = Number(
      insertModelVersion.run(key, fromMs, price ? JSON.stringify(price) : null, createdMs, reason).lastInsertRowid,
    );
    list.push({ id, model: key, fromMs, toMs: null, price, createdMs, reason });
    versions.set(key, list);
  };
  const insertVersion = db.prepare('INSERT INTO price_version(created_ms, reason, prices) VALUES (?, ?, ?)');

  const load = () => {
    prices.clear();
    priceLookup.clear();
    for (const r of db.prepare('SELECT * FROM model_price').all() as PriceRow[])
      prices.set(r.model.toLowerCase(), priceFromRow(r));
    const v = db.prepare('SELECT max(id) AS v FROM price_version').get() as { v: number | null };
    version = v.v ?? 0;
    if (version === 0) version = Number(insertVersion.run(opts.now(), 'initial', '[]').lastInsertRowid);
    versions.clear();
    for (const r of db.prepare('SELECT * FROM model_price_version ORDER BY id').all() as PriceVersionRow[]) {
      const pv = versionFromRow(r);
      const list = versions.get(pv.model) ?? [];
      list.push(pv);
      versions.set(pv.model, list);
    }
    // Prices from before versions existed (migration 0008): one version over all history.
    db.transaction(() => {
      for (const [key, p] of prices) if (!versions.has(key)) addVersion(key, null, p, 'initial');
    })();
  };
  load();

  const write = (p: ModelPrice) =>
    upsert.run({
      ...p,
      tierPrices: p.tierPrices ? JSON.stringify(p.tierPrices) : null,
      manual: p.manual ? 1 : 0,
      contextTiers: p.contextTiers?.length ? JSON.stringify(p.contextTiers) : null,
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
      return repo.apply(model, input).price;
    },
    apply(model, input, edit = {}) {
      const key = model.toLowerCase();
      const previous = prices.get(key);
      const now = opts.now();
      const next = manualPrice(previous, model, input, now);
      const effectiveFrom = edit.effectiveFrom === undefined ? defaultEffectiveFrom(previous, now) : edit.effectiveFrom;
      const changed = ratesDiffer(previous, next);
      db.transaction(() => {
        write(next);
        prices.set(key, next);
        if (changed || !versions.has(key)) addVersion(key, effectiveFrom, next, `manual:${model}`);
        bumpVersion(`manual:${model}`);
      })();
      return { price: next, effectiveFrom, changed };
    },
    versions: (model) => [...(versions.get(model.toLowerCase()) ?? [])],
    priceAt(model, alias, ts) {
      const current = priceLookup.find(model, alias);
      if (!current) return undefined;
      const list = versions.get(current.model.toLowerCase());
      // The common case: one version over all history.
      if (!list || (list.length === 1 && list[0]!.fromMs === null && list[0]!.toMs === null)) return current;
      return versionAt(list, ts)?.price ?? undefined;
    },
    delete(model) {
      const had = prices.delete(model.toLowerCase());
      if (had) {
        db.transaction(() => {
          db.prepare('DELETE FROM model_price WHERE lower(model) = ?').run(model.toLowerCase());
          addVersion(model.toLowerCase(), opts.now(), null, `delete:${model}`);
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
      const { pairs, report } = matchPriceTargets(file, targets, version, syncOpts.select);
      const now = opts.now();
      const updates = syncedPrices(pairs, (m) => prices.get(m), now, report);
      const changes: NonNullable<PriceSyncReport['changes']> = [];
      report.changes = changes;
      if (updates.length) {
        db.transaction(() => {
          for (const p of updates) {
            const key = p.model.toLowerCase();
            const previous = prices.get(key);
            write(p);
            prices.set(key, p);
            if (ratesDiffer(previous, p) || !versions.has(key)) {
              const from = syncOpts.effectiveFrom === undefined ? defaultEffectiveFrom(previous, now) : syncOpts.effectiveFrom;
              addVersion(key, from, p, 'sync');
              changes.push({ model: p.model, effectiveFrom: from });
            }
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
