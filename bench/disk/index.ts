// Disk-only probe for P5 (bytes per event after a WAL checkpoint): the store bench's ingest of the same
// generated set (seed 42, 30 days), its fold and checkpoint, then the storage report — without the view,
// import/export and ingest-during-views parts, so a disk change can be measured before/after in minutes.
// Env (bench only): DISK_BENCH_EVENTS (default 1,000,000), DISK_BENCH_DIR (default a tmp dir),
// DISK_BENCH_TAG (result file bench/results/disk[-tag].json), DISK_BENCH_KEEP=1 keeps the database.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '@cpamp/store';
import { insertGenerated, removeSqliteFiles, syncBenchPrices } from '../lib/bench-data';
import { writeBenchResult } from '../lib/bench-results';

const EVENTS = Number(process.env.DISK_BENCH_EVENTS ?? 1_000_000);
const DIR = process.env.DISK_BENCH_DIR ?? join(tmpdir(), 'cpamp-disk-bench');
const TAG = process.env.DISK_BENCH_TAG ?? '';
const log = (...a: unknown[]) => console.log(...a);

mkdirSync(DIR, { recursive: true });
const dbPath = join(DIR, 'disk.sqlite');
removeSqliteFiles(dbPath);
const store = await openStore({ path: dbPath, dataKey: 'ab'.repeat(32), foldBelowCacheFloor: true });
await syncBenchPrices(store);
const t0 = performance.now();
const inserted = await insertGenerated(store, { seed: 42, events: EVENTS, days: 30, batchSize: 500, log });
await store.maintenance.foldRollups();
await store.maintenance.checkpoint('TRUNCATE');
const report = await store.maintenance.storageReport();
await store.close();

// What event_extra holds: rows, bytes of its columns, the header sets seen.
const db = new Database(dbPath, { readonly: true });
const extra = db
  .prepare(
    `SELECT count(*) AS rows, count(headers) AS withHeaders, sum(length(CAST(headers AS BLOB))) AS headerBytes,
            sum(length(CAST(fail_body AS BLOB))) AS failBodyBytes FROM event_extra`,
  )
  .get() as Record<string, number>;
const hasDict = db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'header_set'`).get() !== undefined;
db.close();
const result = {
  events: inserted,
  ingestSec: +((performance.now() - t0) / 1000).toFixed(1),
  bytesPerEvent: Math.round(report.bytesPerEvent ?? 0),
  bytesPerEventExact: +(report.bytesPerEvent ?? 0).toFixed(1),
  fileBytes: report.fileBytes,
  eventExtraBytes: report.objects.find((o) => o.name === 'event_extra')?.bytes ?? 0,
  eventExtraBytesPerEvent: +(
    (report.objects.find((o) => o.name === 'event_extra')?.bytes ?? 0) / inserted
  ).toFixed(1),
  extra: { ...extra, headerSetTable: hasDict },
  objects: report.objects.slice(0, 14).map((o) => `${o.name}:${(o.bytes / 1048576).toFixed(1)}MB`),
  measuredAt: new Date().toISOString(),
};
log('disk', result);
writeBenchResult(`disk${TAG ? `-${TAG}` : ''}`, result);
if (process.env.DISK_BENCH_KEEP !== '1') removeSqliteFiles(dbPath);
