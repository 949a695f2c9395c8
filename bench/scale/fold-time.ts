// How long the background fold of the deferred rollup tiers (packages/store/src/rollups/fold-tier.ts) takes for one
// hour and for one day of traffic on a scale database. MODIFIES the file it is given: pass a copy.
//   node --import tsx bench/scale/fold-time.ts <copy of scale-10000000.sqlite> [tag]
// It rewinds the watermark to the start of the last whole day (deleting the tiers' rows from there, so they again
// hold exactly the events below it), folds one hour, then the rest of the day, then rewinds and folds the whole day
// at once; every fold is checked against the tier rows the per-batch path had written.
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '@cpamp/store';
import { FOLD_TIERS } from '../../packages/store/src/rollups/fold-registry';
import { FOLD_LAG_MS, foldDeleteSql } from '../../packages/store/src/rollups/fold-tier';

const path = process.argv[2];
if (!path) throw new Error('usage: fold-time.ts <copy of a scale sqlite file> [tag]');
const tag = process.argv[3] ?? '10m';
const root = new URL('../..', import.meta.url).pathname;
const H = 3_600_000;
const DAY = 24 * H;

const raw = new Database(path);
const maxTs = raw.prepare('SELECT max(ts) FROM events').pluck().get() as number;
const day0 = Math.floor(maxTs / DAY) * DAY - DAY;
const sums = () =>
  FOLD_TIERS.map(
    (t) =>
      raw
        .prepare(`SELECT sum(n), sum(input), sum(cost) FROM ${t.name} WHERE hour >= ? AND hour < ?`)
        .raw()
        .get(day0 / H, (day0 + DAY) / H) as number[],
  );
const written = sums();
const rewind = () =>
  raw.transaction(() => {
    for (const t of FOLD_TIERS)
      raw.prepare(foldDeleteSql(t, ['?', '?'])).run(day0 / H, Number.MAX_SAFE_INTEGER);
    raw.prepare(`UPDATE rollup_fold SET upto = ? WHERE name = 'hour_dims'`).run(day0);
  })();
const events = (a: number, b: number) =>
  raw.prepare('SELECT count(*) FROM events WHERE ts >= ? AND ts < ?').pluck().get(a, b) as number;

let clock = 0;
const store = await openStore({
  path,
  dataKey: process.env.CPAMP_BENCH_KEY,
  now: () => clock,
  foldIntervalMs: 0,
  columnCache: false,
});
const fold = async (until: number) => {
  clock = until + FOLD_LAG_MS + 1;
  const t = performance.now();
  const { steps } = await store.maintenance.foldRollups();
  return { steps, ms: +(performance.now() - t).toFixed(1) };
};
try {
  rewind();
  const hour = { events: events(day0, day0 + H), ...(await fold(day0 + H)) };
  const restOfDay = { events: events(day0 + H, day0 + DAY), ...(await fold(day0 + DAY)) };
  const sameAfterHours = JSON.stringify(sums()) === JSON.stringify(written);
  rewind();
  const day = { events: events(day0, day0 + DAY), ...(await fold(day0 + DAY)) };
  const sameAfterDay = JSON.stringify(sums()) === JSON.stringify(written);
  // The remaining hours up to the newest event, as a restart would catch them up.
  const tail = await fold(Math.ceil((maxTs + 1) / H) * H);
  const out = {
    bench: `fold-time-sqlite-${tag}`,
    date: new Date().toISOString(),
    file: path,
    dayStart: new Date(day0).toISOString(),
    machine: { cpus: cpus().length, node: process.version, loadAverage: loadavg().map((x) => +x.toFixed(2)) },
    hour,
    restOfDay,
    day,
    tail,
    equalToPerBatchRows: sameAfterHours && sameAfterDay,
  };
  console.log(out);
  writeFileSync(
    join(root, `bench/results/fold-time-sqlite-${tag}.json`),
    JSON.stringify(out, null, 2) + '\n',
  );
} finally {
  await store.close();
  raw.close();
}
