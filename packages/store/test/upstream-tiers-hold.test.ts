// The CPA tiers (migration 0033, rollups/upstream-tiers.ts) cost nothing in a store of one CPA: SQLite holds their
// fold group there (no view reads them). The second CPA's first events start the catch-up from the first raw
// event, and from then on a CPA filter reads them; per CPA the views add up to the unfiltered ones.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { GPT5_PRICE } from './shared/dataset';
import { scaleEvents, skKeys, twoModels } from './helpers/scale-events';
import { tempStores } from './helpers/temp-stores';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 7, 1, 0, 20);
const temp = tempStores();

describe('CPA tiers: held with one CPA, caught up with two', () => {
  it('folds nothing into them until a second CPA shows up, then answers CPA filters from them', async () => {
    const path = join(temp.dir('cpamp-cpa-tiers-'), 'usage.sqlite');
    const store = await temp.open({
      path,
      dataKey: 'cd'.repeat(32),
      foldIntervalMs: 0,
      now: () => T0 + 40 * DAY,
    });
    await store.prices.set('gpt-5', GPT5_PRICE);
    const shape = {
      start: T0,
      stepMs: 47 * 60_000,
      models: twoModels('claude-x'),
      keys: skKeys(3),
      accounts: 4,
    };
    await store.insertBatch(scaleEvents(900, { ...shape, tokens: 'growing' }));
    await store.maintenance.foldRollups();
    const peek = () => {
      const db = new Database(path, { readonly: true });
      try {
        return {
          upto: db
            .prepare("SELECT upto FROM rollup_fold WHERE name = 'upstream_dims'")
            .pluck()
            .get() as number,
          rows: db.prepare('SELECT count(*) FROM rollup_day_upstream_account').pluck().get() as number,
        };
      } finally {
        db.close();
      }
    };
    // A fresh store starts the group at 0; held, it stays there.
    expect(peek()).toEqual({ upto: 0, rows: 0 });

    // A second CPA: a few events spread over the same month.
    await store.insertBatch(
      scaleEvents(40, {
        ...shape,
        stepMs: 17 * 3_600_000,
        tokens: 'cycling',
        more: (i) => ({
          upstream: 'west',
          dedupKey: `${(0x900000 + i).toString(16).padStart(8, '0')}${'ef'.repeat(12)}`,
        }),
      }),
    );
    await store.maintenance.foldRollups();
    const after = peek();
    expect(after.upto).toBeGreaterThan(T0 + 30 * DAY);
    expect(after.rows).toBeGreaterThan(0);

    const all = { from: T0 + 5 * 3_600_000 + 7 * 60_000, to: T0 + 29 * DAY + 90 * 60_000 };
    const west = await store.analytics.totals({ ...all, upstream: 'west' });
    const main = await store.analytics.totals({ ...all, upstream: 'default' });
    const both = await store.analytics.totals(all);
    expect([west.source, main.source]).toEqual(['rollup+events', 'rollup+events']);
    expect(west.requests).toBeGreaterThan(30);
    expect(west.requests + main.requests).toBe(both.requests);
    expect(west.costMicros + main.costMicros).toBe(both.costMicros);
    expect(west.tokens.total + main.tokens.total).toBe(both.tokens.total);
    // By account: each CPA's rows from its tier, the same accounts' sums as the unfiltered view.
    const rows = async (upstream?: string) =>
      (await store.analytics.breakdown({ ...all, ...(upstream ? { upstream } : {}) }, { by: 'account' }))
        .rows;
    const sum = new Map<string, number>();
    for (const up of ['west', 'default'])
      for (const r of await rows(up)) sum.set(r.name, (sum.get(r.name) ?? 0) + r.requests);
    const whole = new Map<string, number>();
    for (const r of await rows()) whole.set(r.name, (whole.get(r.name) ?? 0) + r.requests);
    expect(sum).toEqual(whole);
  });
});
