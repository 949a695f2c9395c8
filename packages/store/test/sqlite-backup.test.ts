// Backups of a SQLite store: VACUUM INTO copies, the copy taken before a schema migration, and its removal.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import {
  backupSqliteFile,
  checkSqliteFile,
  isStoreError,
  listMigrationBackups,
  openStore,
  removeMigrationBackups,
} from '../src/index';
import { migrations } from '../src/migrations/index';
import { makeEvent } from './helpers/events';
import { tempStores } from './helpers/temp-stores';

const temp = tempStores();
const tmp = () => temp.dir('cpamp-store-backup-');

const appliedMigrations = (path: string): string[] => {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT name FROM kysely_migration ORDER BY name').all() as { name: string }[]).map((r) => r.name);
  } finally {
    db.close();
  }
};

describe('SQLite backups', () => {
  it('copies an open database consistently, and the copy opens as a store', async () => {
    const dir = tmp();
    const path = join(dir, 'usage.sqlite');
    const store = await openStore({ path });
    await store.insertBatch([makeEvent(), makeEvent({ requestId: 'r2', timestampMs: Date.now() - 1000 })]);
    backupSqliteFile(path, join(dir, 'copy.sqlite'));
    await store.close();
    expect(checkSqliteFile(join(dir, 'copy.sqlite'))).toEqual([]);
    const db = new Database(join(dir, 'copy.sqlite'), { readonly: true });
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    db.close();
    expect(tables.map((t) => t.name)).toContain('kysely_migration');
    expect(appliedMigrations(join(dir, 'copy.sqlite'))).toEqual(Object.keys(migrations).sort());
    const err = (() => {
      try {
        backupSqliteFile(path, join(dir, 'copy.sqlite'));
      } catch (e) {
        return e;
      }
    })();
    expect(isStoreError(err) && err.code).toBe('write_failed');
  });

  it('copies a database with pending migrations before migrating it; removes old copies on request', async () => {
    const dir = tmp();
    const path = join(dir, 'usage.sqlite');
    // A database from an older version: only the first migration applied.
    const [first] = Object.keys(migrations).sort();
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(path) }) });
    const old = await new Migrator({ db, provider: { getMigrations: async () => ({ [first!]: migrations[first!]! }) } }).migrateToLatest();
    expect(old.error).toBeUndefined();
    await db.destroy();

    const store = await openStore({ path, now: () => Date.UTC(2026, 0, 2, 3, 4, 5) });
    await store.close();
    const copies = listMigrationBackups(path);
    expect(copies).toEqual([`${path}.pre-migration-20260102T030405Z.sqlite`]);
    expect(appliedMigrations(copies[0]!)).toEqual([first]);
    expect(appliedMigrations(path)).toEqual(Object.keys(migrations).sort());

    // Up to date: the next open copies nothing.
    const again = await openStore({ path });
    await again.close();
    expect(listMigrationBackups(path)).toHaveLength(1);

    expect(removeMigrationBackups(path, 0)).toEqual([]); // written after 0: kept
    expect(removeMigrationBackups(path, Date.now() + 1000)).toEqual(copies);
    expect(existsSync(copies[0]!)).toBe(false);
  });

  it('a new database gets no pre-migration copy', async () => {
    const dir = tmp();
    const store = await openStore({ path: join(dir, 'new.sqlite') });
    await store.close();
    expect(listMigrationBackups(join(dir, 'new.sqlite'))).toEqual([]);
  });
});
