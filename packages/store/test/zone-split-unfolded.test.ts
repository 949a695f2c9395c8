// A top-models split in a local time zone right after a bulk load: the zone hour tiers wait for the background
// fold, so the warm column cache answers (reading the range's raw events from SQL took ~0.6 s for 30 days at 1M);
// once folded, the tiers answer. Both answers are the same.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scaleEvents, skKeys, twoModels } from './helpers/scale-events';
import { tempStores } from './helpers/temp-stores';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 7, 1);
const temp = tempStores();

describe('zone split before and after the fold', () => {
  it('comes from the cache while the zone tiers are not folded, from them after, with the same series', async () => {
    const store = await temp.open({
      path: join(temp.dir('cpamp-zonesplit-'), 'usage.sqlite'),
      dataKey: 'cd'.repeat(32),
      cacheSnapshot: false,
      foldIntervalMs: 0,
      now: () => T0 + 40 * DAY,
    });
    await store.insertBatch(
      scaleEvents(900, { start: T0, stepMs: 47 * 60_000, models: twoModels('claude-x'), keys: skKeys(3), accounts: 4, tokens: 'cycling' }),
    );
    await store.warmCache();
    const filter = { from: T0, to: T0 + 30 * DAY };
    const opts = { granularity: 'day', timeZone: 'Asia/Shanghai', splitTopModels: 2 } as const;
    const before = await store.analytics.timeSeries(filter, opts);
    expect(before.source).toBe('cache');
    await store.maintenance.foldRollups();
    const after = await store.analytics.timeSeries(filter, opts);
    expect(after.source).not.toBe('cache');
    expect({ ...after, source: null }).toEqual({ ...before, source: null });
    expect(before.byModel.map((m) => m.model)).toEqual(['gpt-5', 'claude-x']);
  });
});
