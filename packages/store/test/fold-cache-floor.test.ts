// foldBelowCacheFloor (what `cpamp serve` opens with): the day-dims tiers wait while the column cache holds the
// whole log, and fold as usual once it has a window; views stay those of a store that folds everything, and
// retention still folds what it deletes.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Store, UsageEventInput } from '../src/index';
import { DAY_DIMS_GROUP } from '../src/rollups/day-dims-fold';
import { HOUR_DIMS_GROUP } from '../src/rollups/fold-tier';
import { hash } from './helpers/events';
import { scaleEvents, skKeys, twoModels } from './helpers/scale-events';
import { tempStores } from './helpers/temp-stores';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 7, 1);
const NOW = T0 + 40 * DAY;
const KEY = 'ef'.repeat(32);
const temp = tempStores();

/** One event every 53 minutes over 30 days: three keys, four accounts, two models. */
const events = (): UsageEventInput[] =>
  scaleEvents(815, {
    start: T0,
    stepMs: 53 * 60_000,
    models: twoModels('claude-x'),
    keys: skKeys(3),
    accounts: 4,
    tokens: 'cycling',
  });

async function pair(maxEvents?: number): Promise<{ path: string; held: Store; full: Store }> {
  const d = temp.dir('cpamp-foldfloor-');
  const path = join(d, 'usage.sqlite');
  const opts = { dataKey: KEY, cacheSnapshot: false, foldIntervalMs: 0, now: () => NOW };
  const full = await temp.open({ ...opts, path: join(d, 'full.sqlite'), columnCache: false });
  const held = await temp.open({ ...opts, path, foldBelowCacheFloor: true, columnCacheMaxEvents: maxEvents });
  for (const s of [full, held]) {
    await s.insertBatch(events());
    await s.maintenance.foldRollups();
  }
  return { path, held, full };
}

const marks = (path: string): Record<string, number> => {
  const db = new Database(path, { readonly: true });
  const rows = db.prepare('SELECT name, upto FROM rollup_fold').all() as { name: string; upto: number }[];
  db.close();
  return Object.fromEntries(rows.map((r) => [r.name, r.upto]));
};
const count = (path: string, table: string): number => {
  const db = new Database(path, { readonly: true });
  const n = db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  db.close();
  return n;
};

/** The views the day-dims tiers serve, over the whole month, on both stores. */
async function sameViews(a: Store, b: Store): Promise<void> {
  const f = { from: T0, to: T0 + 31 * DAY };
  const strip = <T extends { source?: unknown }>(x: T) => ({ ...x, source: undefined });
  for (const filter of [f, { ...f, model: 'gpt-5' }, { ...f, apiKeyHash: hash('sk-key-1') }]) {
    for (const by of ['key', 'account', 'model'] as const)
      expect(strip(await a.analytics.breakdown(filter, { by }))).toEqual(strip(await b.analytics.breakdown(filter, { by })));
    expect(await a.analytics.filterOptions(filter)).toEqual(await b.analytics.filterOptions(filter));
  }
}

describe('foldBelowCacheFloor', () => {
  it('keeps the day-dims tiers empty while the whole log is cached; hour tiers fold as usual; views equal', async () => {
    const { path, held, full } = await pair();
    await held.warmCache();
    await held.maintenance.foldRollups();
    expect(count(path, 'rollup_day_key_model')).toBe(0);
    expect(marks(path)[HOUR_DIMS_GROUP]).toBeGreaterThan(T0 + 29 * DAY);
    await sameViews(held, full);
  });

  it('with a cache window (the log outgrew the cache), folds the day-dims tiers like any group', async () => {
    const { path, held, full } = await pair(300);
    await held.warmCache();
    await held.maintenance.foldRollups();
    const m = marks(path);
    expect(m[DAY_DIMS_GROUP]).toBe(m[HOUR_DIMS_GROUP]);
    expect(count(path, 'rollup_day_key_model')).toBeGreaterThan(0);
    await sameViews(held, full);
  });

  it('retention folds the held tiers up to its cutoff before deleting raw events', async () => {
    const { path, held, full } = await pair();
    await held.warmCache();
    const cutoff = T0 + 10 * DAY;
    const a = await held.maintenance.pruneByAge(cutoff);
    const b = await full.maintenance.pruneByAge(cutoff);
    expect(a.deleted).toBe(b.deleted);
    expect(a.deleted).toBeGreaterThan(0);
    expect(marks(path)[DAY_DIMS_GROUP]).toBeGreaterThanOrEqual(cutoff);
    await sameViews(held, full);
  });
});
