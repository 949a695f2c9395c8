import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isStoreError, openPgStore } from '../../src/index';
import { pgTestsDisabled } from '@cpamp/testkit';
import { makeEvent } from '../helpers/events';
import { useTestPostgres } from '../helpers/test-postgres';
import { defineRepositorySuite, DATA_KEY } from '../shared/repository-suite';

// Real PostgreSQL: a throwaway cluster (or CPAMP_TEST_PG_URL); one schema per opened store.
const suite = pgTestsDisabled() ? describe.skip : describe;
let n = 0;
const schemas: string[] = [];
const prefix = `t${process.pid}_${Date.now().toString(36)}`;

suite('postgres store', () => {
  const server = useTestPostgres(schemas);

  defineRepositorySuite('postgres', {
    async open({ location, dataKey, now }) {
      const schema = location ?? `${prefix}_${++n}`;
      if (!location) schemas.push(schema);
      const store = await openPgStore({
        connectionString: server.url,
        schema,
        poolSize: 4,
        ...(dataKey ? { dataKey } : {}),
        ...(now ? { now } : {}),
      });
      return { store, location: schema };
    },
  });

  describe('several writers on one database', () => {
    it('two stores inserting overlapping batches concurrently store each event once, rollups exact', async () => {
      const schema = `${prefix}_concurrent`;
      schemas.push(schema);
      const a = await openPgStore({ connectionString: server.url, dataKey: DATA_KEY, schema });
      const b = await openPgStore({ connectionString: server.url, dataKey: DATA_KEY, schema });
      try {
        const day = Date.UTC(2026, 7, 20);
        const events = Array.from({ length: 300 }, (_, i) =>
          makeEvent({
            timestampMs: day + i * 60_000,
            model: `model-${i % 7}`,
            alias: `model-${i % 7}`,
            apiKeyHash: `${i % 5}`.repeat(64),
            authIndex: `acc-${i % 11}`,
            failed: i % 13 === 0,
            statusCode: i % 13 === 0 ? 500 : 200,
            // Both writers meet the same two header sets (header_set's unique names, ON CONFLICT).
            rateLimitHeaders:
              i % 2 === 0
                ? { 'x-codex-primary-used-percent': String(i % 100), 'x-codex-plan-type': 'plus' }
                : { 'retry-after': String(i), 'anthropic-ratelimit-unified-status': 'allowed' },
          }),
        );
        const batches = (from: number, to: number) =>
          Array.from({ length: (to - from) / 50 }, (_, k) =>
            events.slice(from + k * 50, from + (k + 1) * 50),
          );
        const run = async (s: typeof a, list: (typeof events)[]) => {
          let inserted = 0;
          for (const batch of list) inserted += (await s.insertBatch(batch)).inserted;
          return inserted;
        };
        // a writes events 0..199 oldest first, b writes 100..299 newest first: they meet in the middle.
        const [ia, ib] = await Promise.all([run(a, batches(0, 200)), run(b, batches(100, 300).reverse())]);
        expect(ia + ib).toBe(300);
        expect(await a.events.count()).toBe(300);
        const totals = await b.analytics.totals({ from: day, to: day + 86_400_000 });
        expect([totals.requests, totals.failures, totals.source]).toEqual([300, 24, 'rollup']);
        const byModel = await a.analytics.breakdown({ from: day, to: day + 86_400_000 }, { by: 'model' });
        expect(byModel.rows.map((r) => r.requests).reduce((x, y) => x + y, 0)).toBe(300);
        expect(byModel.total).toBe(7);
        const listed = (await a.events.list({}, { limit: 500 })).events;
        expect(listed.map((e) => e.rateLimitHeaders)).toEqual(
          listed.map((e) => events.find((x) => x.requestId === e.requestId)!.rateLimitHeaders),
        );
        const c = new pg.Client({ connectionString: server.url });
        await c.connect();
        const q = (text: string) => c.query(text).then((r) => Number(r.rows[0].n));
        expect(await q(`SELECT count(*) AS n FROM "${schema}".header_set`)).toBe(2);
        expect(await q(`SELECT count(hset) AS n FROM "${schema}".event_extra`)).toBe(300);
        await c.end();
      } finally {
        await a.close();
        await b.close();
      }
    });
  });

  describe('openPgStore', () => {
    it('reports an unreachable server as open_failed without leaking the password', async () => {
      const err = await openPgStore({
        connectionString: 'postgresql://cpamp:hunter2@127.0.0.1:1/cpamp',
        dataKey: DATA_KEY,
      }).catch((e: unknown) => e);
      expect(isStoreError(err) && err.code).toBe('open_failed');
      expect((err as Error).message).toMatch(
        /Cannot connect to Postgres at postgresql:\/\/cpamp:\*\*\*@127\.0\.0\.1:1/,
      );
      expect((err as Error).message).not.toContain('hunter2');
    });

    it('requires a data key and a valid schema name', async () => {
      const noKey = await openPgStore({ connectionString: server.url }).catch((e: unknown) => e);
      expect(isStoreError(noKey) && noKey.code).toBe('data_key_invalid');
      const badSchema = await openPgStore({
        connectionString: server.url,
        dataKey: DATA_KEY,
        schema: 'x; drop table',
      }).catch((e: unknown) => e);
      expect(isStoreError(badSchema) && badSchema.code).toBe('open_failed');
    });

    it('migrates once: a second store on the same schema sees the first one’s data', async () => {
      const schema = `${prefix}_shared`;
      schemas.push(schema);
      const a = await openPgStore({ connectionString: server.url, dataKey: DATA_KEY, schema });
      const b = await openPgStore({ connectionString: server.url, dataKey: DATA_KEY, schema });
      try {
        await a.prices.set('gpt-5', { input: 1, output: 10 });
        // b's price cache follows the newer price version written by a.
        expect((await b.prices.get('gpt-5'))?.output).toBe(10);
        expect(await b.prices.currentVersion()).toBe(await a.prices.currentVersion());
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
});
