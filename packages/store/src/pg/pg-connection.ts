import { CompiledQuery, Kysely, PostgresDialect, type RawBuilder, type Transaction } from 'kysely';
import type { Pool } from 'pg';
import { StoreError } from '../errors';
import type { StoreTables } from '../open-store';

/** The Kysely handle the Postgres repositories share (the pool or a transaction on it). */
export type PgDb = Kysely<StoreTables>;
export type PgExec = Kysely<StoreTables> | Transaction<StoreTables>;

const INT8_OID = 20;
const NUMERIC_OID = 1700;

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkSchemaName(schema: string): string {
  if (!IDENT.test(schema)) {
    throw new StoreError(
      'open_failed',
      `Invalid Postgres schema name "${schema}": use lower-case letters, digits and _ (at most 63, not starting with a digit).`,
    );
  }
  return schema;
}

/** The connection string without its password, for messages and logs. */
export function describeConnection(connectionString: string): string {
  try {
    const u = new URL(connectionString);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable connection string)';
  }
}

export async function createPgDb(opts: {
  connectionString: string;
  schema: string | undefined;
  poolSize?: number;
}): Promise<{ db: PgDb; pool: Pool }> {
  // Loaded on first use: SQLite-only users of the package never pay for importing pg.
  const { default: pg } = await import('pg');
  // bigint and numeric (what sum(bigint) returns) as JS numbers: every value the store keeps
  // (epoch ms, token counts, micro-dollars) stays far below 2^53.
  const getTypeParser = ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID || oid === NUMERIC_OID
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser;
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.poolSize ?? 10,
    types: { getTypeParser },
  });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => {});
  const schema = opts.schema;
  const db = new Kysely<StoreTables>({
    dialect: new PostgresDialect({
      pool,
      onCreateConnection: schema
        ? async (conn) => {
            await conn.executeQuery(CompiledQuery.raw(`SET search_path TO "${schema}"`));
          }
        : undefined,
    }),
  });
  return { db, pool };
}

/** Rows of a raw query. */
export async function rows<T>(db: PgExec, query: RawBuilder<T>): Promise<T[]> {
  return (await query.execute(db)).rows;
}

/** Serialises async write sections in this process (one writer, like the SQLite store). */
export function createWriteLock(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => {});
    return run;
  };
}
