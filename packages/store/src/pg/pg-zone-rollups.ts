import { sql } from 'kysely';
import { sortByKey } from '../rollups/multi-row-upsert';
import { METRIC_COLS, type RollupContribution } from '../rollups/rollup-batch';
import { batchZoneRows } from '../rollups/rollup-rows';
import {
  BATCH_ZONE_TIERS,
  zoneRebuildHours,
  zoneTierDelete,
  zoneTierFromEvents,
} from '../rollups/zone-rollups';
import type { PgExec } from './pg-connection';
import { rebuildPgFoldTiers } from './pg-fold';

/**
 * Postgres: adds a batch to the per-batch zone hour tiers (see rollups/zone-rollups.ts), inside the caller's
 * transaction; the deferred ones take late events through applyPgLateRollups.
 */
export async function applyPgZoneRollups(exec: PgExec, items: readonly RollupContribution[]): Promise<void> {
  const batch = batchZoneRows(items);
  const set = METRIC_COLS.map((c) =>
    c === 'last_ts' ? `last_ts = greatest(t.last_ts, excluded.last_ts)` : `${c} = t.${c} + excluded.${c}`,
  ).join(', ');
  for (const tier of BATCH_ZONE_TIERS) {
    const nk = tier.keyCols.length;
    // Sorted by key: concurrent writers lock rows in the same order (no deadlocks).
    const rows = sortByKey([...batch[tier.name]!.values()], nk);
    if (rows.length === 0) continue;
    const cols = [...tier.keyCols, ...METRIC_COLS];
    const arrays = cols.map((_, i) => rows.map((r) => r[i]!));
    await sql`INSERT INTO ${sql.table(tier.name)} AS t (${sql.raw(cols.join(', '))})
      SELECT * FROM unnest(${sql.join(arrays.map((a) => sql`${a}::bigint[]`))})
      ON CONFLICT (${sql.raw(tier.keyCols.join(', '))}) DO UPDATE SET ${sql.raw(set)}`.execute(exec);
  }
}

/**
 * Postgres: recomputes the zone tiers of [fromMs, toMs), widened to whole UTC days, from raw events (the deferred
 * ones below their watermark only).
 */
export async function rebuildPgZoneRollups(exec: PgExec, fromMs: number, toMs: number): Promise<void> {
  const { h0, h1, t0, t1 } = zoneRebuildHours(fromMs, toMs);
  for (const tier of BATCH_ZONE_TIERS) {
    await sql.raw(zoneTierDelete(tier, [String(h0), String(h1)])).execute(exec);
    await sql.raw(zoneTierFromEvents(tier, [String(t0), String(t1)])).execute(exec);
  }
  await rebuildPgFoldTiers(exec, t0, t1);
}
