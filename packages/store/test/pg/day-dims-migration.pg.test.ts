// Migration 0026 on Postgres with data already stored: it starts the day_dims fold group at the first raw event,
// and the fold (raw events in day chunks, span blocks derived as their days close) gives the rows of a store that
// had the tiers from the start.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { pgTestsDisabled } from '@cpamp/testkit';
import { openPgStore, type UsageEventInput } from '../../src/index';
import { DAY_DIM_TABLES } from '../../src/rollups/rollup-cross';
import { HIST_SPAN_TABLES } from '../../src/rollups/rollup-span-hist';
import { SPAN_TIERS } from '../../src/rollups/rollup-spans';
import { DIMS_SHAPE, dimsLatency, dimsTtft, scaleEvents } from '../helpers/scale-events';
import { DATA_KEY } from '../shared/repository-suite';
import { dumpTables } from '../helpers/pg-table-dump';
import { useTestPostgres } from '../helpers/test-postgres';

const suite = pgTestsDisabled() ? describe.skip : describe;
const T0 = Date.UTC(2026, 7, 20);
const schema = `daydims_${process.pid}_${Date.now().toString(36)}`;
const TABLES = [...DAY_DIM_TABLES, ...SPAN_TIERS.map((t) => t.table), ...Object.values(HIST_SPAN_TABLES)];

/** One event every 97 minutes over ~80 days (several chunks and span blocks). */
const events = (n: number): UsageEventInput[] =>
  scaleEvents(n, {
    ...DIMS_SHAPE,
    start: T0,
    stepMs: 97 * 60_000,
    more: (i) => ({ latencyMs: dimsLatency(i), ttftMs: dimsTtft(i) }),
  });

suite('migration 0026 on Postgres', () => {
  const server = useTestPostgres([schema]);

  it('the fold after the migration fills the rows a store had from the start', async () => {
    const w = await openPgStore({
      connectionString: server.url,
      dataKey: DATA_KEY,
      schema,
      foldIntervalMs: 0,
    });
    await w.prices.set('gpt-5', { input: 1, output: 10, cacheRead: 0.1 });
    await w.insertBatch(events(1200));
    await w.maintenance.foldRollups();
    await w.close();
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    const dump = () => dumpTables(client, schema, TABLES);
    try {
      const written = await dump();
      expect(written.rollup_span_account_model!.length).toBeGreaterThan(100);
      for (const t of TABLES) await client.query(`DROP TABLE "${schema}".${t}`);
      await client.query(`DROP INDEX "${schema}".rollup_day_key_key`);
      await client.query(`DROP INDEX "${schema}".rollup_day_account_account`);
      await client.query(`DELETE FROM "${schema}".rollup_fold WHERE name = 'day_dims'`);
      // Later migrations are un-recorded too (kysely refuses a gap); 0027 re-runs idempotently.
      await client.query(`DELETE FROM "${schema}".kysely_migration WHERE name >= '0026-day-dims'`);
      const s = await openPgStore({
        connectionString: server.url,
        dataKey: DATA_KEY,
        schema,
        foldIntervalMs: 0,
      });
      try {
        const upto = await client.query(`SELECT upto FROM "${schema}".rollup_fold WHERE name = 'day_dims'`);
        expect(Number(upto.rows[0].upto)).toBe(T0);
        expect((await s.maintenance.foldRollups()).steps).toBeGreaterThan(10);
      } finally {
        await s.close();
      }
      expect(await dump()).toEqual(written);
    } finally {
      await client.end();
    }
  });
});
