// Leases: a named role (collecting from one upstream, running the schedulers) that at most one process
// holds at a time. A lease row carries its holder, when it was last renewed and when it expires; a holder
// that stops renewing loses it at expiry, and anyone may take it then. All three writes are one statement
// each, so two processes racing for the same lease cannot both win.
import { StoreError } from '../errors';

export interface LeaseRecord {
  name: string;
  /** Who holds it (an instance id); '' after a release. */
  holder: string;
  /** When the current holder took it (a renewal keeps it). */
  acquiredAtMs: number;
  /** The holder's last renewal. */
  heartbeatMs: number;
  /** After this the lease is free for anyone. */
  expiresAtMs: number;
  /** Counts hand-overs: +1 each time a different holder takes the lease (a fencing number). */
  epoch: number;
}

export interface LeasesRepository {
  /** Takes the lease when it is free, expired or already ours; the record when `holder` holds it now, else null. */
  acquire(name: string, holder: string, ttlMs: number): Promise<LeaseRecord | null>;
  /** Extends the lease by `ttlMs` from now, only while `holder` still holds it; null when someone else took it. */
  renew(name: string, holder: string, ttlMs: number): Promise<LeaseRecord | null>;
  /** Gives the lease up at once (only by its holder); true when it was held by `holder`. */
  release(name: string, holder: string): Promise<boolean>;
  /** The lease while someone holds it (not expired, not released); null when it is free. */
  current(name: string): Promise<LeaseRecord | null>;
  /** Every lease row, held or not, by name. */
  list(): Promise<LeaseRecord[]>;
}

/** The table's row, the same in both dialects. */
export interface LeaseRow {
  name: string;
  holder: string;
  acquired_ms: number;
  heartbeat_ms: number;
  expires_ms: number;
  epoch: number;
}

export function leaseFromRow(r: LeaseRow): LeaseRecord {
  return {
    name: r.name,
    holder: r.holder,
    acquiredAtMs: Number(r.acquired_ms),
    heartbeatMs: Number(r.heartbeat_ms),
    expiresAtMs: Number(r.expires_ms),
    epoch: Number(r.epoch),
  };
}

const NAME = /^[A-Za-z0-9_.:@/-]{1,200}$/;

/** Names, holders and ttls come from the server's code, but a bad one must fail loudly, not match nothing. */
export function checkLease(name: string, holder?: string, ttlMs?: number): void {
  if (!NAME.test(name))
    throw new StoreError('invalid_query', `Invalid lease name "${name}": 1-200 characters of A-Z a-z 0-9 _ . : @ / -.`);
  if (holder !== undefined && (holder.length === 0 || holder.length > 200))
    throw new StoreError('invalid_query', 'A lease holder is a non-empty id of at most 200 characters.');
  if (ttlMs !== undefined && (!Number.isInteger(ttlMs) || ttlMs < 1 || ttlMs > 86_400_000))
    throw new StoreError('invalid_query', `Invalid lease ttl ${ttlMs} ms: a whole number from 1 to 86400000.`);
}

/**
 * The acquire statement, valid SQL in both dialects (`?` / `$n` placeholders added by the caller):
 * insert, or take over a row that is ours or expired; RETURNING gives nothing when someone else holds it.
 * Parameters in order: name, holder, now, now, now + ttl.
 */
export const ACQUIRE_SQL = (p: (i: number) => string): string => `
  INSERT INTO leases (name, holder, acquired_ms, heartbeat_ms, expires_ms, epoch)
  VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, 1)
  ON CONFLICT (name) DO UPDATE SET
    holder = excluded.holder,
    acquired_ms = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_ms ELSE excluded.acquired_ms END,
    heartbeat_ms = excluded.heartbeat_ms,
    expires_ms = excluded.expires_ms,
    epoch = CASE WHEN leases.holder = excluded.holder THEN leases.epoch ELSE leases.epoch + 1 END
  WHERE leases.holder = excluded.holder OR leases.expires_ms <= excluded.heartbeat_ms
  RETURNING name, holder, acquired_ms, heartbeat_ms, expires_ms, epoch`;
