import { CompiledQuery, sql } from 'kysely';
import { ACQUIRE_SQL, checkLease, leaseFromRow, type LeaseRow, type LeasesRepository } from '../leases/leases';
import { rows, type PgDb } from './pg-connection';

const COLS = sql.raw('name, holder, acquired_ms, heartbeat_ms, expires_ms, epoch');

/**
 * Postgres: instances on several machines share these rows, so expiry is judged by one clock — the
 * database's (clock_timestamp()), unless the store was opened with an explicit `now` (tests).
 */
export function createPgLeasesRepository(deps: {
  db: PgDb;
  /** The store's injected clock, or undefined for the database's. */
  now: (() => number) | undefined;
  assertOpen: () => void;
}): LeasesRepository {
  const { db } = deps;
  const clock = async (): Promise<number> =>
    deps.now
      ? deps.now()
      : (await rows(db, sql<{ t: number }>`SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint AS t`))[0]!.t;
  const acquireSql = ACQUIRE_SQL((i) => `$${i}`);
  return {
    async acquire(name, holder, ttlMs) {
      deps.assertOpen();
      checkLease(name, holder, ttlMs);
      const t = await clock();
      // One upsert: a row lock on the lease decides between two racing takers.
      const r = await db.executeQuery<LeaseRow>(CompiledQuery.raw(acquireSql, [name, holder, t, t, t + ttlMs]));
      return r.rows[0] ? leaseFromRow(r.rows[0]) : null;
    },
    async renew(name, holder, ttlMs) {
      deps.assertOpen();
      checkLease(name, holder, ttlMs);
      const t = await clock();
      const [r] = await rows(
        db,
        sql<LeaseRow>`UPDATE leases SET heartbeat_ms = ${t}, expires_ms = ${t + ttlMs}
          WHERE name = ${name} AND holder = ${holder} RETURNING ${COLS}`,
      );
      return r ? leaseFromRow(r) : null;
    },
    async release(name, holder) {
      deps.assertOpen();
      checkLease(name, holder);
      const t = await clock();
      const r = await rows(
        db,
        sql<{ name: string }>`UPDATE leases SET holder = '', expires_ms = ${t}
          WHERE name = ${name} AND holder = ${holder} RETURNING name`,
      );
      return r.length > 0;
    },
    async current(name) {
      deps.assertOpen();
      checkLease(name);
      const t = await clock();
      const [r] = await rows(
        db,
        sql<LeaseRow>`SELECT ${COLS} FROM leases WHERE name = ${name} AND holder <> '' AND expires_ms > ${t}`,
      );
      return r ? leaseFromRow(r) : null;
    },
    async list() {
      deps.assertOpen();
      return (await rows(db, sql<LeaseRow>`SELECT ${COLS} FROM leases ORDER BY name`)).map(leaseFromRow);
    },
  };
}
