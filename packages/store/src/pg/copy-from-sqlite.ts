// Moving up: copies a SQLite store into Postgres table by table, in key order and in chunks, each chunk
// committed together with its checkpoint (copy-checkpoint.ts) so an interrupted copy resumes exactly. The
// rows keep their ids (dictionaries, events, versions), so the copied database needs no re-mapping, and
// secrets move sealed: the target must be opened with the source's data key.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { PG_FOLD_GROUPS } from '../rollups/fold-registry';
import { PG_DIMS_TABLE_DEFS } from '../rollups/pg-dims-fold';
import { PG_DIMS_GROUP } from '../rollups/pg-dims-tables';
import { decryptSecret, loadOrCreateDataKeyFile, parseDataKey } from '../crypto/data-key';
import { StoreError } from '../errors';
import {
  COPY_MARKER_KEY,
  readCopyMarker,
  writeCopyMarker,
  type CopyMarker,
  type TableCheckpoint,
} from './copy-checkpoint';
import { buildCopyPlan, pgTables, quoteSqlite, pgConverter, type CopyTable } from './copy-plan';
import { intArray, textArray } from './pg-array';
import { verifyCopy, type CopyCheck } from './copy-verify';
import { open as openPg } from './copy-target';
import { rows, type PgDb } from './pg-connection';

export interface CopyFromSqliteOptions {
  /** The SQLite database (a cpamp store, migrated to this version); opened read-only. */
  sqlitePath: string;
  /** The target, e.g. `postgresql://user:pass@host:5432/cpamp`. Its migrations run first. */
  connectionString: string;
  schema?: string;
  /** The source's data key (raw, hex or base64); or dataKeyPath, the source's data.key (never created). */
  dataKey?: Uint8Array | string;
  dataKeyPath?: string;
  /** Rows per chunk (one transaction with its checkpoint); default 5000. */
  chunkSize?: number;
  onProgress?: (p: CopyProgress) => void;
  /** Called after each committed chunk; a throw stops the copy there (tests use it to interrupt). */
  afterChunk?: (table: string, copied: number) => void | Promise<void>;
  now?: () => number;
}

export interface CopyProgress {
  table: string;
  /** Rows of this table in the target so far (this run and earlier ones). */
  copied: number;
  total: number;
  /** Rows per second in this run, for this table. */
  rate: number;
  done: boolean;
}

export interface CopiedTable {
  table: string;
  rows: number;
  copiedThisRun: number;
  /** Carried on from an earlier, interrupted run. */
  resumed: boolean;
  /** SQLite columns the Postgres table has no place for. */
  sourceOnlyColumns: string[];
}

export interface CopyFromSqliteReport {
  source: string;
  tables: CopiedTable[];
  /** SQLite tables with no Postgres table: not copied. */
  notCopied: string[];
  checks: CopyCheck[];
  /** 'same': the target decrypts the source's management key; 'absent': the source has none. */
  managementKey: 'same' | 'absent';
  /** The target already held a finished copy of this source: nothing was copied. */
  alreadyComplete: boolean;
  rowsCopied: number;
  elapsedMs: number;
  ok: boolean;
}

const KEY_CHECK = 'data_key_check';
const CHECK_PLAINTEXT = 'cpamp-data-key-check';
const MANAGEMENT_KEY = 'cpa_management_key';
/**
 * What a freshly opened Postgres store already holds, not "other data": the key check, the first price version, the
 * default upstream, the fold watermark (replaced by the source's: it goes with the copied tiers).
 */
const FRESH_ROWS: Record<string, number> = {
  settings: 1,
  price_version: 1,
  upstream: 1,
  // One watermark row per fold group (hour_dims, day_dims, and Postgres' own pg_dims).
  rollup_fold: PG_FOLD_GROUPS.length,
};

function readSourceKey(opts: CopyFromSqliteOptions): Buffer {
  if (opts.dataKey !== undefined) return parseDataKey(opts.dataKey, 'the dataKey option');
  if (opts.dataKeyPath !== undefined) {
    // An existing file only: a new key could not open the source's secrets anyway.
    if (!existsSync(opts.dataKeyPath))
      throw new StoreError(
        'data_key_invalid',
        `The data key ${opts.dataKeyPath} does not exist. Give the key that sealed the SQLite database's secrets (its data.key or CPA_MANAGER_DATA_KEY).`,
      );
    return loadOrCreateDataKeyFile(opts.dataKeyPath).key;
  }
  throw new StoreError(
    'data_key_invalid',
    'Copying to Postgres needs the source data key: pass dataKey or dataKeyPath.',
  );
}

