import { sql, type Kysely } from 'kysely';

/**
 * Several CPAs: an inspection run records the CPA it probed (`upstream`, a CPA's name), so the runs list can be
 * read per CPA. NULL for a run over several or every CPA, and for every run stored before this column existed
 * (they covered every CPA). The list per CPA reads the newest few runs: no index needed.
 */
export const POOL_RUN_UPSTREAM = 'ALTER TABLE pool_inspection_run ADD COLUMN upstream TEXT';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Idempotent like the IF NOT EXISTS migrations: tests step back over later migrations and re-run them.
  const cols = await sql<{ name: string }>`SELECT name FROM pragma_table_info('pool_inspection_run')`.execute(db);
  if (cols.rows.some((c) => c.name === 'upstream')) return;
  await sql.raw(POOL_RUN_UPSTREAM).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('ALTER TABLE pool_inspection_run DROP COLUMN upstream').execute(db);
}
