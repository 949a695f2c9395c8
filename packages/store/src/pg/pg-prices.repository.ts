import { readFile } from 'node:fs/promises';
import { sql } from 'kysely';
import { StoreError } from '../errors';
import type { ModelPrice, ServiceTier, TierRates } from '../prices/cost';
import { indexLiteLlm, matchLiteLlm, parseLiteLlm } from '../prices/litellm';
import { modelNameCandidates } from '../prices/model-match';
import type { PriceSource, PriceSyncReport } from '../prices/prices.repository';
import type { AsyncPricesRepository } from './async-repositories';
import { rows, type PgDb, type PgExec } from './pg-connection';

interface Row {
  model: string;
  input: number | null;
  output: number | null;
  cache_read: number | null;
  cache_creation: number | null;
  reasoning: number | null;
  input_above_200k: number | null;
  output_above_200k: number | null;
  cache_read_above_200k: number | null;
  cache_creation_above_200k: number | null;
  priority_multiplier: number | null;
  flex_multiplier: number | null;
  batch_multiplier: number | null;
  tier_prices: string | null;
  per_request_fee: number | null;
  source: string;
  source_model_id: string | null;
  manual: boolean;
  updated_ms: number;
}

const fromRow = (r: Row): ModelPrice => ({
  model: r.model,
  input: r.input,
  output: r.output,
  cacheRead: r.cache_read,
  cacheCreation: r.cache_creation,
  reasoning: r.reasoning,
  inputAbove200k: r.input_above_200k,
  outputAbove200k: r.output_above_200k,
  cacheReadAbove200k: r.cache_read_above_200k,
  cacheCreationAbove200k: r.cache_creation_above_200k,
  priorityMultiplier: r.priority_multiplier,
  flexMultiplier: r.flex_multiplier,
  batchMultiplier: r.batch_multiplier,
  tierPrices: r.tier_prices ? (JSON.parse(r.tier_prices) as Partial<Record<ServiceTier, TierRates>>) : null,
  perRequestFee: r.per_request_fee,
  source: r.source,
  sourceModelId: r.source_model_id,
  manual: r.manual,
  updatedMs: r.updated_ms,
});

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

const emptyPrice = (model: string): ModelPrice => ({
  model,
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
  source: 'manual',
  sourceModelId: null,
  manual: true,
  updatedMs: 0,
});

/** The Postgres prices repository plus what the insert path needs synchronously. */
export interface PgPricesRepository extends AsyncPricesRepository {
  /** Reloads the table when another process published a newer price version. */
  refresh(exec: PgExec): Promise<void>;
  /** From memory; call refresh() first in the transaction that uses it. */
  lookupNow(model: string, alias: string): ModelPrice | undefined;
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
  const lookupCache = new Map<string, ModelPrice | null>();
  let version = 0;

  const latest = async (exec: PgExec) =>
    (await rows(exec, sql<{ v: number | null }>`SELECT max(id) AS v FROM price_version`))[0]?.v ?? 0;

  const load = async (exec: PgExec) => {
    const all = await rows(exec, sql<Row>`SELECT * FROM model_price`);
    prices.clear();
    lookupCache.clear();
    for (const r of all) prices.set(r.model.toLowerCase(), fromRow(r));
    version = await latest(exec);
  };

  const refresh = async (exec: PgExec) => {
    if ((await latest(exec)) !== version) await load(exec);
  };

  const write = async (exec: PgExec, p: ModelPrice) => {
    await sql`INSERT INTO model_price (model, input, output, cache_read, cache_creation, reasoning,
        input_above_200k, output_above_200k, cache_read_above_200k, cache_creation_above_200k,
        priority_multiplier, flex_multiplier, batch_multiplier, tier_prices, per_request_fee,
        source, source_model_id, manual, updated_ms)
      VALUES (${p.model}, ${p.input}, ${p.output}, ${p.cacheRead}, ${p.cacheCreation}, ${p.reasoning},
        ${p.inputAbove200k}, ${p.outputAbove200k}, ${p.cacheReadAbove200k}, ${p.cacheCreationAbove200k},
        ${p.priorityMultiplier}, ${p.flexMultiplier}, ${p.batchMultiplier},
        ${p.tierPrices ? JSON.stringify(p.tierPrices) : null}, ${p.perRequestFee},
        ${p.source}, ${p.sourceModelId}, ${p.manual}, ${p.updatedMs})
      ON CONFLICT (model) DO UPDATE SET input = excluded.input, output = excluded.output,
        cache_read = excluded.cache_read, cache_creation = excluded.cache_creation, reasoning = excluded.reasoning,
        input_above_200k = excluded.input_above_200k, output_above_200k = excluded.output_above_200k,
        cache_read_above_200k = excluded.cache_read_above_200k,
        cache_creation_above_200k = excluded.cache_creation_above_200k,
        priority_multiplier = excluded.priority_multiplier, flex_multiplier = excluded.flex_multiplier,
        batch_multiplier = excluded.batch_multiplier, tier_prices = excluded.tier_prices,
        per_request_fee = excluded.per_request_fee, source = excluded.source,
        source_model_id = excluded.source_model_id, manual = excluded.manual, updated_ms = excluded.updated_ms`.execute(
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
        return { next, id: r[0]!.id };
      });
      // Memory follows only a committed transaction.
      prices.clear();
      for (const [k, v] of done.next) prices.set(k, v);
      lookupCache.clear();
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

