import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreLogger } from '../../types';
import { ZONE_TIERS } from '../../rollups/zone-rollups';
import { backfillZoneTiers, zoneTierDdl } from '../../migrations/0022-rollup-hour-zone';

// The hour tiers for time views in non-UTC zones, the same tables as SQLite's (see
// migrations/0022-rollup-hour-zone.ts and rollups/zone-rollups.ts), backfilled the same way.
export const upWithLog = async (db: Kysely<unknown>, logger?: StoreLogger): Promise<void> => {
  for (const s of zoneTierDdl({ int: 'integer', big: 'bigint', suffix: '' })) await sql.raw(s).execute(db);
  await backfillZoneTiers(db, logger);
};

export const up: Migration['up'] = (db) => upWithLog(db);

export const down: Required<Migration>['down'] = async (db) => {
  for (const t of ZONE_TIERS.map((x) => x.name).reverse())
    await sql.raw(`DROP TABLE IF EXISTS ${t}`).execute(db);
};
