// Re-pricing in small steps: one short transaction over an id range of events, only the models a price
// change touches, with rollups adjusted by the cost difference (never rebuilt: rollups outlive raw events
// after retention) and the column cache updated in place. The server's job runner calls it in a loop,
// so views keep answering between chunks.
import type Database from 'better-sqlite3';
import { bumpCacheEpoch } from '../analytics/cache-snapshot';
import type { ColumnCache } from '../analytics/column-cache';
import type { DictionaryCache } from '../dictionary/dictionary-cache';
import { modelNameCandidates } from '../prices/model-match';
import type { PricesRepository } from '../prices/prices.repository';
import { DAY_MS, HOUR_MS } from '../rollups/rollup-batch';
import { zoneRepriceDeltas, zoneRepriceStatements } from '../rollups/zone-rollups';
import { foldRepriceDeltas } from '../rollups/fold-sqlite';
import { FLAG_FAILED, statusClass } from './event-flags';
import { repricedFlags } from './event-insert-plan';
import { repriceCost, type RepriceTokens } from './event-reprice';

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

interface Row extends RepriceTokens {
  id: number;
  ts: number;
  model_id: number;
  alias_id: number;
  provider_id: number;
  tier_id: number;
  resp_tier_id: number;
  key_id: number;
  account_id: number;
  status: number;
  flags: number;
  cost: number | null;
}

export function createRepriceChunker(deps: {
  writer: Database.Database;
  dict: DictionaryCache;
  prices: PricesRepository;
  cache: ColumnCache;
  assertOpen: () => void;
}): (req: RepriceChunkRequest) => RepriceChunkResult {
  const { writer, dict, prices, cache } = deps;
  const maxIdStmt = writer.prepare('SELECT coalesce(max(id), 0) FROM events').pluck();
  const update = writer.prepare('UPDATE events SET cost = ?, price_ver = ?, flags = ? WHERE id = ?');
  const delta = (table: string, keys: string) =>
    writer.prepare(`UPDATE ${table} SET cost = cost + ?, unpriced = unpriced + ? WHERE ${keys}`);
  const hourDelta = delta('rollup_hour', 'hour = ? AND model_id = ? AND provider_id = ? AND sclass = ?');
  const dayDelta = delta('rollup_day', 'day = ? AND model_id = ? AND provider_id = ? AND sclass = ?');
  const dayKeyDelta = delta('rollup_day_key', 'day = ? AND key_id = ? AND sclass = ?');
  const dayAccountDelta = delta('rollup_day_account', 'day = ? AND account_id = ? AND sclass = ?');
  const zoneStmts = zoneRepriceStatements(writer);
  const COLS = `id, ts, model_id, alias_id, provider_id, tier_id, resp_tier_id, key_id, account_id, status, flags,
    input, cache_read, cache_creation, output, reasoning, unclassified, cost`;

  /** Dictionary ids of the model names that resolve to one of `models` (a price key matches its name variants). */
  let memo: { key: string; size: number; ids: number[] } | null = null;
  const modelIds = (models: string[]): number[] => {
    const entries = dict.entries('model');
    const key = models.join('\u0000');
    // Every chunk of one job asks the same: resolve again only when the dictionary grew.
    if (memo && memo.key === key && memo.size === entries.length) return memo.ids;
    const keys = new Set(models.map((m) => m.toLowerCase()));
    const ids = entries.filter((m) => m.name !== '' && modelNameCandidates(m.name).some((c) => keys.has(c))).map((m) => m.id);
    memo = { key, size: entries.length, ids };
    return ids;
  };

  return (req) => {
    deps.assertOpen();
    const span = req.span ?? 20_000;
    const maxId = maxIdStmt.get() as number;
    const empty = (lastId: number): RepriceChunkResult => ({
      lastId,
      maxId,
      matched: 0,
      updated: 0,
      missingPrice: 0,
      done: true,
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
    const rows = writer
      .prepare(`SELECT ${COLS} FROM events WHERE ${where.join(' AND ')}`)
      .all(...params) as Row[];
    const version = prices.currentVersion();
    const changed: number[] = [];
    // Rollup deltas summed per rollup row first: one UPDATE per touched row, not three per event.
    const deltas = new Map<string, [number, number]>();
    const zoneDeltas = zoneRepriceDeltas(zoneStmts);
    // The deferred tiers hold only events below their watermark (the fold reads the others' new cost).
    const foldDeltas = foldRepriceDeltas(writer);
    const addDelta = (k: string, dCost: number, dUnpriced: number) => {
      const d = deltas.get(k);
      if (d) {
        d[0] += dCost;
        d[1] += dUnpriced;
      } else deltas.set(k, [dCost, dUnpriced]);
    };
    let updated = 0;
    let missingPrice = 0;
    writer.transaction(() => {
      for (const r of rows) {
        const cost = repriceCost(
          {
            provider: dict.name('provider', r.provider_id),
            serviceTier: dict.name('label', r.tier_id),
            responseServiceTier: dict.name('label', r.resp_tier_id),
          },
          r,
          prices.priceAt(dict.name('model', r.model_id), dict.name('model', r.alias_id), r.ts),
        );
        if (cost.missing) missingPrice++;
        const flags = repricedFlags(r.flags, cost);
        if (cost.costMicros === r.cost && flags === r.flags) continue;
        update.run(cost.costMicros, version, flags, r.id);
        const dCost = (cost.costMicros ?? 0) - (r.cost ?? 0);
        const dUnpriced = (cost.costMicros === null ? 1 : 0) - (r.cost === null ? 1 : 0);
        const sclass = statusClass((r.flags & FLAG_FAILED) !== 0, r.status);
        const hour = Math.floor(r.ts / HOUR_MS);
        const day = Math.floor(r.ts / DAY_MS);
        addDelta(`h|${hour}|${r.model_id}|${r.provider_id}|${sclass}`, dCost, dUnpriced);
        addDelta(`d|${day}|${r.model_id}|${r.provider_id}|${sclass}`, dCost, dUnpriced);
        addDelta(`k|${day}|${r.key_id}|${sclass}`, dCost, dUnpriced);
        addDelta(`a|${day}|${r.account_id}|${sclass}`, dCost, dUnpriced);
        zoneDeltas.add(r, sclass, dCost, dUnpriced);
        foldDeltas.add({ ...r, sclass }, dCost, dUnpriced);
        changed.push(r.id, cost.costMicros ?? NaN, flags);
        updated++;
      }
      for (const [k, [dCost, dUnpriced]] of deltas) {
        const [kind, ...parts] = k.split('|');
        const keys = parts.map(Number);
        const stmt = kind === 'h' ? hourDelta : kind === 'd' ? dayDelta : kind === 'k' ? dayKeyDelta : dayAccountDelta;
        stmt.run(dCost, dUnpriced, ...keys);
      }
      zoneDeltas.flush();
      foldDeltas.flush();
      // Cached costs changed: a column-cache snapshot taken before this no longer matches.
      if (updated) bumpCacheEpoch(writer, Date.now());
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
    return { lastId, maxId, matched: rows.length, updated, missingPrice, done: lastId >= maxId };
  };
}
