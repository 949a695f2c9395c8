// The column cache's memory bound (columnCacheMaxEvents): beyond it the cache holds the newest events only;
// views, the event list and the /usage payload answer from memory where the window covers the range and
// from rollups + SQL before it, with the same figures as a store without a cache.
import { describe, expect, it } from 'vitest';
import { openStore, type UsageEventInput } from '../src/index';
import { scaleEvents, twoModels, TWO_PROVIDERS } from './helpers/scale-events';
import { tempStores } from './helpers/temp-stores';

const T0 = Date.UTC(2026, 7, 20, 0, 0, 0);
const KEY = 'ab'.repeat(32);
const temp = tempStores();

function events(n: number): UsageEventInput[] {
  return scaleEvents(n, {
    start: T0,
    stepMs: 60_000,
    // Ids follow arrival, not time: a few late records land among the newest ids.
    lateIds: true,
    models: twoModels('claude-sonnet-4-5-20250929'),
    providers: TWO_PROVIDERS,
    accounts: 5,
    fail: { every: 9, status: 429 },
    tokens: 'growing',
  });
}

describe('column cache window (columnCacheMaxEvents)', () => {
  it('keeps the newest events, answers older ranges from SQL, and agrees with a store without a cache', async () => {
    const path = temp.path('cpamp-colwin-');
    const writer = await openStore({ path, dataKey: KEY, columnCache: false });
    await writer.insertBatch(events(1000));
    await writer.close();

    const windowed = await temp.open({ path, dataKey: KEY, columnCacheMaxEvents: 300 });
    const plain = await temp.open({ path, dataKey: KEY, columnCache: false, cacheSnapshot: false });
    await windowed.warmCache();
    // The cache holds 300 rows; the count it reports (/status, /metrics) is every stored event.
    expect(windowed.cacheStatus().events).toBe(1000);
    // What the storage page shows: 300 held, from the window's floor (every later event is held).
    const status = windowed.cacheStatus();
    expect(status).toMatchObject({ held: 300, maxEvents: 300 });
    expect(status.fromMs).toBe(T0 + 698 * 60_000 + 1); // the newest left-out event is i = 698

    const end = T0 + 1000 * 60_000;
    const recent = { from: end - 200 * 60_000, to: end };
    const all = { from: T0, to: end };
    expect((await windowed.analytics.totals(recent)).source).toBe('cache');
    expect((await windowed.analytics.totals(all)).source).not.toBe('cache');
    for (const f of [recent, all, { ...recent, model: 'gpt-5' }, { ...all, authIndex: 'acc2' }]) {
      const { source: _a, ...w } = await windowed.analytics.totals(f);
      const { source: _b, ...p } = await plain.analytics.totals(f);
      expect(w).toEqual(p);
      const bw = await windowed.analytics.breakdown(f, { by: 'account' });
      const bp = await plain.analytics.breakdown(f, { by: 'account' });
      expect(bw.rows).toEqual(bp.rows);
      const lw = await windowed.events.list(f, { limit: 20 });
      const lp = await plain.events.list(f, { limit: 20 });
      expect(lw.events.map((e) => e.id)).toEqual(lp.events.map((e) => e.id));
    }
    // Paging the whole log newest first reaches the oldest events (the list leaves the cache for them).
    const listed: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await windowed.events.list({}, { limit: 250, cursor });
      listed.push(...page.events.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(listed).size).toBe(1000);
    let a = '';
    for await (const c of windowed.io.usagePayload(all)) a += c;
    let b = '';
    for await (const c of plain.io.usagePayload(all)) b += c;
    expect(a).toBe(b);

    // Retention deletes the oldest events, all outside the window: the count follows.
    const pruned = await windowed.maintenance.pruneByAge(T0 + 100 * 60_000);
    expect(pruned.deleted).toBeGreaterThan(0);
    expect(windowed.cacheStatus().events).toBe(await plain.events.count());
  });
});
