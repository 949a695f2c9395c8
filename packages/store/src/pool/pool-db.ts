import type Database from 'better-sqlite3';

/** What each pool table's repository shares: the connections, prepared-statement caches and the clock. */
export interface PoolDb {
  writer: Database.Database;
  now: () => number;
  /** A statement on the writer, prepared once per SQL string (the strings form a small fixed set). */
  w(sql: string): Database.Statement;
  /** The same on the read connection (the writer for an in-memory store). */
  rd(sql: string): Database.Statement;
}

export function createPoolDb(
  writer: Database.Database,
  reader: () => Database.Database,
  now: () => number,
): PoolDb {
  const wCache = new Map<string, Database.Statement>();
  const rCache = new Map<string, Database.Statement>();
  const w = (sql: string): Database.Statement => {
    let st = wCache.get(sql);
    if (!st) wCache.set(sql, (st = writer.prepare(sql)));
    return st;
  };
  const rd = (sql: string): Database.Statement => {
    const db = reader();
    if (db === writer) return w(sql);
    let st = rCache.get(sql);
    if (!st) rCache.set(sql, (st = db.prepare(sql)));
    return st;
  };
  return { writer, now, w, rd };
}

/** Days to milliseconds, for retention cut-offs. */
export const DAY = 86_400_000;
