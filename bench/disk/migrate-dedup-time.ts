// Times migration 0032 (11-byte dedup key) on a copy of a store written before it: opens the copy as `cpamp serve`
// would (the migration runs at open), then reports the migration's time and progress log, the file and the events
// table / dedup index before and after, and the file after a VACUUM.
// Usage: node --import tsx bench/disk/migrate-dedup-time.ts <db written before 0032> [tag]
import type Database from 'better-sqlite3';
import { writeBenchResult } from '../lib/bench-results';
import { migrationResult, timeMigrationOnCopy } from '../lib/store-migration';

const src = process.argv[2];
if (!src) throw new Error('usage: migrate-dedup-time.ts <db> [tag]');
const tag = process.argv[3] ?? '1m';
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
const run = await timeMigrationOnCopy(src, {
  before: (db) => ({ objects: objects(db) }),
  after: (db) => ({
    objects: objects(db),
    lengths: db.prepare('SELECT length(dedup) AS n, count(*) AS c FROM events GROUP BY 1').all(),
  }),
});
const moved = run.logs.filter((l) => String(l[0]).includes('moved'));
const result = migrationResult(run, {
  firstChunkMs: moved[0]?.[2],
  lastChunkMs: moved.at(-1)?.[2],
  migrationLog: run.logs.filter((l) => String(l[0]).includes('dedup') && !String(l[0]).includes('moved')),
});
console.log(JSON.stringify(result, null, 2));
writeBenchResult(`disk-migrate-0032-${tag}`, result);
