import { sql, type RawBuilder } from 'kysely';
import { batchPairs } from '../analytics/account-cpas';
import { DIM_COLUMN, NAME_COLUMN, filterNames, type FilterDim } from '../analytics/analytics-filter';
import { upstreamIndexTermOfNames } from '../analytics/upstream-index';
import { StoreError, isStoreError } from '../errors';
import type { EventListFilter, StoredEventSummary } from '../events/events.repository';
import { assertEvent, dedupBytes } from '../events/event-codec';
import { EVENT_COLUMNS, eventColumnValues, type EventColumn } from '../events/event-columns';
import { DICTIONARY_FIELDS, dictionaryName, eventDictIds, fieldsOf } from '../events/event-dictionary-fields';
import { outcomeSql } from '../events/event-flags';
import { encodeEvent, eventSummary, repricedFlags, rollupContribution } from '../events/event-insert-plan';
import { decodeCursor, encodeCursor, pageLimit, searchTerms } from '../events/event-list-query';
import { repriceCost, type RepriceTokens } from '../events/event-reprice';
import { computeCost } from '../prices/cost';
import { DAY_MS, type RollupContribution } from '../rollups/rollup-batch';
import type { UsageEventInput } from '../types';
import type { EventsRepository } from '../repositories';

/** The event log on Postgres; maxId / evidenceAfter come from pg-event-evidence.ts. */
type PgEventLog = Omit<EventsRepository, 'maxId' | 'evidenceAfter'>;
import { rows, type PgDb, type PgExec } from './pg-connection';
import type { PgDictionary } from './pg-dictionary';
import { EVENT_SELECT, PgNames, type PgEventRow } from './pg-event-row';
import type { PgPricesRepository } from './pg-prices.repository';
import { hexArray, intArray, textArray } from './pg-array';
import { applyRollups, rebuildPgRollups } from './pg-rollups';
import { readPgFoldMarks } from './pg-fold';
import { insertPgExtras, type PgExtraInput } from './pg-event-extra';

/** The simple dictionaries, in the order a batch loads them. */
const TABLES = [...new Set(DICTIONARY_FIELDS.map((f) => f.table))];

/** Postgres array type of each events column (inserts go through unnest). */
const PG_TYPES: Record<EventColumn, string> = {
  ts: 'bigint',
  upstream_id: 'int',
  dedup: 'bytea',
  req: 'bigint',
  req_text: 'text',
  key_id: 'int',
  account_id: 'int',
  model_id: 'int',
  alias_id: 'int',
  provider_id: 'int',
  endpoint_id: 'int',
  executor_id: 'int',
  auth_type_id: 'int',
  source_id: 'int',
  ip_id: 'int',
  ua_id: 'int',
  effort_id: 'int',
  tier_id: 'int',
  resp_tier_id: 'int',
  status: 'int',
  flags: 'int',
  latency: 'int',
  ttft: 'int',
  lat_bucket: 'int',
  input: 'bigint',
  cache_read: 'bigint',
  cache_creation: 'bigint',
  output: 'bigint',
  reasoning: 'bigint',
  unclassified: 'bigint',
  cost: 'bigint',
  price_ver: 'int',
};

/**
 * One multi-row INSERT of a batch's events: each column one array literal (pg-array.ts), the dedup values as
 * hex text (decoded in SQL); returns the new rows' ids by dedup hex (duplicates of stored events return nothing).
 */
function insertEventsSql(cols: readonly unknown[][], dedupHex: readonly string[]) {
  const names = EVENT_COLUMNS.map((_, i) => `c${i}`);
  const params = EVENT_COLUMNS.map((col, i) => {
    const type = PG_TYPES[col];
    if (col === 'dedup') return sql`${hexArray(dedupHex)}::text[]`;
    const lit = type === 'text' ? textArray(cols[i] as (string | null)[]) : intArray(cols[i] as (number | null)[]);
    return sql`${lit}::${sql.raw(type)}[]`;
  });
  const select = EVENT_COLUMNS.map((col, i) => (col === 'dedup' ? `decode(c${i}, 'hex')` : `c${i}`)).join(', ');
  return sql<{ id: number; dedup: string }>`INSERT INTO events (${sql.raw(EVENT_COLUMNS.join(', '))})
    SELECT ${sql.raw(select)} FROM unnest(${sql.join(params)}) AS u(${sql.raw(names.join(', '))})
    ON CONFLICT (dedup) DO NOTHING RETURNING id, encode(dedup, 'hex') AS dedup`;
}

