// Times migration 0028 (compact rate-limit headers) on a copy of a store written before it: opens the copy as
// `cpamp serve` would (the migration runs at open), then reports the migration's time, the file before/after,
// event_extra's bytes, and the file after a VACUUM (the converted rows leave free pages until then).
// Usage: node --import tsx bench/disk/migrate-time.ts <db written before 0028> [tag]
import type Database from 'better-sqlite3';
import { writeBenchResult } from '../lib/bench-results';
import { migrationResult, timeMigrationOnCopy } from '../lib/store-migration';

const src = process.argv[2];
if (!src) throw new Error('usage: migrate-time.ts <db> [tag]');
const tag = process.argv[3] ?? '1m';
const extraBytes = (db: Database.Database) =>
  (db.prepare(`SELECT sum(pgsize) FROM dbstat WHERE name = 'event_extra'`).pluck().get() as number) ?? 0;
const run = await timeMigrationOnCopy(src, {
  before: (db) => ({ eventExtraBytes: extraBytes(db) }),
  after: (db) => ({
    eventExtraBytes: extraBytes(db),
    compactRows: db.prepare('SELECT count(*) FROM event_extra WHERE hset IS NOT NULL').pluck().get() as number,
    jsonRows: db
      .prepare('SELECT count(*) FROM event_extra WHERE hset IS NULL AND headers IS NOT NULL')
      .pluck()
      .get() as number,
  }),
});
const result = migrationResult(run, {
  migrationLog: run.logs
    .map(([m, o]) => [m, o])
    .filter((l) => String(l[0]).includes('headers') || String(JSON.stringify(l)).includes('0028')),
});
console.log(JSON.stringify(result, null, 2));
writeBenchResult(`disk-migrate-0028-${tag}`, result);
