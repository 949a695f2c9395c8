import { sql } from 'kysely';
import type { ModelPrice } from '../prices/cost';
import { manualPrice } from '../prices/price-input';
import { PriceLookup } from '../prices/price-lookup';
import { priceFromRow, type PriceRow } from '../prices/price-row';
import { loadPriceSource } from '../prices/price-source';
import { matchPriceTargets, parsePriceFile, syncedPrices } from '../prices/price-sync-plan';
import {
  closeBefore,
  defaultEffectiveFrom,
  ratesDiffer,
  versionAt,
  versionFromRow,
  type PriceVersion,
  type PriceVersionRow,
} from '../prices/price-versions';
import type { PricesRepository } from '../repositories';
import { rows, type PgDb, type PgExec } from './pg-connection';

/** The Postgres prices repository plus what the insert path needs synchronously. */
export interface PgPricesRepository extends PricesRepository {
  /** Reloads the table when another process published a newer price version. */
  refresh(exec: PgExec): Promise<void>;
  /** From memory; call refresh() first in the transaction that uses it. */
  lookupNow(model: string, alias: string): ModelPrice | undefined;
  /** The price in force at `ts` (the model's versions), from memory like lookupNow; SQLite's priceAt. */
  priceAtNow(model: string, alias: string, ts: number): ModelPrice | undefined;
  versionNow(): number;
}

/**
 * Prices are few: they live in memory, written through to Postgres. Every read first checks the
 * newest price_version id (one indexed lookup) so several processes sharing a database agree.
 */
