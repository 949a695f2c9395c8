import { sql, type RawBuilder } from 'kysely';
import { DIM_COLUMN, NAME_COLUMN, filterNames, type FilterDim } from '../analytics/analytics-filter';
import type { EventRow } from '../events/event-codec';
import { outcomeSql } from '../events/event-flags';
import { exportLines, type ExportOptions } from '../io/export';
import { buildImportExport } from '../io/import-export';
import type { ImportSink } from '../io/import-session';
import {
  USAGE_ROW_COLUMNS,
  selectionFromRows,
  writeUsagePayload,
  type Selection,
  type UsagePayloadOptions,
  upstreamIdsOf,
} from '../io/usage-payload';
import { COMBO_WIDTH } from '../analytics/column-cache';
import type { EventsRepository, ImportExportRepository } from '../repositories';
import type { StoreLogger } from '../types';
import { rows, type PgDb } from './pg-connection';
import { EVENT_SELECT } from './pg-event-row';
import { PgNameCache, addSimpleId, emptyNameIds, nameIdsOfRows, type NameIds } from './pg-names';

/**
 * Imports, exports and the legacy `/usage` payload on Postgres: the same format detection, sessions, line
 * builder and payload writer as SQLite (io/*), over Postgres reads and the Postgres insertBatch.
 */
export function createPgImportExport(deps: {
  db: PgDb;
  events: Pick<EventsRepository, 'insertBatch'>;
  logger: StoreLogger;
  now: () => number;
  assertOpen: () => void;
}): ImportExportRepository {
  const { db } = deps;
  const sink: ImportSink = {
    insertBatch: (batch) => deps.events.insertBatch(batch),
    checkpoints: {
      async load(key) {
        deps.assertOpen();
        const [r] = await rows(
          db,
          sql<{ position: number }>`SELECT position FROM import_checkpoint WHERE key = ${key}`,
        );
        return r?.position ?? 0;
      },
      async save(key, c) {
        await sql`INSERT INTO import_checkpoint (key, position, inserted, duplicates, updated_ms)
          VALUES (${key}, ${c.position}, ${c.inserted}, ${c.duplicates}, ${c.updatedMs})
          ON CONFLICT (key) DO UPDATE SET position = excluded.position, inserted = excluded.inserted,
            duplicates = excluded.duplicates, updated_ms = excluded.updated_ms`.execute(db);
      },
      async clear(key) {
        await sql`DELETE FROM import_checkpoint WHERE key = ${key}`.execute(db);
      },
    },
  };

  /** The export's filter clauses over ids (resolved once); null when a filter names nothing that exists. */
  const filterClauses = async (opts: ExportOptions): Promise<RawBuilder<unknown>[] | null> => {
    const out: RawBuilder<unknown>[] = [];
    for (const [dim, names] of Object.entries(filterNames(opts)) as [FilterDim, string[]][]) {
      if (names.length === 0) continue;
      const [table, col] = NAME_COLUMN[dim];
      const ids = (
        await rows(
          db,
          sql<{
            id: number;
          }>`SELECT id FROM ${sql.table(table)} WHERE ${sql.ref(col)} = ANY(${names}::text[])`,
        )
      ).map((r) => r.id);
      if (ids.length === 0) return null;
      out.push(sql`AND ${sql.ref(`e.${DIM_COLUMN[dim]}`)} = ANY(${ids}::int[])`);
    }
    if (opts.status === 'success' || opts.status === 'failure')
      out.push(sql.raw(`AND ${outcomeSql(opts.status, { rollup: false, flags: 'e.flags' })}`));
    else if (typeof opts.status === 'number') out.push(sql`AND e.status = ${Math.trunc(opts.status)}`);
    return out;
  };

  async function* exportJsonl(opts: ExportOptions = {}): AsyncGenerator<string> {
    deps.assertOpen();
    const filters = await filterClauses(opts);
    if (filters === null) return;
    const to = opts.to ?? Number.MAX_SAFE_INTEGER;
    const names = new PgNameCache();
    const where = sql.join(filters, sql` `);
    yield* exportLines(
      async (lastTs, lastId, limit) => {
        deps.assertOpen();
        // The row comparison walks events_ts_id as one range (ts > lastTs, or ts = lastTs and id > lastId).
        const found = await rows(
          db,
          sql<EventRow>`${EVENT_SELECT} WHERE (e.ts, e.id) > (${lastTs}, ${lastId}) AND e.ts < ${to}
            ${filters.length ? where : sql``} ORDER BY e.ts, e.id LIMIT ${limit}`,
        );
        await names.load(db, nameIdsOfRows(found));
        return found;
      },
      names,
      opts,
    );
  }

  async function* usagePayloadBytes(o: UsagePayloadOptions): AsyncGenerator<Buffer> {
    deps.assertOpen();
    const limit = o.limit !== undefined && o.limit > 0 ? sql`LIMIT ${Math.floor(o.limit)}` : sql``;
    const asked = typeof o.upstream === 'string' ? [o.upstream] : [...(o.upstream ?? [])];
    const known =
      asked.length > 0
        ? new Map(
            (
              await rows(
                db,
                sql<{
                  id: number;
                  name: string;
                }>`SELECT id, name FROM upstream WHERE name = ANY(${asked}::text[])`,
              )
            ).map((r) => [r.name, r.id]),
          )
        : null;
    const ups = upstreamIdsOf(o, (name) => known?.get(name));
    const byUpstream = ups === null ? sql`` : sql`AND upstream_id = ANY(${ups}::int[])`;
    const found =
      ups !== null && ups.length === 0
        ? []
        : await rows(
            db,
            sql<Record<string, number | string | null>>`SELECT ${sql.raw(USAGE_ROW_COLUMNS)} FROM events
        WHERE ts >= ${o.from} AND ts < ${o.to} ${byUpstream} ORDER BY ts DESC, id DESC ${limit}`,
          );
    // Column order is the SELECT's: each row object's values are the array selectionFromRows reads.
    const s = selectionFromRows(found.map((r) => Object.values(r)));
    const names = new PgNameCache();
    await names.load(db, nameIdsOfSelection(s));
    yield* writeUsagePayload(s, names);
  }

  return buildImportExport({
    sink,
    logger: deps.logger,
    now: deps.now,
    exportJsonl,
    usagePayloadBytes,
  });
}

/** Every dictionary id a payload selection writes (combo = alias, endpoint, executor, effort, tier, resp tier). */
function nameIdsOfSelection(s: Selection): NameIds {
  const ids = emptyNameIds();
  for (let j = 0; j < s.n; j++) {
    ids.keys.add(s.key[j]!);
    ids.accounts.add(s.account[j]!);
    addSimpleId(ids, 'model', s.model[j]!);
    addSimpleId(ids, 'provider', s.provider[j]!);
    addSimpleId(ids, 'label', s.source[j]!);
  }
  const c = s.comboIds;
  for (let i = 0; i + COMBO_WIDTH <= c.length; i += COMBO_WIDTH) {
    addSimpleId(ids, 'model', c[i]!);
    addSimpleId(ids, 'endpoint', c[i + 1]!);
    for (let k = 2; k < COMBO_WIDTH; k++) addSimpleId(ids, 'label', c[i + k]!);
  }
  return ids;
}
