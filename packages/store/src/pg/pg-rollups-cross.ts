import { sql } from 'kysely';
import { rollupRebuildRange, type RollupContribution } from '../rollups/rollup-batch';
import { spanLateRows, spanRederiveSql } from '../rollups/day-dims-fold';
import { pgDimsRederiveSql, pgDimsSpanLateRows } from '../rollups/pg-dims-fold';
import { sortByKey } from '../rollups/multi-row-upsert';
import { intArray } from './pg-array';
import type { PgExec } from './pg-connection';

/**
 * Postgres side of the day-dims span blocks (rollups/day-dims-fold.ts): a batch's late events added to the closed
 * blocks they fall in (inside the batch's transaction, after the fold watermarks were read FOR SHARE), and
 * re-pricing's re-derivation from the day tiers. The day tiers themselves are deferred tiers (pg-fold.ts).
 */
export async function applyPgSpanLate(
  exec: PgExec,
  items: readonly RollupContribution[],
  upto: number,
  pgDimsUpto: number,
): Promise<void> {
  const late = [
    ...spanLateRows(items, upto),
    // The pg_dims blocks (rollups/pg-dims-fold.ts), closed below their own group's watermark.
    ...pgDimsSpanLateRows(items, pgDimsUpto),
  ];
  for (const t of late) {
    // Sorted by key: concurrent writers lock rows in the same order (no deadlocks).
    const r = sortByKey(t.rows, t.keyCols.length);
    const cols = [...t.keyCols, ...t.valueCols];
    const set = t.valueCols
      .map((c) =>
        c === 'last_ts' ? 'last_ts = greatest(t.last_ts, excluded.last_ts)' : `${c} = t.${c} + excluded.${c}`,
      )
      .join(', ');
    await sql`INSERT INTO ${sql.table(t.table)} AS t (${sql.raw(cols.join(', '))})
      SELECT * FROM unnest(${sql.join(cols.map((_, i) => sql`${intArray(r.map((x) => x[i]!))}::bigint[]`))})
      ON CONFLICT (${sql.raw(t.keyCols.join(', '))}) DO UPDATE SET ${sql.raw(set)}`.execute(exec);
  }
}

/** Re-pricing: the closed span blocks touching the days of [fromMs, toMs), re-derived from the day tiers. */
export async function rederivePgSpanRollups(
  exec: PgExec,
  fromMs: number,
  toMs: number,
  upto: number,
  pgDimsUpto: number,
): Promise<void> {
  const { d0, d1 } = rollupRebuildRange(fromMs, toMs);
  for (const q of [...spanRederiveSql(d0, d1, upto), ...pgDimsRederiveSql(d0, d1, pgDimsUpto)])
    await sql.raw(q).execute(exec);
}
