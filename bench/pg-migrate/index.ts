// Moving up (issue 21 item 5): a SQLite store with 1M events (testkit's generator, 30 days) copied into a
// throwaway Postgres cluster by copyFromSqlite, as `cpamp migrate --to` does. Reports rows/s for events and
// for the whole copy, the verification result and peak RSS of this process.
// Env (bench only): PG_MIGRATE_BENCH_EVENTS (default 1,000,000), PG_MIGRATE_BENCH_DIR, PG_MIGRATE_BENCH_CHUNK.
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { copyFromSqlite, openStore } from '@cpamp/store';
import { startTestPostgres } from '@cpamp/testkit';
import { insertGenerated, syncBenchPrices } from '../lib/bench-data';
import { migrationBenchMachine, writeBenchResult } from '../lib/bench-results';

const EVENTS = Number(process.env.PG_MIGRATE_BENCH_EVENTS ?? 1_000_000);
const CHUNK = Number(process.env.PG_MIGRATE_BENCH_CHUNK ?? 5000);
const DIR = process.env.PG_MIGRATE_BENCH_DIR ?? join(tmpdir(), 'cpamp-pg-migrate-bench');
const KEY = 'ab'.repeat(32);

rmSync(DIR, { recursive: true, force: true });
mkdirSync(DIR, { recursive: true });
const dbPath = join(DIR, 'cpamp.sqlite');
console.log(`pg-migrate bench: building a SQLite store with ${EVENTS.toLocaleString()} events in ${DIR}`);
const t0 = performance.now();
const store = await openStore({ path: dbPath, dataKey: KEY });
await syncBenchPrices(store);
await store.settings.setManagementKey('bench-management-key');
await insertGenerated(store, { seed: 42, events: EVENTS, days: 30, batchSize: 2000 });
await store.close();
const buildSec = (performance.now() - t0) / 1000;
const sqliteMb = Math.round(statSync(dbPath).size / 1048576);
console.log(`built in ${buildSec.toFixed(1)} s (${sqliteMb} MB); starting Postgres`);

const server = await startTestPostgres();
let peakRss = 0;
const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
const load = loadavg()[0]!;
let eventsRate = 0;
const tables: Record<string, { rows: number; rowsPerSec: number }> = {};
const cpu0 = process.cpuUsage();
const c0 = performance.now();
const report = await copyFromSqlite({
  sqlitePath: dbPath,
  connectionString: server.url,
  dataKey: KEY,
  chunkSize: CHUNK,
  onProgress: (p) => {
    if (p.done) tables[p.table] = { rows: p.copied, rowsPerSec: p.rate };
    if (p.table === 'events') {
      eventsRate = p.rate;
      if (p.copied % 100_000 < CHUNK || p.done)
        console.log(`  events ${p.copied.toLocaleString()} (${p.rate.toLocaleString()} rows/s)`);
    }
  },
});
const copySec = (performance.now() - c0) / 1000;
const cpu = process.cpuUsage(cpu0);
clearInterval(sample);
const c = new pg.Client({ connectionString: server.url });
await c.connect();
const version = (await c.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]!.v;
const settings = (
  await c.query<{ name: string; setting: string }>(
    `SELECT name, setting FROM pg_settings WHERE name IN ('shared_buffers', 'fsync', 'synchronous_commit', 'wal_level', 'max_wal_size')`,
  )
).rows;
await c.end();
await server.stop();

const results = {
  date: new Date().toISOString(),
  machine: migrationBenchMachine(
    load,
    'shared machine, loaded by other work while measuring; Postgres runs on the same 2 cores',
  ),
  postgres: {
    version,
    settings: Object.fromEntries(settings.map((s) => [s.name, s.setting])),
    via: 'unix socket',
  },
  events: EVENTS,
  chunkSize: CHUNK,
  sqliteMb,
  copySec: +copySec.toFixed(1),
  rowsCopied: report.rowsCopied,
  rowsPerSec: Math.round(report.rowsCopied / copySec),
  eventsRowsPerSec: eventsRate,
  // CPU of this process only (the copier); Postgres's own work is on top.
  copierCpuSec: +((cpu.user + cpu.system) / 1e6).toFixed(1),
  peakRssMb: Math.round(peakRss / 1048576),
  verified: report.ok,
  checks: report.checks.length,
  managementKey: report.managementKey,
  notCopied: report.notCopied,
  tables,
  loadAvg1mAtEnd: loadavg()[0],
};
writeBenchResult('pg-migrate', results);
console.log(JSON.stringify(results, null, 2));
rmSync(DIR, { recursive: true, force: true });
if (!report.ok) process.exit(1);
