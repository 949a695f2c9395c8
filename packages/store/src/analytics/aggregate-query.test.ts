import { PostgresQueryCompiler, SqliteQueryCompiler, createQueryId } from 'kysely';
import { describe, expect, it } from 'vitest';
import { FLAG_FAILED, SCLASS_SUCCESS } from '../events/event-flags';
import { AggregateCollector, aggregateQueries } from './aggregate-query';
import { breakdownOf, NO_NAMES } from './analytics-views';

const H = 3_600_000;
const FROM = Date.UTC(2026, 0, 1, 10, 30);

const compiled = (spec: Parameters<typeof aggregateQueries>[0]) =>
  aggregateQueries(spec).steps.flatMap((s) =>
    [new SqliteQueryCompiler(), new PostgresQueryCompiler()].map((c) =>
      c.compileQuery(s.metrics.toOperationNode(), createQueryId()),
    ),
  );

describe('dialect-neutral aggregate queries', () => {
  it('bind filter ids and times as parameters in both dialects, never as SQL text', () => {
    const ids = [9_101, 9_102, 9_103];
    for (const q of compiled({ filter: { from: FROM, to: FROM + 5 * H, keyIds: ids }, dim: 'key' })) {
      for (const id of ids) {
        expect(q.sql).not.toContain(String(id));
        expect(q.parameters).toContain(id);
      }
      expect(q.sql).toMatch(/"key_id" IN \((\?|\$\d+), (\?|\$\d+), (\?|\$\d+)\)/);
    }
  });

  it('match nothing for an empty id list and test outcomes through the named flag and status class', () => {
    const qs = compiled({
      filter: { from: FROM, to: FROM + 5 * H, modelIds: [], status: 'success' },
      dim: 'none',
    });
    // Two raw-event edges and the whole hours from the hourly rollup, in each dialect.
    expect(qs).toHaveLength(6);
    for (const q of qs) {
      expect(q.sql).toContain('false');
      expect(q.sql).toMatch(new RegExp(`\\(flags & ${FLAG_FAILED}\\) = 0|sclass = ${SCLASS_SUCCESS}`));
    }
  });

  it('collects value rows into groups, mapping quarter hours to buckets and keeping time × model apart', () => {
    const map = new Int32Array([0, 0, 0, 0, 1, 1, 1, 1]);
    const spec = {
      filter: { from: 0, to: 2 * H },
      dim: 'time' as const,
      dim2: 'model' as const,
      buckets: { q0: 100, map, labels: ['a', 'b'], starts: [0, H], wholeHours: true },
    };
    const out = new AggregateCollector(spec);
    const metrics = (a: number, b: number, n: number) => [a, b, n, 1, 1, 2, 3, 4, 5, 6, 70, 0, 1000 + a];
    out.addMetrics([
      metrics(100, 7, 2),
      metrics(103, 7, 3),
      metrics(104, 7, 1),
      metrics(104, 8, 4),
      metrics(999, 7, 9),
    ]);
    const groups = out.result('events').groups.map((x) => [x.g, x.g2, x.n, x.cost, x.lastTs]);
    expect(groups).toEqual([
      [0, 7, 5, 140, 1103],
      [1, 7, 1, 70, 1104],
      [1, 8, 4, 70, 1104],
    ]);
  });
});

describe('breakdown rows', () => {
  const group = (g: number, n: number, cost: number) => ({
    g,
    g2: 0,
    n,
    failures: 0,
    input: n,
    cacheRead: 0,
    cacheCreation: 0,
    output: 0,
    reasoning: 0,
    unclassified: 0,
    cost,
    unpriced: 0,
    lastTs: g,
    hist: null,
  });
  const groups = [group(3, 5, 10), group(1, 5, 30), group(2, 0, 99), group(4, 9, 20)];
  const name = (id: number) => ({ ...NO_NAMES, name: `n${5 - id}` });

  it('drop empty groups, sort (ties by id) and page', () => {
    const ids = (opts: Parameters<typeof breakdownOf>[2]) =>
      breakdownOf(groups, name, opts).rows.map((r) => r.id);
    expect(ids({})).toEqual([4, 1, 3]);
    expect(ids({ sort: 'cost' })).toEqual([1, 4, 3]);
    expect(ids({ sort: 'name' })).toEqual([4, 3, 1]);
    expect(ids({ sort: 'requests', order: 'asc', offset: 1, limit: 1 })).toEqual([3]);
    expect(breakdownOf(groups, name, { limit: 1 }).total).toBe(3);
  });
});
