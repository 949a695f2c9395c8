import { sql, type Migration } from 'kysely';
import { createRollupFold } from '../../migrations/0025-rollup-fold';

// The fold watermarks of the deferred rollup tiers, as on SQLite (migrations/0025-rollup-fold.ts).
export const up: Migration['up'] = async (db) => {
  await createRollupFold(db, { big: 'bigint', suffix: '' });
};

export const down: Required<Migration>['down'] = async (db) => {
  await sql`DROP TABLE IF EXISTS rollup_fold`.execute(db);
};
