import { sql, type Kysely } from 'kysely';
import { DEDUP_EPOCH_MINUTE } from '../../events/event-codec';
import type { StoreLogger } from '../../types';

// The same 11-byte dedup value as SQLite's 0032 (see there and events/event-codec.ts), so a record stored
// before the upgrade and delivered again after it is still a duplicate, and `cpamp migrate --to postgres` and
// exports carry one form across dialects. Postgres has no disk budget, but keys must match SQLite's. One
// ALTER ... USING rewrites the table and its indexes once (an UPDATE would leave a dead copy of every row);
// migrations run in one transaction here, so an interrupted run leaves the 16-byte form and starts over.
const NEW_DEDUP = `CASE WHEN length(dedup) = 16 THEN decode(lpad(to_hex(
  greatest(0, least(${0xffffff}, floor(ts / 60000.0)::bigint - ${DEDUP_EPOCH_MINUTE}))), 6, '0'), 'hex')
  || substring(dedup from 5 for 8) ELSE dedup END`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await upWithLog(db);
}

export async function upWithLog(db: Kysely<unknown>, logger?: StoreLogger): Promise<void> {
  const old = await sql`SELECT 1 FROM events WHERE length(dedup) = 16 LIMIT 1`.execute(db);
  if (old.rows.length === 0) return;
  const t0 = performance.now();
  logger?.info({}, 'store migration: rewriting events with the 11-byte dedup key');
  await sql.raw(`ALTER TABLE events ALTER COLUMN dedup TYPE bytea USING ${NEW_DEDUP}`).execute(db);
  logger?.info({ ms: Math.round(performance.now() - t0) }, 'store migration: dedup key slimmed (11 bytes)');
}

export async function down(): Promise<void> {
  throw new Error('0032 shortened the stored dedup hashes: it cannot be undone');
}
