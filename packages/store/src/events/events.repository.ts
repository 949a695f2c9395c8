import { batchPairs } from '../analytics/account-cpas';
import type Database from 'better-sqlite3';
import type { ColumnCache, CacheRow } from '../analytics/column-cache';
import {
  DIM_COLUMN,
  FILTER_DIMS,
  filterNames,
  findIds,
  idFilter,
  type NameFilter,
} from '../analytics/analytics-filter';
import { listFromCache } from '../analytics/cache-list';
import { upstreamIndexTerm } from '../analytics/upstream-index';
import { bumpCacheEpoch } from '../analytics/cache-snapshot';
import type { DictionaryCache } from '../dictionary/dictionary-cache';
import { StoreError, isStoreError } from '../errors';
import { computeCost } from '../prices/cost';
import type { PricesRepository } from '../prices/prices.repository';
import type { RollupContribution } from '../rollups/rollup-batch';
import { RollupWriter, rebuildRollups } from '../rollups/rollup-writer';
import type { InsertResult, StoreLogger, StoredEvent, UsageEventInput } from '../types';
import { EVENT_COLUMNS, eventColumnValues } from './event-columns';
import { eventDictIds } from './event-dictionary-fields';
import { assertEvent, decodeEvent, dedupBytes, type EventRow } from './event-codec';
import { outcomeSql } from './event-flags';
import { encodeEvent, eventSummary, repricedFlags, rollupContribution } from './event-insert-plan';
import { EXTRA_COLUMNS, EXTRA_JOIN } from './header-codec';
import { createHeaderSets } from './header-sets';
import { decodeCursor, encodeCursor, pageLimit, searchTerms } from './event-list-query';
import { repriceCost, type RepriceTokens } from './event-reprice';
import {
  createRepriceChunker,
  type RepriceChunkRequest,
  type RepriceChunkResult,
} from './event-reprice-chunk';
import { eventTokens } from './event-tokens';

export interface EventListFilter {
  from?: number;
  to?: number;
  apiKeyHash?: string | string[];
  authIndex?: string | string[];
  model?: string | string[];
  provider?: string | string[];
  /** The CPA (upstream name) events came from. */
  upstream?: string | string[];
  status?: 'success' | 'failure' | number;
  minLatencyMs?: number;
  /** Matches request ids (hex prefix) and model / alias names (substring, case-insensitive). */
  search?: string;
}

export interface EventPage {
  events: StoredEvent[];
  /** Pass back as `cursor` for the next (older) page; null at the end. */
  nextCursor: string | null;
}

export interface EventsRepository {
  insertBatch(events: readonly UsageEventInput[]): InsertResult;
  list(filter: EventListFilter, page?: { limit?: number; cursor?: string | null }): EventPage;
  get(id: number): StoredEvent | undefined;
  count(): number;
  /** Re-computes cost with the current prices for events in [from, to) and rebuilds their rollups. */
  repriceRange(range: { from: number; to: number }): {
    updated: number;
    missingPrice: number;
    version: number;
  };
  onInserted(listener: (events: readonly StoredEventSummary[]) => void): () => void;
  /** One step of a per-model re-price (a short transaction); call again with `afterId = lastId` until done. */
  repriceChunk(req: RepriceChunkRequest): RepriceChunkResult;
  /** Writes the rollup deltas re-pricing still holds (reprice-pending.ts); the store calls it at close. */
  flushRepricing(): void;
  /** The same once no re-pricing chunk ran for a while (a cancelled job); the store's fold tick calls it. */
  flushRepricingIfIdle(nowMs: number): boolean;
}

export interface StoredEventSummary {
  id: number;
  timestampMs: number;
  model: string;
  failed: boolean;
  costMicros: number | null;
}

interface RepriceRow extends RepriceTokens {
  id: number;
  ts: number;
  model_id: number;
  alias_id: number;
  provider_id: number;
  tier_id: number;
  resp_tier_id: number;
  flags: number;
}

const COLS = EVENT_COLUMNS.join(', ');

/** `?, ?, …`: one bound parameter per value (ids are bound, never written into the SQL). */
export const placeholders = (values: readonly unknown[]): string => values.map(() => '?').join(', ');

