import type Database from 'better-sqlite3';
import type { ColumnCache, CacheRow } from '../analytics/column-cache';
import { listFromCache } from '../analytics/cache-list';
import { bumpCacheEpoch } from '../analytics/cache-snapshot';
import type { DictionaryCache } from '../dictionary/dictionary-cache';
import { StoreError, isStoreError } from '../errors';
import { computeCost } from '../prices/cost';
import type { PricesRepository } from '../prices/prices.repository';
import { RollupWriter, rebuildRollups, type RollupContribution } from '../rollups/rollup-writer';
import type { InsertResult, StoredEvent, UsageEventInput } from '../types';
import {
  FLAG_COST_ESTIMATED,
  FLAG_FAILED,
  FLAG_GENERATE,
  FLAG_HAS_EXTRA,
  FLAG_PRICE_MISSING,
  assertEvent,
  decodeEvent,
  dedupBytes,
  encodeRequestId,
  qualityFlags,
  statusClass,
  type EventRow,
} from './event-codec';
import { latencyBucket } from './latency-buckets';

export interface EventListFilter {
  from?: number;
  to?: number;
  apiKeyHash?: string | string[];
  authIndex?: string | string[];
  model?: string | string[];
  provider?: string | string[];
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
}

export interface StoredEventSummary {
  id: number;
  timestampMs: number;
  model: string;
  failed: boolean;
  costMicros: number | null;
}

const COLS = `ts, dedup, req, req_text, key_id, account_id, model_id, alias_id, provider_id, endpoint_id, executor_id,
  auth_type_id, source_id, ip_id, ua_id, effort_id, tier_id, resp_tier_id, status, flags, latency, ttft, lat_bucket,
  input, cache_read, cache_creation, output, reasoning, unclassified, cost, price_ver`;