/** deadlock_detected, serialization_failure, unique_violation (a dictionary race under READ COMMITTED). */
const RETRYABLE = new Set(['40P01', '40001', '23505']);
const MAX_ATTEMPTS = 3;

interface RepriceRow extends RepriceTokens {
  id: number;
  ts: number;
  flags: number;
  model: string;
  alias: string;
  provider: string;
  tier: string;
  resp_tier: string;
}

/**
 * The first instant from which every UTC day still has all its raw events. Retention deletes the oldest
 * events and keeps the rollups: a day whose rollups count more requests than its raw events (or any rollup
 * day before the oldest event) was thinned, and rebuilding its rollups from raw events would erase history.
 */
async function completeRawFrom(exec: PgExec): Promise<number> {
  const r = (
    await rows(
      exec,
      sql<{ min_ts: number | null; first_day: number | null }>`
        SELECT (SELECT min(ts) FROM events) AS min_ts, (SELECT min(day) FROM rollup_day) AS first_day`,
    )
  )[0];
  if (r?.min_ts == null) return Number.MAX_SAFE_INTEGER; // no raw events: nothing to re-price
  const minTs = Number(r.min_ts);
  const day = Math.floor(minTs / DAY_MS);
  if (r.first_day != null && Number(r.first_day) < day) return (day + 1) * DAY_MS;
  const [c] = await rows(
    exec,
    sql<{ rolled: number | null; raw: number }>`
      SELECT (SELECT sum(n) FROM rollup_day WHERE day = ${day}) AS rolled,
        (SELECT count(*) FROM events WHERE ts >= ${day * DAY_MS} AND ts < ${(day + 1) * DAY_MS}) AS raw`,
  );
  return c && c.rolled != null && Number(c.rolled) > Number(c.raw) ? (day + 1) * DAY_MS : -Infinity;
}

