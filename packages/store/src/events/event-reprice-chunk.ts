// Re-pricing in small steps: one short transaction over an id range of events, only the models a price
// change touches, with rollups adjusted by the cost difference (never rebuilt: rollups outlive raw events
// after retention) and the column cache updated in place. The server's job runner calls it in a loop,
// so views keep answering between chunks. The rollup differences are summed over the whole job and written in
// slices (reprice-pending.ts); the job is done when the last of them is written.
import type Database from 'better-sqlite3';
import { bumpCacheEpoch } from '../analytics/cache-snapshot';
import type { ColumnCache } from '../analytics/column-cache';
import type { DictionaryCache } from '../dictionary/dictionary-cache';
import { modelNameCandidates } from '../prices/model-match';
import type { PricesRepository } from '../prices/prices.repository';
import type { StoreLogger } from '../types';
import { readFoldMarks } from '../rollups/fold-sqlite';
import { FLAG_FAILED, statusClass } from './event-flags';
import { repricedFlags } from './event-insert-plan';
import { computeCost, type CostInput } from '../prices/cost';
import type { FoldEventKey } from '../rollups/fold-tier';
import { PENDING_CAP, RepricePending } from './reprice-pending';

export interface RepriceChunkRequest {
  /** Price entries (model names) whose events to re-price; null: every model. */
  models: string[] | null;
  /** Events at or after this time (null: since the beginning). */
  fromMs: number | null;
  /** Events before this time (null: up to now and later). */
  toMs?: number | null;
  /** Continue after this event id (0 on the first chunk). */
  afterId: number;
  /** Event ids covered by one chunk (default 20,000). */
  span?: number;
}

export interface RepriceChunkResult {
  /** Pass back as afterId; when done, the highest id looked at. */
  lastId: number;
  /** Highest event id when this chunk ran (the progress total). */
  maxId: number;
  /** Events of the selected models in the chunk. */
  matched: number;
  /** Events whose stored cost or price flags changed. */
  updated: number;
  /** Matched events still without a price. */
  missingPrice: number;
  done: boolean;
}

/** The chunk SELECT's columns (raw rows: an array per row costs half as much as an object at 1M rows). */
const COLS = `id, ts, model_id, alias_id, provider_id, tier_id, resp_tier_id, key_id, account_id, status, flags,
    upstream_id, input, cache_read, cache_creation, output, reasoning, unclassified, cost`;
const enum C {
  id,
  ts,
  model,
  alias,
  provider,
  tier,
  respTier,
  key,
  account,
  status,
  flags,
  upstream,
  input,
  cacheRead,
  cacheCreation,
  output,
  reasoning,
  unclassified,
  cost,
}
type Row = (number | null)[];

/** A chunk's share of the pending rollup rows: written for about as long as its events took (≥ this, ms). */
const FLUSH_MIN_MS = 8;

/** The chunker and what the store needs besides it (see reprice-pending.ts). */
export interface RepriceChunker {
  (req: RepriceChunkRequest): RepriceChunkResult;
  /** Writes every pending rollup delta now (before a full rebuild, at close). */
  flushAll(): void;
  /**
   * Writes every pending delta when no chunk ran for REPRICE_IDLE_MS (a cancelled job leaves them; the store's
   * background fold tick calls this). Returns whether anything was written.
   */
  flushIfIdle(nowMs: number): boolean;
}

/** No chunk for this long: the job is gone (cancelled or failed), its pending deltas are written at once. */
export const REPRICE_IDLE_MS = 30_000;

