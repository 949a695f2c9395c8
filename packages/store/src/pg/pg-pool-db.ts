import type { RawBuilder } from 'kysely';
import { rows, type PgDb, type PgExec } from './pg-connection';

/** What each Postgres pool table's repository shares: the pool, the clock and the closed-store guard. */
export interface PgPoolDb {
  db: PgDb;
  now: () => number;
  /** Rows of a query on the pool or a transaction; refuses once the store is closed. */
  q<R>(query: RawBuilder<R>, exec?: PgExec): Promise<R[]>;
  /** Rows a statement changed (DELETE / UPDATE without RETURNING). */
  changes(query: RawBuilder<unknown>, exec?: PgExec): Promise<number>;
}

export function createPgPoolDb(deps: { db: PgDb; now: () => number; assertOpen: () => void }): PgPoolDb {
  const { db, now, assertOpen } = deps;
  return {
    db,
    now,
    async q<R>(query: RawBuilder<R>, exec: PgExec = db) {
      assertOpen();
      return rows(exec, query);
    },
    async changes(query, exec = db) {
      assertOpen();
      return Number((await query.execute(exec)).numAffectedRows ?? 0);
    },
  };
}

/** Epoch ms (or seconds) for a bigint column: SQLite stores a fraction as REAL, Postgres refuses it. */
export const whole = (v: number | null): number | null => (v === null ? null : Math.round(v));

/**
 * Splits items into rounds in which no key repeats, keeping their order: one multi-row upsert per round
 * then gives what one statement per item (SQLite's way) gives. ON CONFLICT DO UPDATE refuses to touch
 * one row twice in a statement.
 */
export function rounds<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const out: T[][] = [];
  const seen = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    (out[n] ??= []).push(item);
  }
  return out;
}
