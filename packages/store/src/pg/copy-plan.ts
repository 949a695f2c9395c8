// What `copyFromSqlite` copies: every table both schemas have, discovered from the catalogs (sqlite_master,
// pg_catalog) rather than listed, so tables a later migration adds on both sides are picked up unchanged.
import type Database from 'better-sqlite3';
import { sql } from 'kysely';
import { rows, type PgExec } from './pg-connection';

/** Bookkeeping tables of the migrators: each side keeps its own. */
const OWN_TABLES = new Set(['kysely_migration', 'kysely_migration_lock']);

export interface CopyColumn {
  name: string;
  /** The Postgres type as `format_type` spells it (`bigint`, `bytea`, `double precision`, …). */
  pgType: string;
}

export interface CopyTable {
  name: string;
  /** The columns both sides have, in the Postgres order. */
  columns: CopyColumn[];
  /** The SQLite key the copy walks in order (`rowid` for a table without a declared key). */
  sourceKey: string[];
  /** The Postgres primary key when every column of it is copied (the ON CONFLICT target), else empty. */
  targetKey: string[];
  /** Columns with a sequence (identity or serial), moved past the copied ids at the end. */
  sequenced: string[];
  /** Has identity columns: the INSERT overrides them (GENERATED ALWAYS would refuse the copied ids). */
  identity: boolean;
  /** SQLite columns Postgres has no place for (reported, not copied). */
  sourceOnlyColumns: string[];
}

export interface CopyPlan {
  tables: CopyTable[];
  /** Tables only the SQLite side has: "not copied (no Postgres table)". */
  sourceOnly: string[];
}

interface PgColumnRow {
  table: string;
  column: string;
  type: string;
  identity: boolean;
  sequence: boolean;
}

export const quoteSqlite = (name: string): string => `"${name.replace(/"/g, '""')}"`;

export function sqliteTables(db: Database.Database): string[] {
  return (
    db
      .prepare(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
      )
      .all() as {
      name: string;
    }[]
  )
    .map((r) => r.name)
    .filter((n) => !OWN_TABLES.has(n));
}

export async function pgTables(db: PgExec, schema: string): Promise<string[]> {
  return (
    await rows(
      db,
      sql<{
        name: string;
      }>`SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ${schema} AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname`,
    )
  )
    .map((r) => r.name)
    .filter((n) => !OWN_TABLES.has(n));
}

/** Parents before children when Postgres has foreign keys between the copied tables; otherwise by name. */
function orderByForeignKeys(names: string[], edges: { child: string; parent: string }[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (n: string, path: Set<string>) => {
    if (seen.has(n) || path.has(n)) return;
    path.add(n);
    for (const e of edges)
      if (e.child === n && e.parent !== n && names.includes(e.parent)) visit(e.parent, path);
    seen.add(n);
    out.push(n);
  };
  for (const n of names) visit(n, new Set());
  return out;
}

export async function buildCopyPlan(
  source: Database.Database,
  target: PgExec,
  schema: string,
): Promise<CopyPlan> {
  const inSource = sqliteTables(source);
  const inTarget = new Set(await pgTables(target, schema));
  const pgColumns = await rows(
    target,
    sql<PgColumnRow>`SELECT c.relname AS "table", a.attname AS "column", format_type(a.atttypid, a.atttypmod) AS type,
        a.attidentity <> '' AS identity,
        pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) IS NOT NULL AS sequence
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ${schema} AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
        AND a.attgenerated = ''
      ORDER BY c.relname, a.attnum`,
  );
  const pgKeys = await rows(
    target,
    sql<{ table: string; column: string }>`SELECT c.relname AS "table", a.attname AS "column"
      FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
      WHERE i.indisprimary AND n.nspname = ${schema} ORDER BY c.relname, k.ord`,
  );
  const edges = await rows(
    target,
    sql<{ child: string; parent: string }>`SELECT c.relname AS child, p.relname AS parent
      FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace WHERE k.contype = 'f' AND n.nspname = ${schema}`,
  );

  const common = inSource.filter((t) => inTarget.has(t));
  const tables: CopyTable[] = [];
  for (const name of orderByForeignKeys(common, edges)) {
    const info = source.prepare(`PRAGMA table_info(${quoteSqlite(name)})`).all() as {
      name: string;
      pk: number;
    }[];
    const sourceCols = new Set(info.map((c) => c.name));
    const targetCols = pgColumns.filter((c) => c.table === name);
    const columns = targetCols
      .filter((c) => sourceCols.has(c.column))
      .map((c) => ({ name: c.column, pgType: c.type }));
    const copied = new Set(columns.map((c) => c.name));
    const declaredKey = info
      .filter((c) => c.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((c) => c.name);
    const targetKey = pgKeys.filter((k) => k.table === name).map((k) => k.column);
    tables.push({
      name,
      columns,
      sourceKey: declaredKey.length > 0 ? declaredKey : ['rowid'],
      targetKey: targetKey.length > 0 && targetKey.every((k) => copied.has(k)) ? targetKey : [],
      sequenced: targetCols.filter((c) => c.sequence && copied.has(c.column)).map((c) => c.column),
      identity: targetCols.some((c) => c.identity && copied.has(c.column)),
      sourceOnlyColumns: info.map((c) => c.name).filter((c) => !copied.has(c)),
    });
  }
  return { tables, sourceOnly: inSource.filter((t) => !inTarget.has(t)) };
}

/**
 * How one SQLite value becomes what the Postgres column wants (chosen once per column, not per value).
 * SQLite keeps booleans as 0/1, blobs as Buffers and may hand back text as a number (type affinity);
 * Postgres is strict about all three.
 */
export function pgConverter(pgType: string): (value: unknown) => unknown {
  if (pgType === 'boolean')
    return (v) =>
      v === null || v === undefined
        ? null
        : typeof v === 'string'
          ? v === '1' || v.toLowerCase() === 'true'
          : Boolean(Number(v));
  if (pgType === 'bytea')
    return (v) =>
      v === null || v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'utf8');
  if (pgType === 'text' || pgType.startsWith('character') || pgType === 'json' || pgType === 'jsonb')
    return (v) =>
      v === null || v === undefined
        ? null
        : typeof v === 'string'
          ? v
          : Buffer.isBuffer(v)
            ? v.toString('utf8')
            : String(v);
  if (pgType.startsWith('timestamp'))
    return (v) =>
      v === null || v === undefined ? null : typeof v === 'number' ? new Date(v).toISOString() : v;
  return (v) => (v === undefined ? null : typeof v === 'bigint' ? v.toString() : v);
}
