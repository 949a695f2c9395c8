import { readFile } from 'node:fs/promises';
import type Database from 'better-sqlite3';
import { StoreError } from '../errors';
import type { ModelPrice, ServiceTier, TierRates } from './cost';
import { indexLiteLlm, matchLiteLlm, parseLiteLlm } from './litellm';
import { modelNameCandidates } from './model-match';

export type PriceInput = Partial<
  Omit<ModelPrice, 'model' | 'manual' | 'updatedMs' | 'source' | 'sourceModelId'>
>;

export type PriceSource = { url: string; timeoutMs?: number } | { file: string } | { json: unknown };

export interface PriceSyncReport {
  version: number;
  /** CPA model id → LiteLLM entry used. */
  matched: { model: string; sourceModelId: string }[];
  /** Target models with no entry in the file. */
  unmatched: string[];
  /** Manual prices left untouched. */
  preservedManual: string[];
  /** Entries in the file that were not usable (sample_spec, embeddings, no prices). */
  skippedEntries: number;
}

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
  manual: number;
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
  manual: r.manual === 1,
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

export function createPricesRepository(
  db: Database.Database,
  opts: { now: () => number; knownModels: () => string[]; onChange: () => void },
): PricesRepository {
  const prices = new Map<string, ModelPrice>();
  const lookupCache = new Map<string, ModelPrice | null>();
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
    lookupCache.clear();
    for (const r of db.prepare('SELECT * FROM model_price').all() as Row[])
      prices.set(r.model.toLowerCase(), fromRow(r));
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
    lookupCache.clear();
    opts.onChange();
  };

  const repo: PricesRepository = {
    list: () => [...prices.values()].sort((a, b) => a.model.localeCompare(b.model)),
    get: (model) => prices.get(model.toLowerCase()),
    set(model, input) {
      const cur = prices.get(model.toLowerCase());
      const base: ModelPrice = cur ?? {
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
      };
      const next: ModelPrice = { ...base, source: 'manual', manual: true, updatedMs: opts.now() };
      for (const [k, v] of Object.entries(input)) {
        if (k === 'tierPrices') next.tierPrices = (v as ModelPrice['tierPrices']) ?? null;
        else if (k in base) (next as unknown as Record<string, unknown>)[k] = validRate(k, v);
      }
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
    lookup(model, alias) {
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
    },
    async sync(source, syncOpts = {}) {
      const json = await loadSource(source);
      const { entries, skipped } = parseLiteLlm(json);
      if (entries.length === 0) {
        throw new StoreError(
          'price_source_failed',
          'The price file has no usable LiteLLM entries; check that it is model_prices_and_context_window.json.',
        );
      }
      const index = indexLiteLlm(entries);
      const targets = syncOpts.models ?? opts.knownModels();
      const report: PriceSyncReport = {
        version,
        matched: [],
        unmatched: [],
        preservedManual: [],
        skippedEntries: skipped,
      };
      const updates: ModelPrice[] = [];
      const now = opts.now();
      const pairs: [string, (typeof entries)[number]][] = [];
      if (targets.length === 0) {
        for (const e of entries) pairs.push([e.key, e]);
      } else {
        for (const m of targets) {
          const e = matchLiteLlm(index, m);
          if (e) pairs.push([m, e]);
          else report.unmatched.push(m);
        }
      }
      for (const [model, e] of pairs) {
        const cur = prices.get(model.toLowerCase());
        if (cur?.manual) {
          report.preservedManual.push(model);
          continue;
        }
        updates.push({ ...e.price, model, manual: false, updatedMs: now });
        report.matched.push({ model, sourceModelId: e.key });
      }
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

async function loadSource(source: PriceSource): Promise<unknown> {
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
