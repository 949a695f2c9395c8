import { sql } from 'kysely';
import type { RetentionResult, StorageReport } from '../maintenance/maintenance';
import type { MaintenanceRepository } from '../repositories';
import type { StoreLogger } from '../types';
import { rows, type PgDb } from './pg-connection';
import { readPgFoldMarks } from './pg-fold';
import { foldFloor } from '../rollups/fold-tier';

/** Above this many rows (planner estimate) counts come from pg_class.reltuples: count(*) would scan the table. */
const EXACT_COUNT_BELOW = 1_000_000;

interface Relation {
  name: string;
  kind: 'table' | 'index';
  /** The table an index belongs to (its own name for a table). */
  table: string;
  bytes: number;
}

/**
 * Retention and the storage report on Postgres. Deletes run in bounded chunks of the oldest events (one
 * short transaction each, through the (ts, id) index), so a year of history never becomes one huge
 * transaction; rollups are kept. Postgres does not give deleted space back to the file system (only
 * VACUUM FULL would, locking the table): a plain VACUUM after a prune makes it reusable for new rows,
 * so the database stops growing instead of shrinking.
 */
export function createPgMaintenance(deps: {
  db: PgDb;
  lock: <T>(fn: () => Promise<T>) => Promise<T>;
  logger: StoreLogger;
  assertOpen: () => void;
  /** Events per delete transaction (default 10,000). */
  chunkSize?: number;
  /** Folds the deferred rollup tiers up to the current hour (rollups/fold-tier.ts); chunks run. */
  fold: () => Promise<number>;
}): MaintenanceRepository {
  const { db, logger } = deps;
  const chunk = deps.chunkSize ?? 10_000;

  const relations = async (): Promise<Relation[]> =>
    (
      await rows(
        db,
        sql<Relation>`SELECT c.relname AS name, CASE WHEN c.relkind = 'i' THEN 'index' ELSE 'table' END AS kind,
            coalesce(t.relname, c.relname) AS table,
            CASE WHEN c.relkind = 'i' THEN pg_relation_size(c.oid) ELSE pg_table_size(c.oid) END AS bytes
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          LEFT JOIN pg_index i ON i.indexrelid = c.oid LEFT JOIN pg_class t ON t.oid = i.indrelid
          WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'm', 'i')
          ORDER BY bytes DESC, c.relname`,
      )
    ).map((r) => ({ ...r, bytes: Number(r.bytes) }));

  const countOf = async (table: 'events' | 'event_extra'): Promise<number> => {
    const [est] = await rows(
      db,
      sql<{ n: number }>`SELECT reltuples::float8 AS n FROM pg_class WHERE oid = to_regclass(${table})`,
    );
    if (est && est.n >= EXACT_COUNT_BELOW) return Math.round(est.n);
    const [r] = await rows(db, sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`);
    return r?.n ?? 0;
  };

  /** Average bytes of one of the newest rows (the tuple plus its line pointer). */
  const rowBytes = async (table: 'events' | 'event_extra'): Promise<number> => {
    const order = table === 'events' ? sql`id` : sql`event_id`;
    const [r] = await rows(
      db,
      sql<{ b: number | null }>`SELECT avg(pg_column_size(t.*))::float8 AS b
        FROM (SELECT * FROM ${sql.table(table)} ORDER BY ${order} DESC LIMIT 1000) t`,
    );
    return (r?.b ?? 0) + 4;
  };

  /**
   * The bytes the live data takes: other relations as they are, events and event_extra (with their indexes)
   * as their live rows' size, so space freed by an earlier prune (reusable, not returned) is not counted twice.
   */
  const usage = async () => {
    const rels = await relations();
    const total = rels.reduce((n, r) => n + r.bytes, 0);
    const events = await countOf('events');
    let live = 0;
    let eventTables = 0;
    for (const t of ['events', 'event_extra'] as const) {
      const heap = rels.find((r) => r.kind === 'table' && r.name === t)?.bytes ?? 0;
      const idx = rels.filter((r) => r.kind === 'index' && r.table === t).reduce((n, r) => n + r.bytes, 0);
      eventTables += heap + idx;
      if (heap === 0) continue;
      const n = t === 'events' ? events : await countOf(t);
      const liveHeap = Math.min(heap, n * (await rowBytes(t)));
      live += liveHeap * (1 + idx / heap);
    }
    const used = total - eventTables + live;
    return { total, used, events, perEvent: events ? live / events : 0 };
  };

  /**
   * Deletes up to `limit` of the oldest events matching `before` (or any), one bounded transaction per chunk.
   * Each chunk continues after the last (ts, id) the previous one reached, so the index scan never walks
   * again over the entries of rows already deleted (they stay in the index until VACUUM).
   */
  const deleteOldest = async (limit: number, before?: number): Promise<number> => {
    let deleted = 0;
    let lastTs = Number.MIN_SAFE_INTEGER;
    let lastId = -1;
    while (deleted < limit) {
      deps.assertOpen();
      const take = Math.min(chunk, limit - deleted);
      const cond = before === undefined ? sql`` : sql`AND ts < ${before}`;
      const [r] = await deps.lock(() =>
        rows(
          db,
          sql<{ seen: number; n: number; ts: number | null; id: number | null }>`WITH doomed AS (
              SELECT id, ts FROM events WHERE (ts, id) > (${lastTs}, ${lastId}) ${cond} ORDER BY ts, id LIMIT ${take}),
            gone AS (DELETE FROM events e USING doomed d WHERE e.id = d.id RETURNING e.id),
            extra AS (DELETE FROM event_extra x USING gone g WHERE x.event_id = g.id),
            last AS (SELECT ts, id FROM doomed ORDER BY ts DESC, id DESC LIMIT 1)
            SELECT (SELECT count(*)::int FROM doomed) AS seen, (SELECT count(*)::int FROM gone) AS n,
              (SELECT ts FROM last) AS ts, (SELECT id FROM last) AS id`,
        ),
      );
      deleted += r?.n ?? 0;
      if (!r || r.seen < take || r.ts === null || r.id === null) break;
      lastTs = r.ts;
      lastId = r.id;
    }
    return deleted;
  };

  const totalBytes = async () => (await relations()).reduce((n, r) => n + r.bytes, 0);

  /** VACUUM makes the deleted rows' space reusable (and may cut empty pages off the end); returns pages cut. */
  const vacuum = async (): Promise<number> => {
    const pages = async () => {
      const [r] = await rows(
        db,
        sql<{
          p: number;
        }>`SELECT ((pg_relation_size(to_regclass('events')) + pg_relation_size(to_regclass('event_extra')))
          / current_setting('block_size')::int)::int AS p`,
      );
      return r?.p ?? 0;
    };
    const before = await pages();
    await sql`VACUUM (ANALYZE) events, event_extra`.execute(db);
    return Math.max(0, before - (await pages()));
  };

  /**
   * Raw events at or above this instant are not in the deferred tiers yet: the fold runs first, and retention never
   * deletes past the watermark it reached (a watermark only grows: one read before the deletes is enough).
   */
  const keepFrom = async (): Promise<number> => {
    await deps.fold();
    return Math.min(foldFloor(await readPgFoldMarks(db)), Number.MAX_SAFE_INTEGER);
  };

  const m: MaintenanceRepository = {
    async pruneByAge(olderThanMs) {
      deps.assertOpen();
      const before = await totalBytes();
      const deleted = await deleteOldest(Number.MAX_SAFE_INTEGER, Math.min(olderThanMs, await keepFrom()));
      if (deleted) await vacuum();
      logger.info({ deleted, olderThanMs }, 'store retention by age');
      return { deleted, reclaimedBytes: Math.max(0, before - (await totalBytes())) };
    },
    async pruneToSize(maxBytes): Promise<RetentionResult> {
      deps.assertOpen();
      // Folding adds tier rows: measure after it.
      const keep = await keepFrom();
      const u = await usage();
      if (u.used <= maxBytes || u.events === 0 || u.perEvent === 0) return { deleted: 0, reclaimedBytes: 0 };
      // The oldest events that free the excess, at least 1,000 (as on SQLite).
      const want = Math.min(u.events, Math.max(1000, Math.ceil((u.used - maxBytes) / u.perEvent)));
      const deleted = await deleteOldest(want, keep);
      if (deleted) await vacuum();
      logger.info({ deleted, maxBytes }, 'store retention by size');
      return { deleted, reclaimedBytes: Math.max(0, u.total - (await totalBytes())) };
    },
    async incrementalVacuum() {
      deps.assertOpen();
      return vacuum();
    },
    async checkpoint() {
      // Postgres checkpoints its write-ahead log itself (checkpoint_timeout / max_wal_size); nothing to do.
      deps.assertOpen();
      return { busy: 0, log: 0, checkpointed: 0 };
    },
    schedule() {
      // No periodic work: the checkpointer and autovacuum do on Postgres what the SQLite timer does.
      return { stop: () => {} };
    },
    async foldRollups() {
      deps.assertOpen();
      return { steps: await deps.fold() };
    },
    async storageReport(): Promise<StorageReport> {
      deps.assertOpen();
      const rels = await relations();
      const [bs] = await rows(db, sql<{ b: number }>`SELECT current_setting('block_size')::int AS b`);
      const pageSize = bs?.b ?? 8192;
      const fileBytes = rels.reduce((n, r) => n + r.bytes, 0);
      const events = await countOf('events');
      return {
        // The relations of the store's schema (tables with their TOAST, and indexes).
        fileBytes,
        // The write-ahead log belongs to the whole cluster, not to the schema.
        walBytes: 0,
        pageSize,
        pageCount: Math.ceil(fileBytes / pageSize),
        // Free space inside relations is not visible without the pgstattuple extension.
        freePages: 0,
        events,
        objects: rels.map((r) => ({ name: r.name, bytes: r.bytes })),
        bytesPerEvent: events ? fileBytes / events : null,
      };
    },
  };
  return m;
}
