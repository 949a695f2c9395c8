// Timing a store migration on a copy of a store file written before it: the copy is opened as `cpamp serve`
// opens it (the migration runs at open) with the store's log kept, and the file is measured before, after and
// after a VACUUM (converted rows leave free pages until then). Used by bench/disk/migrate-*.ts.
import { copyFileSync, existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { openStore } from '@cpamp/store';
import { removeSqliteFiles } from './bench-data';

/** A store log line: message, fields, ms since the open started. */
export type MigrationLogLine = [msg: string | undefined, fields: unknown, atMs: number];

export interface MigrationProbes<B extends object, A extends object> {
  /** Figures of the copy before the open (checkpointed, read-write connection). */
  before: (db: Database.Database) => B;
  /** Figures of the copy after the open (checkpointed), before the VACUUM. */
  after: (db: Database.Database) => A;
}

export interface MigrationTiming<B extends object, A extends object> {
  events: number;
  /** openStore's time, the migration included. */
  openMs: number;
  logs: MigrationLogLine[];
  before: { fileBytes: number } & B & { bytesPerEvent: number };
  after: { fileBytes: number } & A & { bytesPerEvent: number };
  afterVacuum: { fileBytes: number; bytesPerEvent: number };
}

/**
 * The result file's fields: the counts and times first, then the script's own (`log`: its migration log lines,
 * chunk times), the file before / after / after VACUUM, and when it was measured.
 */
export function migrationResult<B extends object, A extends object>(
  run: MigrationTiming<B, A>,
  log: object,
): object {
  return {
    events: run.events,
    openWithMigrationMs: run.openMs,
    ...log,
    before: run.before,
    after: run.after,
    afterVacuum: run.afterVacuum,
    measuredAt: new Date().toISOString(),
  };
}

/** Copies `src` (+ its WAL), opens the copy with migrations, measures it, and removes the copy. */
export async function timeMigrationOnCopy<B extends object, A extends object>(
  src: string,
  probes: MigrationProbes<B, A>,
): Promise<MigrationTiming<B, A>> {
  const path = `${src}.migrate-copy.sqlite`;
  removeSqliteFiles(path);
  copyFileSync(src, path);
  if (existsSync(`${src}-wal`)) copyFileSync(`${src}-wal`, `${path}-wal`);
  const perEvent = (bytes: number) => +(bytes / events).toFixed(1);

  const pre = new Database(path);
  pre.pragma('wal_checkpoint(TRUNCATE)');
  const events = pre.prepare('SELECT count(*) FROM events').pluck().get() as number;
  const beforeBytes = statSync(path).size;
  const before = { fileBytes: beforeBytes, ...probes.before(pre), bytesPerEvent: perEvent(beforeBytes) };
  pre.close();

  const logs: MigrationLogLine[] = [];
  const t0 = performance.now();
  const at = () => Math.round(performance.now() - t0);
  const logger = {
    info: (o: unknown, m?: string) => logs.push([m, o, at()]),
    warn: (o: unknown, m?: string) => logs.push([m, o, at()]),
    error: (o: unknown, m?: string) => logs.push([m, o, at()]),
    debug: () => {},
  };
  const store = await openStore({ path, dataKey: 'ab'.repeat(32), migrationBackup: false, logger });
  const openMs = at();
  await store.maintenance.checkpoint('TRUNCATE');
  await store.close();

  const db = new Database(path);
  const afterBytes = statSync(path).size;
  const after = { fileBytes: afterBytes, ...probes.after(db), bytesPerEvent: perEvent(afterBytes) };
  db.exec('VACUUM');
  db.close();
  const vacuumed = statSync(path).size;
  removeSqliteFiles(path);
  return {
    events,
    openMs,
    logs,
    before,
    after,
    afterVacuum: { fileBytes: vacuumed, bytesPerEvent: perEvent(vacuumed) },
  };
}
