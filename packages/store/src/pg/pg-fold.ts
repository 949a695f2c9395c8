import { sql } from 'kysely';
import { PG_FOLD_GROUPS, PG_FOLD_TIERS, foldTiersOf } from '../rollups/fold-registry';
import {
  FOLD_CHUNK_MS,
  foldConflict,
  foldDeleteSql,
  foldInsertSql,
  foldRebuildRange,
  foldTarget,
  lateByGroup,
  uptoOf,
  type FoldMarks,
  type FoldStep,
} from '../rollups/fold-tier';
import type { RollupContribution } from '../rollups/rollup-batch';
import { sortByKey } from '../rollups/multi-row-upsert';
import { intArray } from './pg-array';
import { rows, type PgDb, type PgExec } from './pg-connection';

const PG = { max: 'greatest', ordered: true } as const;

/**
 * The fold watermarks. `share` inside an ingest or re-pricing transaction: the rows stay locked FOR SHARE until it
 * ends, so a fold (FOR UPDATE) waits for batches that read the old watermark and later batches read the new one —
 * no event is folded twice or missed, with any number of writers and folding instances.
 */
export async function readPgFoldMarks(db: PgExec, lock?: 'share'): Promise<FoldMarks> {
  const q =
    lock === 'share'
      ? sql<{ name: string; upto: string }>`SELECT name, upto FROM rollup_fold ORDER BY name FOR SHARE`
      : sql<{ name: string; upto: string }>`SELECT name, upto FROM rollup_fold`;
  return new Map((await rows(db, q)).map((r) => [r.name, Number(r.upto)]));
}

/** Inside a batch's transaction (after readPgFoldMarks(trx, 'share')): late events go into the tiers now. */
export async function applyPgLateRollups(
  trx: PgExec,
  items: readonly RollupContribution[],
  marks: FoldMarks,
): Promise<void> {
  const byGroup = lateByGroup(items, marks, PG_FOLD_GROUPS);
  for (const t of PG_FOLD_TIERS) {
    const late = byGroup.get(t.group)!;
    if (late.length === 0) continue;
    // Sorted by key: concurrent writers lock rows in the same order (no deadlocks).
    const r = sortByKey(t.rows(late), t.keyCols.length);
    const cols = [...t.keyCols, ...t.valueCols];
    const arrays = cols.map((_, i) => intArray(r.map((x) => x[i]!)));
    await sql`INSERT INTO ${sql.table(t.name)} AS t (${sql.raw(cols.join(', '))})
      SELECT * FROM unnest(${sql.join(arrays.map((a) => sql`${a}::bigint[]`))}) ${sql.raw(foldConflict(t, PG))}`.execute(
      trx,
    );
  }
}

/**
 * One fold chunk (≤ FOLD_CHUNK_MS of raw events) of the first group behind its target, in one transaction that
 * holds the group's row FOR UPDATE; null when every group is caught up. Two instances may run it at once: the
 * second waits, then finds the watermark moved.
 */
export async function pgFoldStep(db: PgDb, nowMs: number): Promise<FoldStep | null> {
  for (const g of PG_FOLD_GROUPS) {
    const target = foldTarget(g, nowMs);
    const step = await db.transaction().execute(async (trx): Promise<FoldStep | null> => {
      const [row] = await rows(
        trx,
        sql<{ upto: string }>`SELECT upto FROM rollup_fold WHERE name = ${g.name} FOR UPDATE`,
      );
      if (!row) return null;
      const upto = Number(row.upto);
      if (upto >= target) return null;
      const [f] = await rows(
        trx,
        sql<{
          first: string | null;
        }>`SELECT min(ts) AS first FROM events WHERE ts >= ${upto} AND ts < ${target}`,
      );
      const first = f?.first == null ? null : Number(f.first);
      const hi =
        first === null ? target : Math.min(target, Math.floor(first / g.unit) * g.unit + FOLD_CHUNK_MS);
      if (first !== null)
        for (const t of foldTiersOf(g.name))
          await sql.raw(foldInsertSql(t, PG, [String(upto), String(hi)])).execute(trx);
      for (const q of g.derive?.(upto, hi) ?? []) await sql.raw(q).execute(trx);
      await sql`UPDATE rollup_fold SET upto = ${hi} WHERE name = ${g.name}`.execute(trx);
      return { group: g.name, upto: hi, more: hi < target };
    });
    if (step) return step;
  }
  return null;
}

/** Inside a re-pricing transaction: the deferred tiers over raw events [t0, t1) below their watermark. */
export async function rebuildPgFoldTiers(trx: PgExec, t0: number, t1: number): Promise<void> {
  const marks = await readPgFoldMarks(trx, 'share');
  for (const t of PG_FOLD_TIERS) {
    const r = foldRebuildRange(t, uptoOf(marks, t.group), t0, t1);
    if (!r) continue;
    await sql.raw(foldDeleteSql(t, [String(r.u0), String(r.u1)])).execute(trx);
    await sql.raw(foldInsertSql(t, PG, [String(r.e0), String(r.e1)])).execute(trx);
  }
}
