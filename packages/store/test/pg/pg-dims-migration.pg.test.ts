// Migration 0031 on Postgres with data already stored: it starts the pg_dims fold group at the first raw event's
// hour (tiers empty, so opening does not wait), views stay exact while the fold has not caught up, and the fold
// gives the rows of a store that had the tiers from the start.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { pgTestsDisabled } from '@cpamp/testkit';
import { openPgStore, type AnalyticsFilter, type UsageEventInput } from '../../src/index';
import { PG_DIMS_TABLE_DEFS } from '../../src/rollups/pg-dims-fold';
import { DIMS_SHAPE, dimsLatency, scaleEvents } from '../helpers/scale-events';
import { DATA_KEY } from '../shared/repository-suite';
import { dumpTables } from '../helpers/pg-table-dump';
import { useTestPostgres } from '../helpers/test-postgres';

const suite = pgTestsDisabled() ? describe.skip : describe;
const T0 = Date.UTC(2026, 7, 20);
const H = 3_600_000;
const schema = `pgdims_${process.pid}_${Date.now().toString(36)}`;
const TABLES = PG_DIMS_TABLE_DEFS.map((t) => t.table);

/** One event every 97 minutes over ~80 days (several chunks and span blocks), from 00:25 on. */
const events = (n: number): UsageEventInput[] =>
  scaleEvents(n, {
    ...DIMS_SHAPE,
    start: T0 + 25 * 60_000,
    stepMs: 97 * 60_000,
    more: (i) => ({ latencyMs: dimsLatency(i) }),
  });

suite('migration 0031 on Postgres', () => {
  const server = useTestPostgres([schema]);

  it('starts at the first event, stays exact before the fold, and the fold fills the rows a store had from the start', async () => {
    const open = () =>
      openPgStore({ connectionString: server.url, dataKey: DATA_KEY, schema, foldIntervalMs: 0 });
    const w = await open();
    await w.prices.set('gpt-5', { input: 1, output: 10, cacheRead: 0.1 });
    await w.insertBatch(events(1200));
    await w.maintenance.foldRollups();
    const range = { from: T0 + 3 * H, to: T0 + 70 * 24 * H };
    const filters: AnalyticsFilter[] = [
      { ...range, apiKeyHash: '1'.repeat(64) },
      { ...range, authIndex: 'acc3' },
    ];
    const views = async (s: typeof w) => {
      const out: unknown[] = [];
      for (const f of filters)
        out.push(
          await s.analytics.breakdown(f, { by: 'account' }),
          await s.analytics.breakdown(f, { by: 'key' }),
          await s.analytics.filterOptions(f),
          await s.analytics.latencyPercentiles(f),
          await s.analytics.timeSeries(f, { granularity: 'day', timeZone: 'Asia/Shanghai', splitTopModels: 2 }),
        );
      return out.map((x) => ({ ...(x as object), source: 'x' }));
    };
    const want = await views(w);
    await w.close();
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    const dump = () => dumpTables(client, schema, TABLES);
    try {
      const written = await dump();
      for (const t of TABLES) expect(written[t]!.length, t).toBeGreaterThan(50);
      for (const t of TABLES) await client.query(`DROP TABLE "${schema}".${t}`);
      await client.query(`DELETE FROM "${schema}".rollup_fold WHERE name = 'pg_dims'`);
      await client.query(`DELETE FROM "${schema}".kysely_migration WHERE name >= '0031-pg-dims'`);
      const s = await open();
      try {
        const upto = await client.query(`SELECT upto FROM "${schema}".rollup_fold WHERE name = 'pg_dims'`);
        expect(Number(upto.rows[0].upto)).toBe(T0);
        for (const t of TABLES) expect((await dump())[t], t).toEqual([]);
        // Nothing folded yet: the same answers from raw events.
        expect(await views(s)).toEqual(want);
        expect((await s.maintenance.foldRollups()).steps).toBeGreaterThan(10);
        expect(await views(s)).toEqual(want);
      } finally {
        await s.close();
      }
      expect(await dump()).toEqual(written);
    } finally {
      await client.end();
    }
  }, 120_000);
});