function settingValue(db: Database.Database, key: string): string | undefined {
  const r = db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
  return r ? (JSON.parse(r.value) as string) : undefined;
}

function openSource(path: string): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (cause) {
    throw new StoreError(
      'open_failed',
      `Cannot open the SQLite database ${path}: ${(cause as Error).message}`,
      { cause },
    );
  }
  const has = (t: string) =>
    db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(t) !== undefined;
  if (!has('events') || !has('settings')) {
    db.close();
    throw new StoreError('open_failed', `${path} is not a cpamp database (no events / settings tables).`);
  }
  return db;
}

/** Refuses a target that holds data this source did not put there. */
async function checkTarget(db: PgDb, schema: string, sourceId: string, sourcePath: string): Promise<void> {
  const tables = await pgTables(db, schema);
  if (!tables.includes('settings')) return;
  const marker = await readCopyMarker(db);
  if (marker) {
    if (marker.source === sourceId) return;
    throw new StoreError(
      'migrate_refused',
      `The Postgres target already holds a copy of another SQLite database (${marker.sourcePath}, started ${new Date(marker.startedMs).toISOString()}). ` +
        'Copy into an empty database or another schema (--schema).',
    );
  }
  const busy: string[] = [];
  for (const t of tables) {
    const n = Number((await rows(db, sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table(t)}`))[0]!.n);
    const fresh =
      t === 'settings'
        ? Number(
            (
              await rows(db, sql<{ n: number }>`SELECT count(*) AS n FROM settings WHERE key = ${KEY_CHECK}`)
            )[0]!.n,
          )
        : (FRESH_ROWS[t] ?? 0);
    if (n > fresh) busy.push(`${t} (${n} rows)`);
  }
  if (busy.length > 0)
    throw new StoreError(
      'migrate_refused',
      `The Postgres target already holds data that did not come from ${sourcePath}: ${busy.slice(0, 6).join(', ')}${busy.length > 6 ? ', …' : ''}. ` +
        'Refusing to mix two installs: copy into an empty database or another schema (--schema).',
    );
}

/**
 * The Postgres-only tiers (migration 0031) have no SQLite source and the copied events never went through their
 * late path: empty them and fold them from the first event (their watermark row is not in the source).
 */
async function restartPgOnlyFold(db: PgDb): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const t of PG_DIMS_TABLE_DEFS) await sql.raw(`DELETE FROM ${t.table}`).execute(trx);
    await sql`UPDATE rollup_fold SET upto = 0 WHERE name = ${PG_DIMS_GROUP}`.execute(trx);
  });
}

/** The next chunk in key order, after the last copied key (row values compare column by column). */
function selectChunk(t: CopyTable, resume: boolean): string {
  const key = t.sourceKey.map(quoteSqlite);
  const cols = [...t.columns.map((c) => quoteSqlite(c.name)), ...key.map((k, i) => `${k} AS "__k${i}"`)];
  const after =
    key.length === 1 ? `${key[0]} > ?` : `(${key.join(', ')}) > (${key.map(() => '?').join(', ')})`;
  return `SELECT ${cols.join(', ')} FROM ${quoteSqlite(t.name)}${resume ? ` WHERE ${after}` : ''} ORDER BY ${key.join(', ')} LIMIT ?`;
}

const INT_TYPES = new Set(['bigint', 'integer', 'smallint']);

/**
 * A column's values as one array parameter plus the expression that reads it from unnest(): integers and
 * text as prebuilt literals (pg-array.ts; node-pg's per-element escaping dominated the copier's CPU), blobs
 * as hex text decoded in SQL, anything else as a JS array.
 */
function columnParam(pgType: string, values: unknown[], alias: string) {
  const asArray = sql`${values}::${sql.raw(`${pgType}[]`)}`;
  if (INT_TYPES.has(pgType))
    return values.every((v) => v === null || typeof v === 'number')
      ? { param: sql`${intArray(values as (number | null)[])}::${sql.raw(`${pgType}[]`)}`, read: alias }
      : { param: asArray, read: alias };
  if (pgType === 'text')
    return { param: sql`${textArray(values as (string | null)[])}::text[]`, read: alias };
  if (pgType === 'bytea')
    return {
      param: sql`${textArray((values as (Buffer | null)[]).map((b) => (b === null ? null : b.toString('hex'))))}::text[]`,
      read: `decode(${alias}, 'hex')`,
    };
  return { param: asArray, read: alias };
}

/** One multi-row INSERT for a chunk: one array parameter per column, unnested server-side. */
function insertChunk(t: CopyTable, chunk: Record<string, unknown>[]) {
  const params = t.columns.map((c, i) => {
    const convert = pgConverter(c.pgType);
    return columnParam(
      c.pgType,
      chunk.map((r) => convert(r[c.name])),
      `c${i}`,
    );
  });
  const cols = sql.join(t.columns.map((c) => sql.ref(c.name)));
  const unnest = sql.join(params.map((p) => p.param));
  const aliases = sql.raw(t.columns.map((_, i) => `c${i}`).join(', '));
  const select = sql.raw(params.map((p) => p.read).join(', '));
  const rest = t.columns.filter((c) => !t.targetKey.includes(c.name));
  // The target's own rows for the same key (the settings check value, the initial price version) give way
  // to the source's; anything else conflicting is left alone, and the counts at the end tell.
  const conflict =
    t.targetKey.length > 0 && rest.length > 0
      ? sql`ON CONFLICT (${sql.join(t.targetKey.map((k) => sql.ref(k)))}) DO UPDATE SET ${sql.join(
          rest.map((c) => sql`${sql.ref(c.name)} = excluded.${sql.ref(c.name)}`),
        )}`
      : sql`ON CONFLICT DO NOTHING`;
  return sql`INSERT INTO ${sql.table(t.name)} (${cols}) ${t.identity ? sql`OVERRIDING SYSTEM VALUE ` : sql``}SELECT ${select} FROM unnest(${unnest}) AS u(${aliases}) ${conflict}`;
}

async function resetSequences(db: PgDb, tables: readonly CopyTable[]): Promise<void> {
  for (const t of tables)
    for (const c of t.sequenced)
      await sql`SELECT setval(pg_get_serial_sequence(${t.name}, ${c}), m) FROM (SELECT max(${sql.ref(c)}) AS m FROM ${sql.table(
        t.name,
      )}) x WHERE m IS NOT NULL`.execute(db);
}

export async function copyFromSqlite(opts: CopyFromSqliteOptions): Promise<CopyFromSqliteReport> {
  const now = opts.now ?? Date.now;
  const started = now();
  const chunkSize = Math.max(1, opts.chunkSize ?? 5000);
  const key = readSourceKey(opts);
  const source = openSource(opts.sqlitePath);
  try {
    const check = settingValue(source, KEY_CHECK);
    if (check === undefined || decryptSecret(key, check) !== CHECK_PLAINTEXT)
      throw new StoreError(
        'data_key_mismatch',
        `The data key given does not match the one that sealed ${opts.sqlitePath}'s secrets: give that database's data.key (or CPA_MANAGER_DATA_KEY).`,
      );
    const sourceId = createHash('sha256').update(check).digest('hex').slice(0, 32);
    // One read transaction: every table, and the verification, see the same snapshot of the source.
    source.exec('BEGIN');
    const target = await openPg(opts, key, now);
    try {
      // One connection for the whole copy, holding a lock: a second copy into the same schema meanwhile is refused.
      return await target.db.connection().execute(async (db) => {
        const lockKey = `cpamp-migrate:${target.schema}`;
        const [got] = await rows(
          db,
          sql<{ ok: boolean }>`SELECT pg_try_advisory_lock(hashtext(${lockKey})) AS ok`,
        );
        if (!got?.ok)
          throw new StoreError(
            'migrate_refused',
            `Another cpamp migrate is copying into this Postgres target (schema ${target.schema}) right now. Wait for it to finish.`,
          );
        try {
          await checkTarget(db, target.schema, sourceId, opts.sqlitePath);
          await target.migrate();
          const plan = await buildCopyPlan(source, db, target.schema);
          const marker: CopyMarker = (await readCopyMarker(db)) ?? {
            version: 1,
            source: sourceId,
            sourcePath: opts.sqlitePath,
            startedMs: started,
            finishedMs: null,
            tables: {},
          };
          const alreadyComplete = marker.finishedMs !== null;
          await writeCopyMarker(db, marker, now());
          const copied: CopiedTable[] = [];
          let rowsCopied = 0;
          for (const t of plan.tables) {
            const cp: TableCheckpoint = marker.tables[t.name] ?? { after: null, copied: 0, done: false };
            marker.tables[t.name] = cp;
            const resumed = cp.copied > 0 || cp.done;
            const total = (
              source.prepare(`SELECT count(*) AS n FROM ${quoteSqlite(t.name)}`).get() as { n: number }
            ).n;
            let thisRun = 0;
            const tableStart = now();
            const stmt = source.prepare(selectChunk(t, true));
            const first = source.prepare(selectChunk(t, false));
            while (!cp.done) {
              const chunk = (
                cp.after === null ? first.all(chunkSize) : stmt.all(...cp.after, chunkSize)
              ) as Record<string, unknown>[];
              if (chunk.length === 0) {
                cp.done = true;
                await writeCopyMarker(db, marker, now());
                break;
              }
              const last = chunk[chunk.length - 1]!;
              const next: TableCheckpoint = {
                after: t.sourceKey.map((_, i) => last[`__k${i}`]),
                copied: cp.copied + chunk.length,
                done: chunk.length < chunkSize,
              };
              await db.transaction().execute(async (trx) => {
                await insertChunk(t, chunk).execute(trx);
                await writeCopyMarker(
                  trx,
                  { ...marker, tables: { ...marker.tables, [t.name]: next } },
                  now(),
                );
              });
              Object.assign(cp, next);
              thisRun += chunk.length;
              rowsCopied += chunk.length;
              const secs = Math.max(now() - tableStart, 1) / 1000;
              opts.onProgress?.({
                table: t.name,
                copied: cp.copied,
                total,
                rate: Math.round(thisRun / secs),
                done: cp.done,
              });
              await opts.afterChunk?.(t.name, cp.copied);
            }
            if (thisRun === 0)
              opts.onProgress?.({ table: t.name, copied: cp.copied, total, rate: 0, done: true });
            copied.push({
              table: t.name,
              rows: total,
              copiedThisRun: thisRun,
              resumed,
              sourceOnlyColumns: t.sourceOnlyColumns,
            });
          }
          await resetSequences(db, plan.tables);
          if (!alreadyComplete) await restartPgOnlyFold(db);
          if (marker.finishedMs === null) marker.finishedMs = now();
          await writeCopyMarker(db, marker, now());
          const checks = await verifyCopy(source, db, plan.tables);
          const managementKey = await checkManagementKey(source, key, target);
          return {
            source: sourceId,
            tables: copied,
            notCopied: plan.sourceOnly,
            checks,
            managementKey,
            alreadyComplete: alreadyComplete && rowsCopied === 0,
            rowsCopied,
            elapsedMs: now() - started,
            ok: checks.every((c) => c.ok),
          };
        } finally {
          await sql`SELECT pg_advisory_unlock(hashtext(${lockKey}))`.execute(db);
        }
      });
    } finally {
      await target.close();
    }
  } finally {
    if (source.inTransaction) source.exec('COMMIT');
    source.close();
  }
}

/** The management key must read back on the target with the same data key: the secrets moved sealed. */
async function checkManagementKey(
  source: Database.Database,
  key: Buffer,
  target: Awaited<ReturnType<typeof openPg>>,
): Promise<'same' | 'absent'> {
  const sealed = settingValue(source, MANAGEMENT_KEY);
  if (sealed === undefined) return 'absent';
  const plain = decryptSecret(key, sealed);
  const copied = await target.managementKey();
  if (plain === null || copied !== plain)
    throw new StoreError(
      'data_key_mismatch',
      "The management key copied to Postgres does not decrypt to the source's with the same data key: the keys differ.",
    );
  return 'same';
}

export { COPY_MARKER_KEY };
