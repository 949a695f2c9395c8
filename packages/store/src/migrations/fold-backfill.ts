import { sql, type Kysely } from 'kysely';
import { foldInsertSql, type FoldDialect, type FoldTier } from '../rollups/fold-tier';
import type { StoreLogger } from '../types';

const WEEK_MS = 7 * 86_400_000;

/**
 * For a migration that adds a deferred tier (rollups/fold-tier.ts) to a store with data: fills it with the raw
 * events below its group's watermark, a week per statement (whole UTC days: sort memory stays small), so the
 * invariant holds from the start. `d`: `{ max: 'max' }` on SQLite, `{ max: 'greatest' }` on Postgres. Raw events
 * retention already deleted are not there: fill such history from other rollups first if the tier needs it.
 */
export async function backfillFoldTier(
  db: Kysely<unknown>,
  tier: FoldTier,
  d: FoldDialect,
  logger?: StoreLogger,
): Promise<void> {
  const [mark] = (
    await sql<{ upto: number | string }>`SELECT upto FROM rollup_fold WHERE name = ${tier.group}`.execute(db)
  ).rows;
  const [span] = (await sql<{ lo: number | string | null }>`SELECT min(ts) AS lo FROM events`.execute(db))
    .rows;
  if (!mark || span?.lo === null || span?.lo === undefined) return;
  const upto = Number(mark.upto);
  const start = Math.floor(Number(span.lo) / 86_400_000) * 86_400_000;
  const t0 = performance.now();
  let logged = 0;
  for (let t = start; t < upto; t += WEEK_MS) {
    await sql.raw(foldInsertSql(tier, d, [String(t), String(Math.min(t + WEEK_MS, upto))])).execute(db);
    const pct = Math.min(100, Math.floor(((Math.min(t + WEEK_MS, upto) - start) / (upto - start)) * 100));
    if (logger && pct >= logged + 10) {
      logged = pct;
      logger.info(
        { tier: tier.name, pct, ms: Math.round(performance.now() - t0) },
        'store migration backfill',
      );
    }
  }
}
