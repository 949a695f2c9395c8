// The Postgres side of a copy: a raw connection for the bulk writes, and openPgStore for what the store
// itself must do (run the migrations, check the data key, read a secret back).
import { sql } from 'kysely';
import { StoreError, isStoreError } from '../errors';
import { openPgStore } from './open-pg-store';
import { checkSchemaName, createPgDb, describeConnection, type PgDb } from './pg-connection';

export interface CopyTarget {
  db: PgDb;
  schema: string;
  /** Brings the target schema to this version (openPgStore's migrations) with the source's data key. */
  migrate(): Promise<void>;
  /** The management key as the Postgres store decrypts it. */
  managementKey(): Promise<string | undefined>;
  close(): Promise<void>;
}

export async function open(
  opts: { connectionString: string; schema?: string },
  dataKey: Buffer,
  now: () => number,
): Promise<CopyTarget> {
  const schema = opts.schema === undefined ? 'public' : checkSchemaName(opts.schema);
  const where = describeConnection(opts.connectionString);
  // No background fold: the copied tiers and watermark arrive as the source has them.
  const storeOpts = { connectionString: opts.connectionString, dataKey, now, poolSize: 1, schema, foldIntervalMs: 0 };
  const withStore = async <T>(fn: (s: Awaited<ReturnType<typeof openPgStore>>) => Promise<T>): Promise<T> => {
    let store;
    try {
      store = await openPgStore(storeOpts);
    } catch (e) {
      if (isStoreError(e) && e.code === 'data_key_mismatch')
        throw new StoreError(
          'data_key_mismatch',
          `The Postgres target ${where} already holds secrets sealed with another data key than the SQLite database's. ` +
            'The data key must be the same on both sides: copy into an empty database or schema.',
          { cause: e },
        );
      throw e;
    }
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  };
  const { db } = await createPgDb({ connectionString: opts.connectionString, schema, poolSize: 2 });
  try {
    await sql`SELECT 1`.execute(db);
  } catch (cause) {
    await db.destroy().catch(() => {});
    throw new StoreError(
      'open_failed',
      `Cannot connect to Postgres at ${where}: ${(cause as Error).message}. Check the connection string (host, port, database, user, password).`,
      { cause },
    );
  }
  return {
    db,
    schema,
    migrate: () => withStore(async () => {}),
    managementKey: () => withStore((s) => s.settings.getManagementKey()),
    close: () => db.destroy(),
  };
}
