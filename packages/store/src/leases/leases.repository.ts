import type Database from 'better-sqlite3';
import { settle } from '../async-facade';
import { ACQUIRE_SQL, checkLease, leaseFromRow, type LeaseRow, type LeasesRepository } from './leases';

/**
 * SQLite: one process owns the file (the data-dir lock), so its leases are always free for it; the table
 * exists so both dialects answer the same and a copy to Postgres starts from the same schema.
 */
export function createLeasesRepository(deps: {
  writer: Database.Database;
  now: () => number;
  assertOpen: () => void;
}): LeasesRepository {
  const { writer, now } = deps;
  const acquire = writer.prepare<[string, string, number, number, number], LeaseRow>(ACQUIRE_SQL(() => '?'));
  // A renewal by the holder is valid even past expiry: the holder unchanged means nobody else held it.
  const renew = writer.prepare<[number, number, string, string], LeaseRow>(
    `UPDATE leases SET heartbeat_ms = ?, expires_ms = ? WHERE name = ? AND holder = ?
     RETURNING name, holder, acquired_ms, heartbeat_ms, expires_ms, epoch`,
  );
  const release = writer.prepare<[number, string, string]>(
    `UPDATE leases SET holder = '', expires_ms = ? WHERE name = ? AND holder = ?`,
  );
  const one = writer.prepare<[string], LeaseRow>('SELECT * FROM leases WHERE name = ?');
  const all = writer.prepare<[], LeaseRow>('SELECT * FROM leases ORDER BY name');
  return {
    acquire: (name, holder, ttlMs) =>
      settle(() => {
        deps.assertOpen();
        checkLease(name, holder, ttlMs);
        const t = now();
        const r = acquire.get(name, holder, t, t, t + ttlMs);
        return r ? leaseFromRow(r) : null;
      }),
    renew: (name, holder, ttlMs) =>
      settle(() => {
        deps.assertOpen();
        checkLease(name, holder, ttlMs);
        const t = now();
        const r = renew.get(t, t + ttlMs, name, holder);
        return r ? leaseFromRow(r) : null;
      }),
    release: (name, holder) =>
      settle(() => {
        deps.assertOpen();
        checkLease(name, holder);
        return release.run(now(), name, holder).changes > 0;
      }),
    current: (name) =>
      settle(() => {
        deps.assertOpen();
        checkLease(name);
        const r = one.get(name);
        return r && r.holder !== '' && r.expires_ms > now() ? leaseFromRow(r) : null;
      }),
    list: () =>
      settle(() => {
        deps.assertOpen();
        return all.all().map(leaseFromRow);
      }),
  };
}