export function createRepriceChunker(deps: {
  writer: Database.Database;
  dict: DictionaryCache;
  prices: PricesRepository;
  cache: ColumnCache;
  assertOpen: () => void;
  /** The store's clock (idle detection). */
  now?: () => number;
  logger?: StoreLogger;
}): RepriceChunker {
  const { writer, dict, prices, cache } = deps;
  const maxIdStmt = writer.prepare('SELECT coalesce(max(id), 0) FROM events').pluck();
  const update = writer.prepare('UPDATE events SET cost = ?, price_ver = ?, flags = ? WHERE id = ?');
  // The rollup deltas, summed over the job and written in slices (reprice-pending.ts).
  const pending = new RepricePending(writer);
  const repaired = pending.repairAfterCrash();
  if (repaired)
    deps.logger?.warn(
      { from: new Date(repaired.from).toISOString(), to: new Date(repaired.to).toISOString() },
      'store: rollups rebuilt from raw events over the range of a re-pricing that stopped before writing its totals',
    );
  // The chunk SELECT, prepared once per distinct text (one job asks the same text chunk after chunk).
  const selects = new Map<string, Database.Statement>();
  const select = (text: string): Database.Statement => {
    let st = selects.get(text);
    if (!st) {
      if (selects.size > 16) selects.clear();
      st = writer.prepare(text).raw(true);
      selects.set(text, st);
    }
    return st;
  };

  /** Dictionary ids of the model names that resolve to one of `models` (a price key matches its name variants). */
  let memo: { key: string; size: number; ids: number[] } | null = null;
  const modelIds = (models: string[]): number[] => {
    const entries = dict.entries('model');
    const key = models.join('\u0000');
    // Every chunk of one job asks the same: resolve again only when the dictionary grew.
    if (memo && memo.key === key && memo.size === entries.length) return memo.ids;
    const keys = new Set(models.map((m) => m.toLowerCase()));
    const ids = entries
      .filter((m) => m.name !== '' && modelNameCandidates(m.name).some((c) => keys.has(c)))
      .map((m) => m.id);
    memo = { key, size: entries.length, ids };
    return ids;
  };

  const clock = deps.now ?? Date.now;
  let lastCall = -Infinity;
  const chunk = (req: RepriceChunkRequest): RepriceChunkResult => {
    deps.assertOpen();
    lastCall = clock();
    const t0 = performance.now();
    const span = req.span ?? 20_000;
    const maxId = maxIdStmt.get() as number;
    // Past the last event: the job's remaining rollup rows, a slice per call; done when none is left.
    const empty = (lastId: number): RepriceChunkResult => ({
      lastId,
      maxId,
      matched: 0,
      updated: 0,
      missingPrice: 0,
      done: pending.flush(t0 + FLUSH_MIN_MS * 2),
    });
    if (req.afterId >= maxId) return empty(req.afterId);
    const where = ['id > ?', 'id <= ?'];
    const params: number[] = [req.afterId, req.afterId + span];
    if (req.fromMs !== null) {
      where.push('ts >= ?');
      params.push(req.fromMs);
    }
    if (req.toMs !== undefined && req.toMs !== null) {
      where.push('ts < ?');
      params.push(req.toMs);
    }
    if (req.models) {
      const ids = modelIds(req.models);
      if (ids.length === 0) return empty(maxId);
      const list = ids.join(', '); // dictionary ids: integers from our own table
      where.push(`(model_id IN (${list}) OR alias_id IN (${list}))`);
    }
    const rows = select(`SELECT ${COLS} FROM events WHERE ${where.join(' AND ')}`).all(...params) as Row[];
    const version = prices.currentVersion();
    const changed: number[] = [];
    let updated = 0;
    let missingPrice = 0;
    // One cost input and one rollup key for every row of the chunk (no objects per row).
    const input: CostInput = {
      provider: '',
      serviceTier: '',
      responseServiceTier: '',
      inputTokens: 0,
      cacheReadTokens: 0,
      cacheCreationTokens: 0,
      outputTokens: 0,
      reasoningTokens: 0,
      unclassifiedTokens: 0,
    };
    const ev: FoldEventKey = {
      ts: 0,
      key_id: 0,
      account_id: 0,
      model_id: 0,
      provider_id: 0,
      upstream_id: 0,
      sclass: 0,
    };
    writer.transaction(() => {
      // The deferred tiers hold only events below their watermark (the fold reads the others' new cost).
      const marks = readFoldMarks(writer);
      for (const r of rows) {
        const ts = r[C.ts] as number;
        input.provider = dict.name('provider', r[C.provider] as number);
        input.serviceTier = dict.name('label', r[C.tier] as number);
        input.responseServiceTier = dict.name('label', r[C.respTier] as number);
        input.inputTokens = r[C.input] as number;
        input.cacheReadTokens = r[C.cacheRead] as number;
        input.cacheCreationTokens = r[C.cacheCreation] as number;
        input.outputTokens = r[C.output] as number;
        input.reasoningTokens = r[C.reasoning] as number;
        input.unclassifiedTokens = r[C.unclassified] as number;
        const cost = computeCost(
          input,
          prices.priceAt(dict.name('model', r[C.model] as number), dict.name('model', r[C.alias] as number), ts),
        );
        if (cost.missing) missingPrice++;
        const oldFlags = r[C.flags] as number;
        const oldCost = r[C.cost] as number | null;
        const flags = repricedFlags(oldFlags, cost);
        if (cost.costMicros === oldCost && flags === oldFlags) continue;
        const id = r[C.id] as number;
        update.run(cost.costMicros, version, flags, id);
        const dCost = (cost.costMicros ?? 0) - (oldCost ?? 0);
        const dUnpriced = (cost.costMicros === null ? 1 : 0) - (oldCost === null ? 1 : 0);
        if (dCost !== 0 || dUnpriced !== 0) {
          ev.ts = ts;
          ev.key_id = r[C.key] as number;
          ev.account_id = r[C.account] as number;
          ev.model_id = r[C.model] as number;
          ev.provider_id = r[C.provider] as number;
          ev.upstream_id = r[C.upstream] as number;
          ev.sclass = statusClass((oldFlags & FLAG_FAILED) !== 0, r[C.status] as number);
          pending.add(ev, marks, dCost, dUnpriced);
        }
        changed.push(id, cost.costMicros ?? NaN, flags);
        updated++;
      }
      // Cached costs changed: a column-cache snapshot taken before this no longer matches.
      if (updated) {
        pending.mark(Date.now());
        bumpCacheEpoch(writer, Date.now());
      }
    })();
    if (updated) {
      if (cache.loadState === 'warming') {
        cache.invalidate();
        void cache.warmUp();
      } else {
        for (let i = 0; i < changed.length; i += 3) {
          const c = changed[i + 1]!;
          cache.updateCost(changed[i]!, Number.isNaN(c) ? null : c, changed[i + 2]!);
        }
      }
    }
    const lastId = Math.min(req.afterId + span, maxId);
    const read = lastId >= maxId;
    // Past the cap (then until the queue is written) or at the end, rows are written for about as long as the
    // events took.
    if (read || pending.draining || pending.size > PENDING_CAP) {
      const now = performance.now();
      pending.flush(now + Math.max(FLUSH_MIN_MS, now - t0));
    }
    return { lastId, maxId, matched: rows.length, updated, missingPrice, done: read && pending.empty };
  };
  return Object.assign(chunk, {
    flushAll: () => void pending.flush(),
    flushIfIdle: (nowMs: number) => {
      if (pending.empty || nowMs - lastCall < REPRICE_IDLE_MS) return false;
      pending.flush();
      return true;
    },
  });
}
