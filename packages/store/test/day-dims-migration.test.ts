// Migration 0026 on an existing database: it creates the day-dims tiers empty with their fold group's watermark
// at the first raw event, and the fold then fills exactly the rows a store that had them from the start keeps.
// History that outlived its raw events (retention) is derived by the migration itself: day histograms from the
// hourly ones, span blocks from the day tiers. The storage report counts the new tables.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore, type Store, type UsageEventInput } from '../src/index';
import { DAY_DIM_TABLES as DAY_TABLES } from '../src/rollups/rollup-cross';
import { HIST_SPAN_TABLES } from '../src/rollups/rollup-span-hist';
import { SPAN_TIERS } from '../src/rollups/rollup-spans';
import { DIMS_SHAPE, dimsLatency, dimsTtft, scaleEvents } from './helpers/scale-events';
import { UNDO_DAY_DIMS_SQL } from '../src/rollups/day-dims-fold';
import { tempStores } from './helpers/temp-stores';

const T0 = Date.UTC(2026, 7, 20, 0, 0, 0);
const KEY = 'cd'.repeat(32);
const temp = tempStores();

/** One event every 53 minutes (600: ~22 days, several fold chunks): keys, accounts, models, failures, TTFTs. */
function events(n: number): UsageEventInput[] {
  return scaleEvents(n, {
    ...DIMS_SHAPE,
    start: T0,
    stepMs: 53 * 60_000,
    more: (i) => ({ latencyMs: dimsLatency(i), ttftMs: dimsTtft(i) }),
  });
}

const DAY_DIM_TABLES = [...DAY_TABLES, ...SPAN_TIERS.map((t) => t.table), ...Object.values(HIST_SPAN_TABLES)];

const dump = (db: Database.Database) =>
  Object.fromEntries(
    DAY_DIM_TABLES.map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3, 4`).raw().all()]),
  );

/** Drops 0026's tables and un-records it (and its watermark): the database as main left it before 0026. */
function undo0026(path: string): void {
  const raw = new Database(path);
  raw.exec(UNDO_DAY_DIMS_SQL);
  raw.close();
}

async function filled(n: number): Promise<{ path: string; w: Store }> {
  const path = temp.path('cpamp-daydims-');
  const w = await openStore({ path, dataKey: KEY, columnCache: false, foldIntervalMs: 0 });
  await w.prices.set('gpt-5', { input: 1, output: 10, cacheRead: 0.1 });
  await w.insertBatch(events(n));
  await w.maintenance.foldRollups();
  return { path, w };
}

describe('migration 0026 (day × key / account × model tiers, day histograms, span blocks) on SQLite', () => {
  it('starts the fold at the first raw event; the fold fills the rows a store had from the start', async () => {
    const { path, w } = await filled(600);
    const report = await w.maintenance.storageReport();
    for (const t of DAY_DIM_TABLES) expect(report.objects.map((x) => x.name)).toContain(t);
    await w.close();
    const raw = new Database(path, { readonly: true });
    const written = dump(raw);
    raw.close();
    expect(written.rollup_day_key_model!.length).toBeGreaterThan(100);
    undo0026(path);

    const s = await temp.open({ path, dataKey: KEY, columnCache: false, foldIntervalMs: 0 });
    const check = new Database(path, { readonly: true });
    // Opening did no backfill: the watermark sits at the first event's hour.
    expect(check.prepare("SELECT upto FROM rollup_fold WHERE name = 'day_dims'").pluck().get()).toBe(T0);
    expect(check.prepare('SELECT count(*) FROM rollup_day_key_model').pluck().get()).toBe(0);
    expect((await s.maintenance.foldRollups()).steps).toBeGreaterThan(10);
    expect(dump(check)).toEqual(written);
    const n = check.prepare('SELECT sum(n) FROM rollup_day_account_model').pluck().get();
    const spans = check.prepare('SELECT span, sum(n) FROM rollup_span_key_model GROUP BY span').raw().all();
    check.close();
    expect(n).toBe(600);
    // The clock is months past the data: every block is closed.
    expect(spans).toEqual([
      [8, 600],
      [64, 600],
    ]);
  });

  it('derives the history retention left without raw events: day histograms and span blocks', async () => {
    const { path, w } = await filled(900);
    const whole = { from: T0, to: T0 + 40 * 86_400_000 };
    // Retention: the first 18 days of raw events go (rollups keep them).
    const cutoff = T0 + 18 * 86_400_000;
    await w.maintenance.pruneByAge(cutoff);
    const views = async (s: Store) => [
      await s.analytics.latencyPercentiles(whole),
      await s.analytics.latencyPercentiles(whole, { metric: 'ttft' }),
      await s.analytics.breakdown(whole, { by: 'key' }),
      await s.analytics.breakdown(whole, { by: 'account' }),
      await s.analytics.totals(whole),
    ];
    const before = await views(w);
    await w.close();
    const kept = [
      'rollup_day_latency',
      'rollup_day_ttft',
      'rollup_span_day',
      'rollup_span_key',
      'rollup_span_account',
    ];
    const rawDb = new Database(path, { readonly: true });
    const written = dump(rawDb);
    rawDb.close();
    undo0026(path);

    const s = await temp.open({ path, dataKey: KEY, columnCache: false, foldIntervalMs: 0 });
    await s.maintenance.foldRollups();
    const check = new Database(path, { readonly: true });
    const after = dump(check);
    check.close();
    for (const t of [...kept, ...Object.values(HIST_SPAN_TABLES)]) expect(after[t], t).toEqual(written[t]);
    expect(await views(s)).toEqual(before);
  });
});
