// Times opening an existing SQLite store, i.e. the schema migrations it still needs (their backfills), e.g. on a
// copy of the 10M scale file: `node --import tsx bench/scale/open-time.ts /tmp/x/scale-10000000.sqlite`.
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
});
const out = {
  openWithMigrationMs: Math.round(performance.now() - t),
  rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
};
await s.close();
process.stdout.write(`${JSON.stringify(out)}\n`);