  const lookupNow = (model: string, alias: string): ModelPrice | undefined => {
    const ck = `${model}\u0000${alias}`;
    const hit = lookupCache.get(ck);
    if (hit !== undefined) return hit ?? undefined;
    let found: ModelPrice | undefined;
    outer: for (const name of [model, alias]) {
      if (!name) continue;
      for (const n of modelNameCandidates(name)) {
        found = prices.get(n);
        if (found) break outer;
      }
    }
    lookupCache.set(ck, found ?? null);
    return found;
  };

  const repo: PgPricesRepository = {
    refresh,
    lookupNow,
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
      let out: ModelPrice | undefined;
      await publish(`manual:${model}`, async (trx, next) => {
        const base = next.get(model.toLowerCase()) ?? emptyPrice(model);
        const p: ModelPrice = { ...base, source: 'manual', manual: true, updatedMs: opts.now() };
        for (const [k, v] of Object.entries(input)) {
          if (k === 'tierPrices') p.tierPrices = (v as ModelPrice['tierPrices']) ?? null;
          else if (k in base) (p as unknown as Record<string, unknown>)[k] = validRate(k, v);
        }
        await write(trx, p);
        next.set(model.toLowerCase(), p);
        out = p;
      });
      return out!;
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
      const { entries, skipped } = parseLiteLlm(await loadPriceSource(source));
      if (entries.length === 0) {
        throw new StoreError(
          'price_source_failed',
          'The price file has no usable LiteLLM entries; check that it is model_prices_and_context_window.json.',
        );
      }
      const index = indexLiteLlm(entries);
      const targets = syncOpts.models ?? (await opts.knownModels());
      const report: PriceSyncReport = {
        version,
        matched: [],
        unmatched: [],
        preservedManual: [],
        skippedEntries: skipped,
      };
      const pairs: [string, (typeof entries)[number]][] = [];
      if (targets.length === 0) for (const e of entries) pairs.push([e.key, e]);
      else
        for (const m of targets) {
          const e = matchLiteLlm(index, m);
          if (e) pairs.push([m, e]);
          else report.unmatched.push(m);
        }
      const now = opts.now();
      await publish('sync:litellm', async (trx, next) => {
        let changed = 0;
        for (const [model, e] of pairs) {
          if (next.get(model.toLowerCase())?.manual) {
            report.preservedManual.push(model);
            continue;
          }
          const p: ModelPrice = { ...e.price, model, manual: false, updatedMs: now };
          await write(trx, p);
          next.set(model.toLowerCase(), p);
          report.matched.push({ model, sourceModelId: e.key });
          changed++;
        }
        if (changed === 0) throw new NothingToPublish();
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

async function loadPriceSource(source: PriceSource): Promise<unknown> {
  try {
    if ('json' in source) return typeof source.json === 'string' ? JSON.parse(source.json) : source.json;
    if ('file' in source) return JSON.parse(await readFile(source.file, 'utf8'));
    const res = await fetch(source.url, { signal: AbortSignal.timeout(source.timeoutMs ?? 30_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return await res.json();
  } catch (cause) {
    const where = 'json' in source ? 'the given JSON' : 'file' in source ? source.file : source.url;
    throw new StoreError(
      'price_source_failed',
      `Could not read prices from ${where}: ${(cause as Error).message}. Offline? Download model_prices_and_context_window.json and sync from the file.`,
      { cause },
    );
  }
}