export async function createPgPricesRepository(
  db: PgDb,
  opts: {
    now: () => number;
    knownModels: () => Promise<string[]>;
    lock: <T>(fn: () => Promise<T>) => Promise<T>;
  },
): Promise<PgPricesRepository> {
  const prices = new Map<string, ModelPrice>();
  const priceLookup = new PriceLookup(prices);
  let version = 0;
  /** Each price key's effective-range versions (model_price_version), reloaded with the prices. */
  let versions = new Map<string, PriceVersion[]>();

  const loadVersions = async (exec: PgExec) => {
    const out = new Map<string, PriceVersion[]>();
    for (const r of await rows(exec, sql<PriceVersionRow>`SELECT * FROM model_price_version ORDER BY id`)) {
      const pv = versionFromRow(r);
      const list = out.get(pv.model) ?? [];
      list.push(pv);
      out.set(pv.model, list);
    }
    return out;
  };

  const latest = async (exec: PgExec) =>
    (await rows(exec, sql<{ v: number | null }>`SELECT max(id) AS v FROM price_version`))[0]?.v ?? 0;

  const load = async (exec: PgExec) => {
    const all = await rows(exec, sql<PriceRow>`SELECT * FROM model_price`);
    prices.clear();
    priceLookup.clear();
    for (const r of all) prices.set(r.model.toLowerCase(), priceFromRow(r));
    versions = await loadVersions(exec);
    version = await latest(exec);
  };

  const refresh = async (exec: PgExec) => {
    if ((await latest(exec)) !== version) await load(exec);
  };

  const write = async (exec: PgExec, p: ModelPrice) => {
    await sql`INSERT INTO model_price (model, input, output, cache_read, cache_creation, reasoning,
        input_above_200k, output_above_200k, cache_read_above_200k, cache_creation_above_200k,
        priority_multiplier, flex_multiplier, batch_multiplier, tier_prices, per_request_fee,
        source, source_model_id, manual, updated_ms, context_tiers)
      VALUES (${p.model}, ${p.input}, ${p.output}, ${p.cacheRead}, ${p.cacheCreation}, ${p.reasoning},
        ${p.inputAbove200k}, ${p.outputAbove200k}, ${p.cacheReadAbove200k}, ${p.cacheCreationAbove200k},
        ${p.priorityMultiplier}, ${p.flexMultiplier}, ${p.batchMultiplier},
        ${p.tierPrices ? JSON.stringify(p.tierPrices) : null}, ${p.perRequestFee},
        ${p.source}, ${p.sourceModelId}, ${p.manual}, ${p.updatedMs},
        ${p.contextTiers?.length ? JSON.stringify(p.contextTiers) : null})
      ON CONFLICT (model) DO UPDATE SET input = excluded.input, output = excluded.output,
        cache_read = excluded.cache_read, cache_creation = excluded.cache_creation, reasoning = excluded.reasoning,
        input_above_200k = excluded.input_above_200k, output_above_200k = excluded.output_above_200k,
        cache_read_above_200k = excluded.cache_read_above_200k,
        cache_creation_above_200k = excluded.cache_creation_above_200k,
        priority_multiplier = excluded.priority_multiplier, flex_multiplier = excluded.flex_multiplier,
        batch_multiplier = excluded.batch_multiplier, tier_prices = excluded.tier_prices,
        per_request_fee = excluded.per_request_fee, source = excluded.source,
        source_model_id = excluded.source_model_id, manual = excluded.manual, updated_ms = excluded.updated_ms,
        context_tiers = excluded.context_tiers`.execute(
      exec,
    );
  };

  /** Applies `change` (writes + in-memory edits) and records a new price version, atomically. */
  const publish = (reason: string, change: (exec: PgExec, next: Map<string, ModelPrice>) => Promise<void>) =>
    opts.lock(async () => {
      const done = await db.transaction().execute(async (trx) => {
        // Serialise publishers across processes; a stale cache would otherwise lose their edits.
        await sql`LOCK TABLE price_version IN SHARE ROW EXCLUSIVE MODE`.execute(trx);
        await refresh(trx);
        const next = new Map(prices);
        await change(trx, next);
        const r = await rows(
          trx,
          sql<{ id: number }>`INSERT INTO price_version (created_ms, reason, prices)
            VALUES (${opts.now()}, ${reason}, ${JSON.stringify([...next.values()])}) RETURNING id`,
        );
        return { next, id: r[0]!.id, versions: await loadVersions(trx) };
      });
      // Memory follows only a committed transaction.
      prices.clear();
      for (const [k, v] of done.next) prices.set(k, v);
      priceLookup.clear();
      versions = done.versions;
      version = done.id;
    });

  await db.transaction().execute(async (trx) => {
    await sql`LOCK TABLE price_version IN SHARE ROW EXCLUSIVE MODE`.execute(trx);
    if ((await latest(trx)) === 0)
      await sql`INSERT INTO price_version (created_ms, reason, prices) VALUES (${opts.now()}, 'initial', '[]')`.execute(
        trx,
      );
    await load(trx);
  });

  const lookupNow = (model: string, alias: string) => priceLookup.find(model, alias);
  const priceAtNow = (model: string, alias: string, ts: number) => {
    const current = lookupNow(model, alias);
    if (!current) return undefined;
    const list = versions.get(current.model.toLowerCase());
    // The common case: no versions, or one over all history.
    if (!list || list.length === 0 || (list.length === 1 && list[0]!.fromMs === null && list[0]!.toMs === null))
      return current;
    return versionAt(list, ts)?.price ?? undefined;
  };

  const versionsOf = async (exec: PgExec, key: string): Promise<PriceVersion[]> =>
    (
      await rows(exec, sql<PriceVersionRow>`SELECT * FROM model_price_version WHERE model = ${key} ORDER BY id`)
    ).map(versionFromRow);
  /** Records `price` for `key` from `fromMs` on, cutting the versions it replaces (inside a publish). */
  const addVersion = async (exec: PgExec, key: string, fromMs: number | null, price: ModelPrice | null, reason: string) => {
    for (const c of closeBefore(await versionsOf(exec, key), fromMs))
      await sql`UPDATE model_price_version SET to_ms = ${c.toMs} WHERE id = ${c.id}`.execute(exec);
    await sql`INSERT INTO model_price_version (model, from_ms, to_ms, price, created_ms, reason)
      VALUES (${key}, ${fromMs}, NULL, ${price ? JSON.stringify(price) : null}, ${opts.now()}, ${reason})`.execute(exec);
  };

  const repo: PgPricesRepository = {
    refresh,
    lookupNow,
    priceAtNow,
    versionNow: () => version,
    async list() {
      await refresh(db);
      return [...prices.values()].sort((a, b) => a.model.localeCompare(b.model));
    },
    async get(model) {
      await refresh(db);
      return prices.get(model.toLowerCase());
    },
    async set(model, input) {
      return (await repo.apply(model, input)).price;
    },
    async apply(model, input, edit = {}) {
      let out: { price: ModelPrice; effectiveFrom: number | null; changed: boolean } | undefined;
      const key = model.toLowerCase();
      await publish(`manual:${model}`, async (trx, next) => {
        const previous = next.get(key);
        const now = opts.now();
        const p = manualPrice(previous, model, input, now);
        const effectiveFrom = edit.effectiveFrom === undefined ? defaultEffectiveFrom(previous, now) : edit.effectiveFrom;
        const changed = ratesDiffer(previous, p);
        await write(trx, p);
        if (changed) await addVersion(trx, key, effectiveFrom, p, `manual:${model}`);
        next.set(key, p);
        out = { price: p, effectiveFrom, changed };
      });
      return out!;
    },
    async versions(model) {
      return versionsOf(db, model.toLowerCase());
    },
    async priceAt(model, alias, ts) {
      await refresh(db);
      return priceAtNow(model, alias, ts);
    },
    async delete(model) {
      await refresh(db);
      if (!prices.has(model.toLowerCase())) return false;
      let had = false;
      await publish(`delete:${model}`, async (trx, next) => {
        had = next.delete(model.toLowerCase());
        await sql`DELETE FROM model_price WHERE lower(model) = ${model.toLowerCase()}`.execute(trx);
      });
      return had;
    },
    async currentVersion() {
      await refresh(db);
      return version;
    },
    async lookup(model, alias) {
      await refresh(db);
      return lookupNow(model, alias);
    },
    async sync(source, syncOpts = {}) {
      const file = parsePriceFile(await loadPriceSource(source));
      const targets = syncOpts.models ?? (await opts.knownModels());
      const { pairs, report } = matchPriceTargets(file, targets, version, syncOpts.select);
      const now = opts.now();
      await publish('sync:litellm', async (trx, next) => {
        const updates = syncedPrices(pairs, (m) => next.get(m), now, report);
        if (updates.length === 0) throw new NothingToPublish();
        const changes: { model: string; effectiveFrom: number | null }[] = [];
        report.changes = changes;
        for (const p of updates) {
          const key = p.model.toLowerCase();
          const previous = next.get(key);
          await write(trx, p);
          if (ratesDiffer(previous, p)) {
            const from = syncOpts.effectiveFrom === undefined ? defaultEffectiveFrom(previous, now) : syncOpts.effectiveFrom;
            await addVersion(trx, key, from, p, 'sync');
            changes.push({ model: p.model, effectiveFrom: from });
          }
          next.set(key, p);
        }
      }).catch((e: unknown) => {
        if (!(e instanceof NothingToPublish)) throw e;
      });
      report.version = version;
      return report;
    },
  };
  return repo;
}

/** Rolls back a publish that changed nothing (no new price version). */
class NothingToPublish extends Error {}
