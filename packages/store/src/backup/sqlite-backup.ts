// Consistent copies of a SQLite database: `cpamp backup` while the server runs, and the automatic copy
// taken before a schema migration. VACUUM INTO reads one snapshot in a single read transaction (WAL lets
// the server keep writing meanwhile) and writes a compact file that is a complete database on its own.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../errors';

/** Copies the database at `sourcePath` into `destPath` (which must not exist) while others may write it. */
export function backupSqliteFile(sourcePath: string, destPath: string, busyTimeoutMs = 5000): void {
  if (existsSync(destPath)) throw new StoreError('write_failed', `Cannot back up into ${destPath}: the file exists.`);
  let db: Database.Database | null = null;
  try {
    db = new Database(sourcePath, { readonly: true, fileMustExist: true });
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    vacuumInto(db, destPath);
  } catch (cause) {
    if (cause instanceof StoreError) throw cause;
    throw new StoreError('write_failed', `Cannot back up ${sourcePath} into ${destPath}: ${(cause as Error).message}.`, {
      cause,
    });
  } finally {
    db?.close();
  }
}

export function vacuumInto(db: Database.Database, destPath: string): void {
  db.prepare('VACUUM INTO ?').run(destPath);
}

/** Checks a database file (e.g. a backup before restoring it): returns SQLite's findings, empty when sound. */
export function checkSqliteFile(path: string): string[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check).filter((r) => r !== 'ok');
  } finally {
    db.close();
  }
}

const PRE_MIGRATION = '.pre-migration-';

/** `<db>.pre-migration-<utc stamp>.sqlite`, next to the database. */
export function migrationBackupPath(dbPath: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${dbPath}${PRE_MIGRATION}${stamp}.sqlite`;
}

/** The automatic pre-migration copies of `dbPath`, oldest first. */
export function listMigrationBackups(dbPath: string): string[] {
  const dir = dirname(dbPath);
  if (!existsSync(dir)) return [];
  const prefix = `${basename(dbPath)}${PRE_MIGRATION}`;
  return readdirSync(dir)
    .filter((name) => name.startsWith(prefix) && name.endsWith('.sqlite'))
    .sort()
    .map((name) => join(dir, name));
}

/**
 * Removes pre-migration copies written before `createdBefore` (epoch ms). The server calls it once it has
 * started successfully: a copy taken by this start stays until the next successful start.
 */
export function removeMigrationBackups(dbPath: string, createdBefore: number): string[] {
  const removed: string[] = [];
  for (const path of listMigrationBackups(dbPath)) {
    if (statSync(path).mtimeMs < createdBefore) {
      rmSync(path, { force: true });
      removed.push(path);
    }
  }
  return removed;
}