export function createEventsRepository(deps: {
  writer: Database.Database;
  reader: () => Database.Database;
  dict: DictionaryCache;
  prices: PricesRepository;
  cache: ColumnCache;
  assertOpen: () => void;
  useCache: () => boolean;
}): EventsRepository {
  const { writer, dict, prices, cache } = deps;
  const insert = writer.prepare(
    `INSERT OR IGNORE INTO events (${COLS}) VALUES (${COLS.split(',')
      .map(() => '?')
      .join(',')})`,
  );
  const insertExtra = writer.prepare(
    'INSERT INTO event_extra (event_id, fail_body, headers) VALUES (?, ?, ?)',
  );
  const rollups = new RollupWriter(writer);
  const listeners = new Set<(events: readonly StoredEventSummary[]) => void>();

  const insertTx = writer.transaction((events: readonly UsageEventInput[]) => {
    const contributions: RollupContribution[] = [];
    const cacheRows: CacheRow[] = [];
    const summaries: StoredEventSummary[] = [];
    const version = prices.currentVersion();
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      assertEvent(e, i);
      const cost = computeCost(e, prices.lookup(e.model, e.alias));
      const [req, reqText] = encodeRequestId(e.requestId);
      const keyId = dict.keyId(e.apiKeyHash, e.apiKeyLabel);
      const accountId = dict.accountId(e.authIndex, e.provider, e.source, e.timestampMs);
      const modelId = dict.id('model', e.model);
      const aliasId = e.alias === e.model ? modelId : dict.id('model', e.alias);
      const providerId = dict.id('provider', e.provider);
      const hasExtra =
        e.failBody !== '' || (e.rateLimitHeaders !== undefined && Object.keys(e.rateLimitHeaders).length > 0);
      const flags =
        (e.failed ? FLAG_FAILED : 0) |
        (e.generate ? FLAG_GENERATE : 0) |
        qualityFlags(e.tokenQuality) |
        (cost.missing ? FLAG_PRICE_MISSING : 0) |
        (cost.estimated ? FLAG_COST_ESTIMATED : 0) |
        (hasExtra ? FLAG_HAS_EXTRA : 0);
      const latBucket = latencyBucket(e.latencyMs);
      const endpointId = dict.id('endpoint', e.endpoint);
      const executorId = dict.id('label', e.executorType);
      const sourceId = dict.id('label', e.source);
      const effortId = dict.id('label', e.reasoningEffort);
      const tierId = dict.id('label', e.serviceTier);
      const respTierId = dict.id('label', e.responseServiceTier);
      const res = insert.run(
        e.timestampMs,
        dedupBytes(e.dedupKey, e.timestampMs),
        req,
        reqText,
        keyId,
        accountId,
        modelId,
        aliasId,
        providerId,
        endpointId,
        executorId,
        dict.id('label', e.authType),
        sourceId,
        dict.id('client_ip', e.clientIp),
        dict.id('user_agent', e.userAgent),
        effortId,
        tierId,
        respTierId,
        e.statusCode,
        flags,
        e.latencyMs,
        e.ttftMs,
        latBucket,
        e.inputTokens,
        e.cacheReadTokens,
        e.cacheCreationTokens,
        e.outputTokens,
        e.reasoningTokens,
        e.unclassifiedTokens,
        cost.costMicros,
        version,
      );
      if (res.changes === 0) continue;
      const id = Number(res.lastInsertRowid);
      if (hasExtra) {
        insertExtra.run(
          id,
          e.failBody || null,
          e.rateLimitHeaders && Object.keys(e.rateLimitHeaders).length
            ? JSON.stringify(e.rateLimitHeaders)
            : null,
        );
      }
      contributions.push({
        ts: e.timestampMs,
        modelId,
        providerId,
        keyId,
        accountId,
        sclass: statusClass(e.failed, e.statusCode),
        failed: e.failed,
        input: e.inputTokens,
        cacheRead: e.cacheReadTokens,
        cacheCreation: e.cacheCreationTokens,
        output: e.outputTokens,
        reasoning: e.reasoningTokens,
        unclassified: e.unclassifiedTokens,
        cost: cost.costMicros,
        latency: e.latencyMs,
        latBucket,
      });
      cacheRows.push({
        id,
        req,
        latency: e.latencyMs,
        ts: e.timestampMs,
        keyId,
        accountId,
        modelId,
        providerId,
        status: e.statusCode,
        flags,
        latBucket,
        input: e.inputTokens,
        cacheRead: e.cacheReadTokens,
        cacheCreation: e.cacheCreationTokens,
        output: e.outputTokens,
        reasoning: e.reasoningTokens,
        unclassified: e.unclassifiedTokens,
        cost: cost.costMicros,
        ttft: e.ttftMs,
        aliasId,
        endpointId,
        sourceId,
        executorId,
        effortId,
        tierId,
        respTierId,
      });
      if (listeners.size)
        summaries.push({
          id,
          timestampMs: e.timestampMs,
          model: e.model,
          failed: e.failed,
          costMicros: cost.costMicros,
        });
    }
    rollups.apply(contributions);
    return { contributions, cacheRows, summaries };
  });

  const decodeRows = (rows: EventRow[]) => rows.map((r) => decodeEvent(r, dict));

  const fetchByIds = (ids: number[]): StoredEvent[] => {
    if (ids.length === 0) return [];
    const rows = deps
      .reader()
      .prepare(
        `SELECT e.*, x.fail_body, x.headers FROM events e LEFT JOIN event_extra x ON x.event_id = e.id WHERE e.id IN (${ids.join(',')})`,
      )
      .all() as EventRow[];
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
    const ids = (vals: string | string[] | undefined, find: (s: string) => number | undefined) =>
      vals === undefined
        ? undefined
        : (Array.isArray(vals) ? vals : [vals]).map(find).filter((x): x is number => x !== undefined);
    const f: Parameters<typeof listFromCache>[1]['filter'] = {};
    if (filter.from !== undefined) f.from = filter.from;
    if (filter.to !== undefined) f.to = filter.to;
    const k = ids(filter.apiKeyHash, (h) => dict.keyByHash(h)?.id);
    if (k) f.keyIds = k;
    const a = ids(filter.authIndex, (x) => dict.findAccount(x));
    if (a) f.accountIds = a;
    const m = ids(filter.model, (x) => dict.find('model', x));
    if (m) f.modelIds = m;
    const p = ids(filter.provider, (x) => dict.find('provider', x));
    if (p) f.providerIds = p;
    if (filter.status !== undefined) f.status = filter.status;
    const q = filter.search?.trim();
    let search: Parameters<typeof listFromCache>[1]['search'];
    if (q) {
      const lower = q.toLowerCase();
      search = {
        modelIds: dict
          .entries('model')
          .filter((x) => x.name.toLowerCase().includes(lower))
          .map((x) => x.id),
        reqRange: /^[0-9a-f]{1,8}$/i.test(q)
          ? [parseInt(q.padEnd(8, '0'), 16), parseInt(q.padEnd(8, 'f'), 16)]
          : null,
        ids: new Set(
          deps
            .reader()
            .prepare(
              'SELECT id FROM events INDEXED BY events_req_text WHERE req_text IS NOT NULL AND req_text LIKE ?',
            )
            .pluck()
            .all(`%${q.replace(/[%_]/g, '')}%`) as number[],
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
      nextCursor:
        hits.length === limit && last ? Buffer.from(`${last.ts}:${last.id}`).toString('base64url') : null,
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
      const limit = Math.min(Math.max(page.limit ?? 50, 1), 1000);
      const where: string[] = [];
      const params: (number | string)[] = [];
      const add = (sql: string, ...p: (number | string)[]) => {
        where.push(sql);
        params.push(...p);
      };
      const inIds = (
        col: string,
        vals: string | string[] | undefined,
        find: (s: string) => number | undefined,
      ) => {
        if (vals === undefined) return;
        const ids = (Array.isArray(vals) ? vals : [vals])
          .map(find)
          .filter((x): x is number => x !== undefined);
        if (ids.length === 0) where.push('0');
        else add(`${col} IN (${ids.map(() => '?').join(',')})`, ...ids);
      };
      if (filter.from !== undefined) add('e.ts >= ?', filter.from);
      if (filter.to !== undefined) add('e.ts < ?', filter.to);
      inIds('e.key_id', filter.apiKeyHash, (h) => dict.keyByHash(h)?.id);
      inIds('e.account_id', filter.authIndex, (a) => dict.findAccount(a));
      inIds('e.model_id', filter.model, (m) => dict.find('model', m));
      inIds('e.provider_id', filter.provider, (p) => dict.find('provider', p));
      if (filter.status === 'success') where.push('(e.flags & 1) = 0');
      else if (filter.status === 'failure') where.push('(e.flags & 1) = 1');
      else if (typeof filter.status === 'number') add('e.status = ?', filter.status);
      if (filter.minLatencyMs !== undefined) add('e.latency >= ?', filter.minLatencyMs);
      const q = filter.search?.trim();
      if (q) {
        const ors: string[] = [];
        const lower = q.toLowerCase();
        const models = dict
          .entries('model')
          .filter((m) => m.name.toLowerCase().includes(lower))
          .map((m) => m.id);
        if (models.length) {
          ors.push(`e.model_id IN (${models.join(',')})`);
        }
        if (/^[0-9a-f]{1,8}$/i.test(q)) {
          const lo = parseInt(q.padEnd(8, '0'), 16);
          const hi = parseInt(q.padEnd(8, 'f'), 16);
          ors.push(`e.req BETWEEN ${lo} AND ${hi}`);
        }
        ors.push('e.req_text LIKE ?');
        params.push(`%${q.replace(/[%_]/g, '')}%`);
        where.push(`(${ors.join(' OR ')})`);
      }
      let cursor: { ts: number; id: number } | undefined;
      if (page.cursor) {
        const m = /^(-?\d+):(\d+)$/.exec(Buffer.from(page.cursor, 'base64url').toString());
        if (!m)
          throw new StoreError(
            'invalid_query',
            'Invalid event-list cursor: pass back the nextCursor value of the previous page unchanged.',
          );
        cursor = { ts: Number(m[1]), id: Number(m[2]) };
        // The plain range term lets SQLite seek the ts index; the OR alone would scan from the top.
        add('e.ts <= ? AND (e.ts < ? OR e.id < ?)', cursor.ts, cursor.ts, cursor.id);
      }
      if (deps.useCache() && cache.warm) return listViaCache(filter, limit, cursor);
      const sql = `SELECT e.*, x.fail_body, x.headers FROM events e LEFT JOIN event_extra x ON x.event_id = e.id
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY e.ts DESC, e.id DESC LIMIT ${limit}`;
      const rows = deps
        .reader()
        .prepare(sql)
        .all(...params) as EventRow[];
      const last = rows[rows.length - 1];
      return {
        events: decodeRows(rows),
        nextCursor:
          rows.length === limit && last ? Buffer.from(`${last.ts}:${last.id}`).toString('base64url') : null,
      };
    },

    get(id) {
      const r = deps
        .reader()
        .prepare(
          'SELECT e.*, x.fail_body, x.headers FROM events e LEFT JOIN event_extra x ON x.event_id = e.id WHERE e.id = ?',
        )
        .get(id) as EventRow | undefined;
      return r ? decodeEvent(r, dict) : undefined;
    },

    count() {
      return (deps.reader().prepare('SELECT count(*) AS c FROM events').get() as { c: number }).c;
    },

    repriceRange(range) {
      deps.assertOpen();
      const version = prices.currentVersion();
      const select = writer.prepare(
        `SELECT id, model_id, alias_id, provider_id, tier_id, resp_tier_id, flags, input, cache_read, cache_creation,
           output, reasoning, unclassified FROM events WHERE ts >= ? AND ts < ? AND id > ? ORDER BY id LIMIT 5000`,
      );
      const update = writer.prepare('UPDATE events SET cost = ?, price_ver = ?, flags = ? WHERE id = ?');
      let updated = 0;
      let missingPrice = 0;
      let cursor = 0;
      const changed: number[] = []; // id, cost, flags triples for the column cache
      writer.transaction(() => {
        for (;;) {
          const rows = select.all(range.from, range.to, cursor) as Record<string, number>[];
          if (rows.length === 0) break;
          for (const r of rows) {
            const model = dict.name('model', r.model_id!);
            const cost = computeCost(
              {
                provider: dict.name('provider', r.provider_id!),
                serviceTier: dict.name('label', r.tier_id!),
                responseServiceTier: dict.name('label', r.resp_tier_id!),
                inputTokens: r.input!,
                cacheReadTokens: r.cache_read!,
                cacheCreationTokens: r.cache_creation!,
                outputTokens: r.output!,
                reasoningTokens: r.reasoning!,
                unclassifiedTokens: r.unclassified!,
              },
              prices.lookup(model, dict.name('model', r.alias_id!)),
            );
            const flags =
              (r.flags! & ~(FLAG_PRICE_MISSING | FLAG_COST_ESTIMATED)) |
              (cost.missing ? FLAG_PRICE_MISSING : 0) |
              (cost.estimated ? FLAG_COST_ESTIMATED : 0);
            update.run(cost.costMicros, version, flags, r.id!);
            changed.push(r.id!, cost.costMicros ?? NaN, flags);
            updated++;
            if (cost.missing) missingPrice++;
          }
          cursor = rows[rows.length - 1]!.id!;
        }
        rebuildRollups(writer, range.from, range.to);
        // Cached costs changed: a column-cache snapshot taken before this no longer matches.
        if (updated) bumpCacheEpoch(writer, Date.now());
      })();
      if (cache.status_ === 'warming') {
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
  };
  return repo;
}