export function createPgEventsRepository(deps: {
  db: PgDb;
  dict: PgDictionary;
  prices: PgPricesRepository;
  lock: <T>(fn: () => Promise<T>) => Promise<T>;
  assertOpen: () => void;
}): PgEventLog {
  const { db, dict, prices } = deps;
  const listeners = new Set<(events: readonly StoredEventSummary[]) => void>();
  const names = new PgNames();

  const insertTx = (events: readonly UsageEventInput[]) =>
    db.transaction().execute(async (trx) => {
      // First, before this transaction holds any other lock: the fold watermarks FOR SHARE (see pg-fold.ts).
      const marks = await readPgFoldMarks(trx, 'share');
      await prices.refresh(trx);
      const version = prices.versionNow();
      // The same record twice in one batch is one attempt: keep the first.
      const seen = new Set<string>();
      const batch: { e: UsageEventInput; dedup: Buffer; hex: string }[] = [];
      for (const e of events) {
        const dedup = dedupBytes(e.dedupKey, e.timestampMs);
        const hex = dedup.toString('hex');
        if (seen.has(hex)) continue;
        seen.add(hex);
        batch.push({ e, dedup, hex });
      }
      const dtx = dict.begin(trx);
      const dictId = dtx.id.bind(dtx);
      for (const table of TABLES) {
        const fields = fieldsOf(table);
        await dtx.load(
          table,
          batch.flatMap(({ e }) => fields.map((f) => dictionaryName(e, f.field))),
        );
      }
      await dtx.loadKeys(batch.map(({ e }) => ({ hash: e.apiKeyHash, label: e.apiKeyLabel })));
      await dtx.loadAccounts(
        batch.map(({ e }) => ({
          authIndex: e.authIndex,
          provider: e.provider,
          label: e.source,
          ts: e.timestampMs,
        })),
      );

      // Time then dedup order: concurrent writers meet unique-index entries in one order (no deadlock).
      // (After the dictionaries: a new account's label and a key's label follow input order, as in SQLite.)
      batch.sort((a, b) => a.e.timestampMs - b.e.timestampMs || Buffer.compare(a.dedup, b.dedup));
      const cols: unknown[][] = EVENT_COLUMNS.map(() => []);
      const prepared = batch.map(({ e, dedup, hex }) => {
        // The price in force at the event's time (an imported old event after a price change), as on SQLite.
        const cost = computeCost(e, prices.priceAtNow(e.model, e.alias, e.timestampMs));
        const enc = encodeEvent(e, cost);
        const ids = eventDictIds(e, dtx.keyId(e.apiKeyHash), dtx.accountId(e.authIndex), dictId);
        const values = eventColumnValues(e, enc, ids, dedup, version);
        values.forEach((v, i) => cols[i]!.push(v));
        return { e, hex, enc, ids };
      });
      const inserted = await rows(trx, insertEventsSql(cols, prepared.map((p) => p.hex)));
      const idOf = new Map(inserted.map((r) => [r.dedup, r.id]));
      const contributions: RollupContribution[] = [];
      const summaries: StoredEventSummary[] = [];
      const extras: PgExtraInput[] = [];
      for (const p of prepared) {
        const id = idOf.get(p.hex);
        if (id === undefined) continue;
        if (p.enc.extra)
          extras.push({
            id,
            failBody: p.enc.extra.failBody,
            headers: p.enc.extra.headers !== null && p.e.rateLimitHeaders ? p.e.rateLimitHeaders : null,
          });
        contributions.push(rollupContribution(p.e, p.ids, p.enc.costMicros, p.enc.latBucket));
        summaries.push(eventSummary(id, p.e, p.enc.costMicros));
      }
      await insertPgExtras(trx, extras);
      await applyRollups(trx, contributions, marks);
      // Which CPAs each account has events on (analytics/account-cpas.ts): the batch's distinct pairs, sorted.
      const pairs = batchPairs(prepared.filter((p) => idOf.has(p.hex)).map((p) => p.ids));
      if (pairs.length)
        await sql`INSERT INTO account_upstream (account_id, upstream_id)
          SELECT * FROM unnest(${intArray(pairs.map((x) => x[0]))}::int[], ${intArray(pairs.map((x) => x[1]))}::int[])
          ON CONFLICT DO NOTHING`.execute(trx);
      return { dtx, summaries };
    });

  const filterSql = (filter: EventListFilter): RawBuilder<unknown>[] => {
    const where: RawBuilder<unknown>[] = [];
    if (filter.from !== undefined) where.push(sql`e.ts >= ${filter.from}`);
    if (filter.to !== undefined) where.push(sql`e.ts < ${filter.to}`);
    for (const [dim, names] of Object.entries(filterNames(filter)) as [FilterDim, string[]][]) {
      const [table, nameCol] = NAME_COLUMN[dim];
      where.push(
        sql`${sql.ref(`e.${DIM_COLUMN[dim]}`)} IN (SELECT id FROM ${sql.table(table)} WHERE ${sql.ref(nameCol)} = ANY(${names}::text[]))`,
      );
    }
    const upTerm = upstreamIndexTermOfNames('e.upstream_id', filterNames(filter).upstream);
    if (upTerm) where.push(sql.raw(upTerm));
    if (filter.status === 'success' || filter.status === 'failure')
      where.push(sql.raw(outcomeSql(filter.status, { rollup: false, flags: 'e.flags' })));
    else if (typeof filter.status === 'number') where.push(sql`e.status = ${filter.status}`);
    if (filter.minLatencyMs !== undefined) where.push(sql`e.latency >= ${filter.minLatencyMs}`);
    const terms = searchTerms(filter.search);
    if (terms) {
      // Same matching as the SQLite store: model name substring, request-id hex prefix, text ids.
      const ors: RawBuilder<unknown>[] = [
        sql`e.model_id IN (SELECT id FROM model WHERE strpos(lower(name), ${terms.lower}) > 0)`,
      ];
      if (terms.reqRange) ors.push(sql`e.req BETWEEN ${terms.reqRange[0]} AND ${terms.reqRange[1]}`);
      ors.push(sql`strpos(lower(e.req_text), ${terms.text.toLowerCase()}) > 0`);
      where.push(sql`(${sql.join(ors, sql` OR `)})`);
    }
    return where;
  };

  const repo: PgEventLog = {
    async insertBatch(events) {
      deps.assertOpen();
      if (events.length === 0) return { inserted: 0, duplicates: 0 };
      events.forEach((e, i) => assertEvent(e, i));
      const out = await deps.lock(async () => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await insertTx(events);
          } catch (cause) {
            if (isStoreError(cause)) throw cause;
            // Another writer (process) won a lock race: Postgres rolled this one back whole; run it again.
            if (attempt < MAX_ATTEMPTS && RETRYABLE.has((cause as { code?: string }).code ?? '')) continue;
            throw new StoreError(
              'write_failed',
              `Writing a batch of ${events.length} events to Postgres failed (${(cause as Error).message}); nothing of this batch was stored, retry it.`,
              { cause },
            );
          }
        }
      });
      out.dtx.commit();
      if (out.summaries.length) for (const l of listeners) l(out.summaries);
      return { inserted: out.summaries.length, duplicates: events.length - out.summaries.length };
    },

    async list(filter, page = {}) {
      deps.assertOpen();
      const limit = pageLimit(page.limit);
      const where = filterSql(filter);
      if (page.cursor) {
        const c = decodeCursor(page.cursor);
        where.push(sql`(e.ts, e.id) < (${c.ts}::bigint, ${c.id}::bigint)`);
      }
      const cond = where.length ? sql`WHERE ${sql.join(where, sql` AND `)}` : sql``;
      const found = await rows(
        db,
        sql<PgEventRow>`${EVENT_SELECT} ${cond} ORDER BY e.ts DESC, e.id DESC LIMIT ${sql.lit(limit)}`,
      );
      const last = found[found.length - 1];
      return {
        events: await names.decode(db, found),
        nextCursor: found.length === limit && last ? encodeCursor(last.ts, last.id) : null,
      };
    },

    async get(id) {
      deps.assertOpen();
      const r = await rows(db, sql<PgEventRow>`${EVENT_SELECT} WHERE e.id = ${id}`);
      return r[0] ? (await names.decode(db, r))[0] : undefined;
    },

    async count() {
      deps.assertOpen();
      return (await rows(db, sql<{ c: number }>`SELECT count(*) AS c FROM events`))[0]!.c;
    },

    async repriceRange(range) {
      deps.assertOpen();
      return deps.lock(() =>
        db.transaction().execute(async (trx) => {
          await prices.refresh(trx);
          const version = prices.versionNow();
          // The rollups of the range are rebuilt from raw events: never touch a day retention has thinned.
          const from = Math.max(range.from, await completeRawFrom(trx));
          if (from >= range.to) return { updated: 0, missingPrice: 0, version };
          let updated = 0;
          let missingPrice = 0;
          let cursor = 0;
          for (;;) {
            const batch = await rows(
              trx,
              sql<RepriceRow>`
                SELECT e.id, e.ts, e.flags, e.input, e.cache_read, e.cache_creation, e.output, e.reasoning, e.unclassified,
                  m.name AS model, al.name AS alias, p.name AS provider, ti.name AS tier, rt.name AS resp_tier
                FROM events e
                JOIN model m ON m.id = e.model_id JOIN model al ON al.id = e.alias_id
                JOIN provider p ON p.id = e.provider_id
                JOIN label ti ON ti.id = e.tier_id JOIN label rt ON rt.id = e.resp_tier_id
                WHERE e.ts >= ${from} AND e.ts < ${range.to} AND e.id > ${cursor}
                ORDER BY e.id LIMIT 5000`,
            );
            if (batch.length === 0) break;
            const ids: number[] = [];
            const costs: (number | null)[] = [];
            const flags: number[] = [];
            for (const r of batch) {
              const cost = repriceCost(
                { provider: r.provider, serviceTier: r.tier, responseServiceTier: r.resp_tier },
                r,
                prices.priceAtNow(r.model, r.alias, r.ts),
              );
              ids.push(r.id);
              costs.push(cost.costMicros);
              flags.push(repricedFlags(r.flags, cost));
              updated++;
              if (cost.missing) missingPrice++;
            }
            await sql`UPDATE events SET cost = u.cost, price_ver = ${version}, flags = u.flags
              FROM unnest(${ids}::bigint[], ${costs}::bigint[], ${flags}::int[]) AS u(id, cost, flags)
              WHERE events.id = u.id`.execute(trx);
            cursor = ids[ids.length - 1]!;
          }
          await rebuildPgRollups(trx, from, range.to);
          return { updated, missingPrice, version };
        }),
      );
    },

    onInserted(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    // Postgres re-prices the whole range in one step, each event at the price in force at its time (per-model
    // ranges and rollup deltas are SQLite's; here the range's rollups are rebuilt).
    async repriceChunk(req) {
      const r = await repo.repriceRange({ from: req.fromMs ?? 0, to: req.toMs ?? Number.MAX_SAFE_INTEGER });
      const maxId = Number((await rows(db, sql<{ m: number | null }>`SELECT max(id) AS m FROM events`))[0]?.m ?? 0);
      return { lastId: maxId, maxId, matched: r.updated, updated: r.updated, missingPrice: r.missingPrice, done: true };
    },
  };
  return repo;
}
