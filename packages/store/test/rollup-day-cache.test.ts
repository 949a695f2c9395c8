// A long range that daily rollups answer exactly reads them instead of scanning the column cache once the
// scan would pass cacheScanLimit rows; the figures stay those of the cache. Also: migration 0020 backfills
// rollup_day from rollup_hour in an existing database.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore, type UsageEventInput } from '../src/index';
import { scaleEvents, twoModels, TWO_PROVIDERS } from './helpers/scale-events';
import { ZONE_TIERS } from '../src/rollups/zone-rollups';
import { UNDO_DAY_DIMS_SQL } from '../src/rollups/day-dims-fold';
import { tempStores } from './helpers/temp-stores';

const T0 = Date.UTC(2026, 7, 20, 0, 0, 0);
const KEY = 'cd'.repeat(32);
const temp = tempStores();

/** One event every 37 minutes over ~10 days, two models, some failures, one model unpriced. */
function events(n: number): UsageEventInput[] {
  return scaleEvents(n, {
    start: T0,
    stepMs: 37 * 60_000,
    models: twoModels('claude-x'),
    providers: TWO_PROVIDERS,
    accounts: 4,
    fail: { every: 7, status: 500 },
    tokens: 'growing',
  });
}

async function filled(): Promise<string> {
  const path = temp.path('cpamp-rollday-');
  const w = await openStore({ path, dataKey: KEY, columnCache: false });
  await w.prices.set('gpt-5', { input: 1, output: 10, cacheRead: 0.1 });
  await w.insertBatch(events(400));
  await w.close();
  return path;
}

describe('rollup_day on SQLite', () => {
  it('prefers daily rollups over a long cache scan, with the same figures as the cache', async () => {
    const path = await filled();
    const cached = await temp.open({ path, dataKey: KEY, cacheSnapshot: false });
    const viaRollups = await temp.open({ path, dataKey: KEY, cacheSnapshot: false, cacheScanLimit: 0 });
    await cached.warmCache();
    await viaRollups.warmCache();
    const long = { from: T0 + 5 * 3_600_000 + 600_000, to: T0 + 9 * 86_400_000 + 600_000 };
    const short = { from: T0 + 3_600_000, to: T0 + 30 * 3_600_000 };
    expect((await cached.analytics.totals(long)).source).toBe('cache');
    expect((await viaRollups.analytics.totals(long)).source).toBe('rollup+events');
    // Less than two days, or an hourly view: the cache still answers.
    expect((await viaRollups.analytics.totals(short)).source).toBe('cache');
    const strip = <T extends object>(x: T) => ({ ...x, source: '' });
    for (const f of [long, { ...long, model: 'gpt-5' }, { ...long, status: 'failure' as const }]) {
      expect(strip(await viaRollups.analytics.totals(f))).toEqual(strip(await cached.analytics.totals(f)));
      const opts = { granularity: 'day' as const, splitTopModels: 2 };
      expect(strip(await viaRollups.analytics.timeSeries(f, opts))).toEqual(
        strip(await cached.analytics.timeSeries(f, opts)),
      );
      expect(await viaRollups.analytics.filterOptions(f)).toEqual(await cached.analytics.filterOptions(f));
      for (const by of ['model', 'provider', 'account'] as const)
        expect(strip(await viaRollups.analytics.breakdown(f, { by }))).toEqual(
          strip(await cached.analytics.breakdown(f, { by })),
        );
    }
  });

  it('day-dims tiers and span blocks with raw edges from the cache give the cache figures', async () => {
    const path = await filled();
    // The fold fills the day-dims tiers (the clock is past the data): 8-day blocks close.
    const folder = await openStore({ path, dataKey: KEY, columnCache: false, foldIntervalMs: 0 });
    await folder.maintenance.foldRollups();
    await folder.close();
    const cached = await temp.open({ path, dataKey: KEY, cacheSnapshot: false, foldIntervalMs: 0 });
    const viaRollups = await temp.open({
      path,
      dataKey: KEY,
      cacheSnapshot: false,
      cacheScanLimit: 0,
      foldIntervalMs: 0,
    });
    await cached.warmCache();
    await viaRollups.warmCache();
    const long = { from: T0 + 5 * 3_600_000 + 600_000, to: T0 + 10 * 86_400_000 + 600_000 };
    const strip = <T extends object>(x: T) => ({ ...x, source: '' });
    for (const f of [
      long,
      { ...long, model: 'gpt-5' },
      { ...long, authIndex: 'acc1' },
      { ...long, authIndex: ['acc2', 'acc3'], model: 'claude-x' },
    ]) {
      expect(await viaRollups.analytics.filterOptions(f)).toEqual(await cached.analytics.filterOptions(f));
      for (const by of ['model', 'provider', 'account', 'key'] as const) {
        const r = await viaRollups.analytics.breakdown(f, { by });
        expect(strip(r)).toEqual(strip(await cached.analytics.breakdown(f, { by })));
      }
      for (const metric of ['latency', 'ttft'] as const)
        expect(strip(await viaRollups.analytics.latencyPercentiles(f, { metric }))).toEqual(
          strip(await cached.analytics.latencyPercentiles(f, { metric })),
        );
    }
    expect(
      (await viaRollups.analytics.breakdown({ ...long, model: 'gpt-5' }, { by: 'account' })).source,
    ).toBe('rollup+events');
  });

  it('migration 0020 backfills rollup_day from rollup_hour', async () => {
    const path = await filled();
    const raw = new Database(path);
    const before = raw.prepare('SELECT sum(n) AS n, sum(cost) AS c, max(last_ts) AS l FROM rollup_day').get();
    raw.exec('DROP TABLE rollup_day');
    // Later migrations are un-recorded too (kysely refuses a gap): 0022's, 0025's and 0026's tables go (they
    // re-run), the others re-run idempotently (IF NOT EXISTS).
    for (const t of ZONE_TIERS) raw.exec(`DROP TABLE ${t.name}`);
    raw.exec(UNDO_DAY_DIMS_SQL);
    raw.exec('DROP TABLE rollup_fold');
    raw.prepare("DELETE FROM kysely_migration WHERE name >= '0020-rollup-day'").run();
    raw.close();
    await temp.open({ path, dataKey: KEY, columnCache: false });
    const check = new Database(path, { readonly: true });
    const after = check
      .prepare('SELECT sum(n) AS n, sum(cost) AS c, max(last_ts) AS l FROM rollup_day')
      .get();
    const hour = check
      .prepare('SELECT sum(n) AS n, sum(cost) AS c, max(last_ts) AS l FROM rollup_hour')
      .get();
    check.close();
    expect(after).toEqual(before);
    expect(after).toEqual(hour);
    expect((after as { n: number }).n).toBe(400);
  });
});