export function createEventsRepository(deps: {
  writer: Database.Database;
  reader: () => Database.Database;
  dict: DictionaryCache;
  prices: PricesRepository;
  cache: ColumnCache;
  assertOpen: () => void;
  useCache: () => boolean;
  /** The store's clock (re-pricing's idle flush). */
  now?: () => number;
  logger?: StoreLogger;
}): EventsRepository {
  const { writer, dict, prices, cache } = deps;
  const insert = writer.prepare(
    `INSERT OR IGNORE INTO events (${COLS}) VALUES (${placeholders(EVENT_COLUMNS)})`,
  );
  const insertExtra = writer.prepare(
    'INSERT INTO event_extra (event_id, fail_body, headers, hset) VALUES (?, ?, ?, ?)',
  );
  const storedHeaders = createHeaderSets(writer);
  const rollups = new RollupWriter(writer);
  const repriceChunk = createRepriceChunker({
    writer,
    dict,
    prices,
    cache,
    assertOpen: deps.assertOpen,
    ...(deps.now ? { now: deps.now } : {}),
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
  // Which CPAs each account has events on (analytics/account-cpas.ts): the batch's distinct pairs.
  const insertPair = writer.prepare(
    'INSERT OR IGNORE INTO account_upstream (account_id, upstream_id) VALUES (?, ?)',
  );
  const listeners = new Set<(events: readonly StoredEventSummary[]) => void>();

  const dictId = dict.id.bind(dict);
  const insertTx = writer.transaction((events: readonly UsageEventInput[]) => {
    const contributions: RollupContribution[] = [];
    const cacheRows: CacheRow[] = [];
    const summaries: StoredEventSummary[] = [];
    const version = prices.currentVersion();
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      assertEvent(e, i);
      // The price in effect at the event's time: an import of old events gets the version of its day.
      const cost = computeCost(e, prices.priceAt(e.model, e.alias, e.timestampMs));
      const enc = encodeEvent(e, cost);
      // Key, account, then the simple dictionaries: the order entries are created in decides new ids.
      const ids = eventDictIds(
        e,
        dict.keyId(e.apiKeyHash, e.apiKeyLabel),
        dict.accountId(e.authIndex, e.provider, e.source, e.timestampMs),
        dictId,
      );
      const res = insert.run(
        ...eventColumnValues(e, enc, ids, dedupBytes(e.dedupKey, e.timestampMs), version),
      );
      if (res.changes === 0) continue;
      const id = Number(res.lastInsertRowid);
      if (enc.extra) {
        const h = e.rateLimitHeaders && enc.extra.headers !== null ? storedHeaders(e.rateLimitHeaders) : null;
        insertExtra.run(id, enc.extra.failBody, h?.text ?? null, h?.hset ?? null);
      }
      contributions.push(rollupContribution(e, ids, enc.costMicros, enc.latBucket));
      cacheRows.push({
        id,
        req: enc.req,
        latency: e.latencyMs,
        ts: e.timestampMs,
        keyId: ids.keyId,
        accountId: ids.accountId,
        modelId: ids.modelId,
        providerId: ids.providerId,
        status: e.statusCode,
        flags: enc.flags,
        latBucket: enc.latBucket,
        ...eventTokens(e),
        cost: enc.costMicros,
        ttft: e.ttftMs,
        aliasId: ids.aliasId,
        endpointId: ids.endpointId,
        sourceId: ids.sourceId,
        executorId: ids.executorId,
        effortId: ids.effortId,
        tierId: ids.tierId,
        respTierId: ids.respTierId,
        upstreamId: ids.upstreamId,
      });
      if (listeners.size) summaries.push(eventSummary(id, e, cost.costMicros));
    }
    rollups.apply(contributions);
    for (const [a, u] of batchPairs(cacheRows)) insertPair.run(a, u);
    return { contributions, cacheRows, summaries };
  });

  /** The ids of the names a filter selects that exist (read paths never create entries). */
  const idsOf = (filter: NameFilter) => findIds(filterNames(filter), (dim, name) => dict.findId(dim, name));

  const decodeRows = (rows: EventRow[]) => rows.map((r) => decodeEvent(r, dict));

  const fetchByIds = (ids: number[]): StoredEvent[] => {
    if (ids.length === 0) return [];
    const rows = deps
      .reader()
      .prepare(
        `SELECT e.*, ${EXTRA_COLUMNS} FROM events e ${EXTRA_JOIN} WHERE e.id IN (${placeholders(ids)})`,
      )
      .all(...ids) as EventRow[];
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids
      .map((id) => byId.get(id))
      .filter((r): r is EventRow => !!r)
      .map((r) => decodeEvent(r, dict));
  };

  const listViaCache = (
    filter: EventListFilter,
    limit: number,
    cursor: { ts: number; id: number } | undefined,
  ): EventPage => {
    const f: Parameters<typeof listFromCache>[1]['filter'] = idFilter(idsOf(filter));
    if (filter.from !== undefined) f.from = filter.from;
    if (filter.to !== undefined) f.to = filter.to;
    if (filter.status !== undefined) f.status = filter.status;
    const terms = searchTerms(filter.search);
    let search: Parameters<typeof listFromCache>[1]['search'];
    if (terms) {
      search = {
        modelIds: dict
          .entries('model')
          .filter((x) => x.name.toLowerCase().includes(terms.lower))
          .map((x) => x.id),
        reqRange: terms.reqRange,
        ids: new Set(
          deps
            .reader()
            .prepare(
              'SELECT id FROM events INDEXED BY events_req_text WHERE req_text IS NOT NULL AND req_text LIKE ?',
            )
            .pluck()
            .all(`%${terms.text}%`) as number[],
        ),
      };
    }
    const hits = listFromCache(cache, {
      filter: f,
      ...(filter.minLatencyMs !== undefined ? { minLatencyMs: filter.minLatencyMs } : {}),
      ...(search ? { search } : {}),
      ...(cursor ? { cursor } : {}),
      limit,
    });
    const last = hits[hits.length - 1];
    return {
      events: fetchByIds(hits.map((h) => h.id)),
      nextCursor: hits.length === limit && last ? encodeCursor(last.ts, last.id) : null,
    };
  };

  const repo: EventsRepository = {
    insertBatch(events) {
      deps.assertOpen();
      if (events.length === 0) return { inserted: 0, duplicates: 0 };
      let out: ReturnType<typeof insertTx>;
      try {
        out = insertTx(events);
      } catch (cause) {
        dict.rollback();
        if (isStoreError(cause)) throw cause;
        throw new StoreError(
          'write_failed',
          `Writing a batch of ${events.length} events failed (${(cause as Error).message}); nothing of this batch was stored, retry it.`,
          { cause },
        );
      }
      dict.commit();
      cache.append(out.cacheRows);
      if (out.summaries.length) for (const l of listeners) l(out.summaries);
      return { inserted: out.contributions.length, duplicates: events.length - out.contributions.length };
    },

    list(filter, page = {}) {
      deps.assertOpen();
      const limit = pageLimit(page.limit);
      const where: string[] = [];
      const params: (number | string)[] = [];
      const add = (sql: string, ...p: (number | string)[]) => {
        where.push(sql);
        params.push(...p);
      };
      if (filter.from !== undefined) add('e.ts >= ?', filter.from);
      if (filter.to !== undefined) add('e.ts < ?', filter.to);
      const ids = idsOf(filter);
      for (const dim of FILTER_DIMS) {
        const list = ids[dim];
        if (list === undefined) continue;
        if (list.length === 0) where.push('0');
        else add(`e.${DIM_COLUMN[dim]} IN (${placeholders(list)})`, ...list);
      }
      const upTerm = upstreamIndexTerm('e.upstream_id', ids.upstream);
      if (upTerm) where.push(upTerm);
      if (filter.status === 'success' || filter.status === 'failure')
        where.push(outcomeSql(filter.status, { rollup: false, flags: 'e.flags' }));
      else if (typeof filter.status === 'number') add('e.status = ?', filter.status);
      if (filter.minLatencyMs !== undefined) add('e.latency >= ?', filter.minLatencyMs);
      const terms = searchTerms(filter.search);
      if (terms) {
        const ors: string[] = [];
        const models = dict
          .entries('model')
          .filter((m) => m.name.toLowerCase().includes(terms.lower))
          .map((m) => m.id);
        if (models.length) {
          ors.push(`e.model_id IN (${placeholders(models)})`);
          params.push(...models);
        }
        if (terms.reqRange) {
          ors.push('e.req BETWEEN ? AND ?');
          params.push(...terms.reqRange);
        }
        ors.push('e.req_text LIKE ?');
        params.push(`%${terms.text}%`);
        where.push(`(${ors.join(' OR ')})`);
      }
      let cursor: { ts: number; id: number } | undefined;
      if (page.cursor) {
        cursor = decodeCursor(page.cursor);
        // The plain range term lets SQLite seek the ts index; the OR alone would scan from the top.
        add('e.ts <= ? AND (e.ts < ? OR e.id < ?)', cursor.ts, cursor.ts, cursor.id);
      }
      if (deps.useCache() && cache.warm && cache.covers(filter.from))
        return listViaCache(filter, limit, cursor);
      const sql = `SELECT e.*, ${EXTRA_COLUMNS} FROM events e ${EXTRA_JOIN}
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY e.ts DESC, e.id DESC LIMIT ${limit}`;
      const rows = deps
        .reader()
        .prepare(sql)
        .all(...params) as EventRow[];
      const last = rows[rows.length - 1];
      return {
        events: decodeRows(rows),
        nextCursor: rows.length === limit && last ? encodeCursor(last.ts, last.id) : null,
      };
    },

    get(id) {
      const r = deps
        .reader()
        .prepare(`SELECT e.*, ${EXTRA_COLUMNS} FROM events e ${EXTRA_JOIN} WHERE e.id = ?`)
        .get(id) as EventRow | undefined;
      return r ? decodeEvent(r, dict) : undefined;
    },

    count() {
      return (deps.reader().prepare('SELECT count(*) AS c FROM events').get() as { c: number }).c;
    },

    repriceRange(range) {
      deps.assertOpen();
      // The rebuild below recomputes rollups from raw events: a chunked re-price's pending deltas go in first.
      repriceChunk.flushAll();
      const version = prices.currentVersion();
      const select = writer.prepare(
        `SELECT id, ts, model_id, alias_id, provider_id, tier_id, resp_tier_id, flags, input, cache_read, cache_creation,
           output, reasoning, unclassified FROM events WHERE ts >= ? AND ts < ? AND id > ? ORDER BY id LIMIT 5000`,
      );
      const update = writer.prepare('UPDATE events SET cost = ?, price_ver = ?, flags = ? WHERE id = ?');
      let updated = 0;
      let missingPrice = 0;
      let cursor = 0;
      const changed: number[] = []; // id, cost, flags triples for the column cache
      writer.transaction(() => {
        for (;;) {
          const rows = select.all(range.from, range.to, cursor) as RepriceRow[];
          if (rows.length === 0) break;
          for (const r of rows) {
            const model = dict.name('model', r.model_id);
            const cost = repriceCost(
              {
                provider: dict.name('provider', r.provider_id),
                serviceTier: dict.name('label', r.tier_id),
                responseServiceTier: dict.name('label', r.resp_tier_id),
              },
              r,
              // The price in force at the event's time, as on insert and in repriceChunk.
              prices.priceAt(model, dict.name('model', r.alias_id), r.ts),
            );
            const flags = repricedFlags(r.flags, cost);
            update.run(cost.costMicros, version, flags, r.id);
            changed.push(r.id, cost.costMicros ?? NaN, flags);
            updated++;
            if (cost.missing) missingPrice++;
          }
          cursor = rows[rows.length - 1]!.id;
        }
        rebuildRollups(writer, range.from, range.to);
        // Cached costs changed: a column-cache snapshot taken before this no longer matches.
        if (updated) bumpCacheEpoch(writer, Date.now());
      })();
      if (cache.loadState === 'warming') {
        cache.invalidate();
        void cache.warmUp();
      } else {
        // In place: the views keep answering from the cache.
        for (let i = 0; i < changed.length; i += 3) {
          const c = changed[i + 1]!;
          cache.updateCost(changed[i]!, Number.isNaN(c) ? null : c, changed[i + 2]!);
        }
      }
      return { updated, missingPrice, version };
    },

    onInserted(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    repriceChunk,

    flushRepricing: () => repriceChunk.flushAll(),

    flushRepricingIfIdle: (nowMs) => repriceChunk.flushIfIdle(nowMs),
  };
  return repo;
}
