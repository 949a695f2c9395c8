// Migration from CPA Manager Plus (issue 15): a Plus data dir with 1M usage events (testkit's Plus-shaped
// builder) migrated by the first `cpamp serve` start (migratePlus), in a child process whose RSS is sampled.
// Targets: ≤ 2 min, RSS ≤ 300 MB. Env (bench only): PLUS_BENCH_EVENTS (default 1,000,000), PLUS_BENCH_DIR.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { buildPlusDataDir, type SqliteCtor } from '@cpamp/testkit';
import { migrationBenchMachine, writeBenchResult } from '../lib/bench-results';

const EVENTS = Number(process.env.PLUS_BENCH_EVENTS ?? 1_000_000);
const DIR = process.env.PLUS_BENCH_DIR ?? join(tmpdir(), 'cpamp-plus-migrate-bench');
const root = new URL('../..', import.meta.url).pathname;

rmSync(DIR, { recursive: true, force: true });
mkdirSync(DIR, { recursive: true });
console.log(`plus-migrate bench: building a Plus data dir with ${EVENTS.toLocaleString()} events in ${DIR}`);
const t0 = performance.now();
const plus = buildPlusDataDir(DIR, { Database: Database as unknown as SqliteCtor, events: EVENTS });
const buildSec = (performance.now() - t0) / 1000;
const plusMb = Math.round(statSync(plus.dbPath).size / 1048576);
console.log(`built in ${buildSec.toFixed(1)} s (usage.sqlite ${plusMb} MB); migrating in a child process`);

const load = loadavg()[0]!;
const res = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench/plus-migrate/child.ts'), DIR], {
  cwd: root,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
  maxBuffer: 16 * 1024 * 1024,
});
if (res.status !== 0) {
  console.error(res.stdout);
  process.exit(res.status ?? 1);
}
const child = JSON.parse(res.stdout.trim().split('\n').pop()!) as {
  ms: number;
  cpuSec: number;
  rssMb: number;
  report: { inserted: number; rejected: number; events: number };
  progressLines: number;
};
const cpampMb = Math.round(statSync(join(DIR, 'cpamp.sqlite')).size / 1048576);
const results = {
  date: new Date().toISOString(),
  machine: migrationBenchMachine(load, 'shared machine, loaded by other work while measuring'),
  events: EVENTS,
  plusDbMb: plusMb,
  cpampDbMb: cpampMb,
  migrateSec: +(child.ms / 1000).toFixed(1),
  eventsPerSec: Math.round(EVENTS / (child.ms / 1000)),
  // CPU time of the migrating process: on a loaded machine the wall time is mostly waiting for a core.
  cpuSec: +child.cpuSec.toFixed(1),
  loadAvg1mAtEnd: loadavg()[0],
  peakRssMb: child.rssMb,
  rssIncludes: 'the tsx loader (the built server would be lower)',
  inserted: child.report.inserted,
  rejected: child.report.rejected,
  progressLines: child.progressLines,
  targets: { migrateSec: '<= 120', peakRssMb: '<= 300' },
};
writeBenchResult('plus-migrate', results);
console.log(JSON.stringify(results, null, 2));
rmSync(DIR, { recursive: true, force: true });
