// Times opening an existing SQLite store, i.e. the schema migrations it still needs (their backfills), then the
// fold's catch-up of the deferred rollup tiers (a migration that adds a fold group starts it at the first event),
// e.g. on a copy of the 10M scale file: `node --import tsx bench/scale/open-time.ts /tmp/x/scale-10000000.sqlite`.
import { openStore } from '@cpamp/store';

const path = process.argv[2];
if (!path) throw new Error('usage: open-time.ts <store.sqlite>');
const t = performance.now();
const s = await openStore({
  path,
  dataKey: 'ab'.repeat(32),
  cacheSnapshot: false,
  columnCache: false,
  migrationBackup: false,
  foldIntervalMs: 0,
});
const openWithMigrationMs = Math.round(performance.now() - t);
const tf = performance.now();
const { steps } = await s.maintenance.foldRollups();
const out = {
  openWithMigrationMs,
  fold: { steps, ms: Math.round(performance.now() - tf) },
  rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
};
await s.close();
process.stdout.write(`${JSON.stringify(out)}\n`);
