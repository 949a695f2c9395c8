// Times migration 0028 (compact rate-limit headers) on a copy of a store written before it: opens the copy as
// `cpamp serve` would (the migration runs at open), then reports the migration's time, the file before/after,
// event_extra's bytes, and the file after a VACUUM (the converted rows leave free pages until then).
// Usage: node --import tsx bench/disk/migrate-time.ts <db written before 0028> [tag]
import { copyFileSync, existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '@cpamp/store';

const src = process.argv[2];
if (!src) throw new Error('usage: migrate-time.ts <db> [tag]');
const tag = process.argv[3] ?? '1m';
const root = new URL('../..', import.meta.url).pathname;
const path = `${src}.migrate-copy.sqlite`;
for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
copyFileSync(src, path);
if (existsSync(`${src}-wal`)) copyFileSync(`${src}-wal`, `${path}-wal`);
const extraBytes = (db: Database.Database) =>
  (db.prepare(`SELECT sum(pgsize) FROM dbstat WHERE name = 'event_extra'`).pluck().get() as number) ?? 0;
const pre = new Database(path);
pre.pragma('wal_checkpoint(TRUNCATE)');
const events = pre.prepare('SELECT count(*) FROM events').pluck().get() as number;
const before = { fileBytes: statSync(path).size, eventExtraBytes: extraBytes(pre) };
pre.close();
const logs: unknown[] = [];
const logger = {
  info: (o: unknown, m?: string) => logs.push([m, o]),
  warn: (o: unknown, m?: string) => logs.push([m, o]),
  error: (o: unknown, m?: string) => logs.push([m, o]),
  debug: () => {},
};
const t0 = performance.now();
const store = await openStore({ path, dataKey: 'ab'.repeat(32), migrationBackup: false, logger });
const openMs = performance.now() - t0;
await store.maintenance.checkpoint('TRUNCATE');
await store.close();
const db = new Database(path);
const after = {
  fileBytes: statSync(path).size,
  eventExtraBytes: extraBytes(db),
  compactRows: db.prepare('SELECT count(*) FROM event_extra WHERE hset IS NOT NULL').pluck().get() as number,
  jsonRows: db
    .prepare('SELECT count(*) FROM event_extra WHERE hset IS NULL AND headers IS NOT NULL')
    .pluck()
    .get() as number,
};
db.exec('VACUUM');
db.close();
const vacuumed = statSync(path).size;
const result = {
  events,
  openWithMigrationMs: Math.round(openMs),
  migrationLog: logs.filter(
    (l) => String((l as unknown[])[0]).includes('headers') || String(JSON.stringify(l)).includes('0028'),
  ),
  before: { ...before, bytesPerEvent: +(before.fileBytes / events).toFixed(1) },
  after: { ...after, bytesPerEvent: +(after.fileBytes / events).toFixed(1) },
  afterVacuum: { fileBytes: vacuumed, bytesPerEvent: +(vacuumed / events).toFixed(1) },
  measuredAt: new Date().toISOString(),
};
console.log(JSON.stringify(result, null, 2));
writeFileSync(
  join(root, 'bench/results', `disk-migrate-0028-${tag}.json`),
  JSON.stringify(result, null, 2) + '\n',
);
for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
