// The entity × model matrix (issue #19): every cell equals the per-entity breakdown filtered by that
// model, row totals equal the entity's breakdown, column totals the model's, from SQL (rollups or raw
// events) and, on SQLite, from the column cache (with the split time series, which scans it the same way).
import { describe, expect, it } from 'vitest';
import type { MatrixBy, PgStoreRepositories } from '../../src/index';
import { dataset, GPT5_PRICE, KEY_A, T0 } from './dataset';

const DAY = 86_400_000;
const ALL = { from: T0, to: T0 + 2 * DAY };

export function defineMatrixCases(fresh: () => Promise<PgStoreRepositories>): void {
  const loaded = async () => {
    const s = await fresh();
    await s.prices.set('gpt-5', GPT5_PRICE);
    await s.insertBatch(dataset());
    return s;
  };

  /** Checks the matrix against breakdowns: cells, row totals, column totals and the grand total. */
  const check = async (
    s: PgStoreRepositories,
    by: MatrixBy,
    filter: typeof ALL & { apiKeyHash?: string },
  ) => {
    const mx = await s.analytics.matrix(filter, { by, rows: 10, columns: 6 });
    const cell = (
      r: { requests: number; failures: number; tokens: { total: number }; costMicros: number } | undefined,
    ) => ({
      requests: r?.requests ?? 0,
      failures: r?.failures ?? 0,
      tokens: r?.tokens.total ?? 0,
      costMicros: r?.costMicros ?? 0,
    });
    const rows = await s.analytics.breakdown(filter, { by, sort: 'requests', limit: 10 });
    const cols = await s.analytics.breakdown(filter, { by: 'model', sort: 'requests', limit: 6 });
    expect(mx.rows.map((r) => r.name)).toEqual(rows.rows.map((r) => r.name));
    expect(mx.rows.map((r) => r.label)).toEqual(rows.rows.map((r) => r.label));
    expect(mx.rows.map((r) => r.total)).toEqual(rows.rows.map(cell));
    expect(mx.columns).toEqual(cols.rows.map((c) => ({ name: c.name, total: cell(c) })));
    for (const [ci, c] of mx.columns.entries()) {
      const per = await s.analytics.breakdown({ ...filter, model: c.name }, { by, limit: 1000 });
      const at = new Map(per.rows.map((r) => [r.name, cell(r)]));
      for (const r of mx.rows) expect(r.cells[ci]).toEqual(at.get(r.name) ?? cell(undefined));
    }
    const t = await s.analytics.totals(filter);
    expect(mx.total).toEqual({
      requests: t.requests,
      failures: t.failures,
      tokens: t.tokens.total,
      costMicros: t.costMicros,
    });
    expect(mx.entityCount).toBe(rows.total);
    expect(mx.modelCount).toBe(cols.total);
    return mx;
  };

  describe('entity × model matrix', () => {
    it('cells equal the per-entity breakdown filtered by model, for keys, accounts and providers', async () => {
      const s = await loaded();
      const byKey = await check(s, 'key', ALL);
      expect(byKey.rows.length).toBeGreaterThan(0);
      expect(byKey.columns.length).toBeGreaterThan(1);
      expect(byKey.rows.some((r) => r.cells.some((c) => c.requests > 0 && c.costMicros > 0))).toBe(true);
      await check(s, 'account', ALL);
      const byProvider = await check(s, 'provider', ALL);
      // Provider × model is in the hourly rollup: no raw scan for whole hours.
      expect(byProvider.source).toBe('rollup');
      await check(s, 'key', { ...ALL, apiKeyHash: KEY_A });
      // Top 1 × 1 by cost: the rows and columns are picked by the chosen metric.
      const top = await s.analytics.matrix(ALL, { by: 'key', sort: 'cost', rows: 1, columns: 1 });
      const byCost = await s.analytics.breakdown(ALL, { by: 'key', sort: 'cost', limit: 1 });
      expect(top.rows.map((r) => r.name)).toEqual(byCost.rows.map((r) => r.name));
      expect(top.columns).toHaveLength(1);
      expect(top.sort).toBe('cost');
      const split = await s.analytics.timeSeries(ALL, { granularity: 'hour', splitTopModels: 2 });
      const cached = s as PgStoreRepositories & { warmCache?: () => Promise<void> };
      if (cached.warmCache) {
        await cached.warmCache();
        // The split series from one flat cache pass equals the SQL one (rollups + edge events).
        const warmSplit = await s.analytics.timeSeries(ALL, { granularity: 'hour', splitTopModels: 2 });
        expect(warmSplit.source).toBe('cache');
        expect({ ...warmSplit, source: 'x' }).toEqual({ ...split, source: 'x' });
        expect(warmSplit.byModel).toHaveLength(2);
        const warm = await check(s, 'key', ALL);
        expect(warm.source).toBe('cache');
        expect({ ...warm, source: 'x' }).toEqual({ ...byKey, source: 'x' });
        await check(s, 'account', ALL);
        await check(s, 'provider', ALL);
      }
    });

    it('is empty for a range without events', async () => {
      const s = await loaded();
      const mx = await s.analytics.matrix({ from: T0 - DAY, to: T0 }, { by: 'account' });
      expect(mx).toMatchObject({ rows: [], columns: [], entityCount: 0, modelCount: 0 });
      expect(mx.total).toEqual({ requests: 0, failures: 0, tokens: 0, costMicros: 0 });
    });
  });
}
