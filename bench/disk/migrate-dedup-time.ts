// Times migration 0032 (11-byte dedup key) on a copy of a store written before it: opens the copy as `cpamp serve`
// would (the migration runs at open), then reports the migration's time and progress log, the file and the events
// table / dedup index before and after, and the file after a VACUUM.
// Usage: node --import tsx bench/disk/migrate-dedup-time.ts <db written before 0032> [tag]
import { copyFileSync, existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '@cpamp/store';

const src = process.argv[2];
if (!src) throw new Error('usage: migrate-dedup-time.ts <db> [tag]');
const tag = process.argv[3] ?? '1m';
const root = new URL('../..', import.meta.url).pathname;
const path = `${src}.migrate-copy.sqlite`;
for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
copyFileSync(src, path);
if (existsSync(`${src}-wal`)) copyFileSync(`${src}-wal`, `${path}-wal`);
const objects = (db: Database.Database) =>
  Object.fromEntries(
    (
      db
        .prepare(
          `SELECT name, sum(pgsize) AS b FROM dbstat WHERE name IN ('events', 'events_dedup', 'events_ts') GROUP BY name`,
        )
        .all() as { name: string; b: number }[]
    ).map((r) => [r.name, r.b]),
  );
const pre = new Database(path);
pre.pragma('wal_checkpoint(TRUNCATE)');
const events = pre.prepare('SELECT count(*) FROM events').pluck().get() as number;
const before = { fileBytes: statSync(path).size, objects: objects(pre) };
pre.close();
const logs: [string | undefined, unknown, number][] = [];
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
const after = {
  fileBytes: statSync(path).size,
  objects: objects(db),
  lengths: db.prepare('SELECT length(dedup) AS n, count(*) AS c FROM events GROUP BY 1').all(),
};
db.exec('VACUUM');
db.close();
const vacuumed = statSync(path).size;
const moved = logs.filter((l) => String(l[0]).includes('moved'));
const result = {
  events,
  openWithMigrationMs: openMs,
  firstChunkMs: moved[0]?.[2],
  lastChunkMs: moved.at(-1)?.[2],
  migrationLog: logs.filter((l) => String(l[0]).includes('dedup') && !String(l[0]).includes('moved')),
  before: { ...before, bytesPerEvent: +(before.fileBytes / events).toFixed(1) },
  after: { ...after, bytesPerEvent: +(after.fileBytes / events).toFixed(1) },
  afterVacuum: { fileBytes: vacuumed, bytesPerEvent: +(vacuumed / events).toFixed(1) },
  measuredAt: new Date().toISOString(),
};
console.log(JSON.stringify(result, null, 2));
writeFileSync(
  join(root, 'bench/results', `disk-migrate-0032-${tag}.json`),
  JSON.stringify(result, null, 2) + '\n',
);
for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
