import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgStore, type PgStore } from '../../src/index';
import { pgTestsDisabled, startTestPostgres, type TestPostgres } from '@cpamp/testkit';
import { PG_FOLD_TIERS as FOLD_TIERS } from '../../src/rollups/fold-registry';
import { makeEvent } from '../helpers/events';
import { DATA_KEY } from '../shared/repository-suite';

// Deferred tiers on Postgres with two writers and two folding instances at once: batches read the watermark FOR
// SHARE, a fold takes it FOR UPDATE, so after any interleaving every tier holds exactly the events below it.
const suite = pgTestsDisabled() ? describe.skip : describe;
const H = 3_600_000;
const D0 = Date.UTC(2026, 9, 12);
let server: TestPostgres | undefined;

/** Every row of a tier equals the raw events below the watermark, summed the same way (and no row is extra). */
async function tierMismatches(
  url: string,
  schema: string,
): Promise<{ upto: number; bad: number[]; n: number }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`SET search_path TO "${schema}"`);
    const marks = new Map<string, number>(
      (await c.query(`SELECT name, upto FROM rollup_fold`)).rows.map((r) => [r.name, Number(r.upto)]),
    );
    const upto = marks.get('hour_dims')!;
    const bad: number[] = [];
    let n = 0;
    for (const t of FOLD_TIERS) {
      const upto = marks.get(t.group)!;
      const keys = t.keyCols.join(', ');
      const cols = `${keys}, ${t.valueCols.join(', ')}`;
      const want = `SELECT ${t.keyExprs.join(', ')}, ${t.valueSql} FROM events WHERE ts < ${upto} GROUP BY ${t.keyCols.map((_, i) => i + 1).join(', ')}`;
      const r = await c.query(
        `SELECT (SELECT count(*) FROM ((SELECT ${cols} FROM ${t.name}) EXCEPT ALL (${want})) x) AS extra,
           (SELECT count(*) FROM ((${want}) EXCEPT ALL (SELECT ${cols} FROM ${t.name})) y) AS missing,
           (SELECT coalesce(sum(n), 0) FROM ${t.name}) AS n`,
      );
      bad.push(Number(r.rows[0].extra), Number(r.rows[0].missing));
      n = Number(r.rows[0].n);
    }
    return { upto, bad, n };
  } finally {
    await c.end();
  }
}

suite('deferred tiers on Postgres', () => {
  beforeAll(async () => {
    server = await startTestPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  }, 60_000);

  it('two writers and two folding instances: no event lost or counted twice', async () => {
    const schema = `fold_${process.pid}`;
    let clock = D0 + 2 * H;
    const open = () =>
      openPgStore({
        connectionString: server!.url,
        dataKey: DATA_KEY,
        schema,
        now: () => clock,
        foldIntervalMs: 0,
        poolSize: 4,
      });
    const a: PgStore = await open();
    const b: PgStore = await open();
    try {
      let seq = 0;
      // Events around the clock: most in the current hour, some late (hours back), some ahead.
      const batch = (who: string) =>
        Array.from({ length: 40 }, (_, i) => {
          const k = ++seq;
          const off = i % 10 === 0 ? -3 * H - k * 1000 : i % 17 === 0 ? 40 * 60_000 : -(k % 50) * 60_000;
          return makeEvent({
            dedupKey: `${k.toString(16).padStart(8, '0')}${who.repeat(12)}`,
            requestId: `${who}${k}`,
            timestampMs: clock + off,
            model: `m${k % 3}`,
            apiKeyHash: String(k % 4).repeat(64),
            authIndex: `acc${k % 5}`,
            failed: k % 9 === 0,
            statusCode: k % 9 === 0 ? 500 : 200,
            inputTokens: k,
          });
        });
      const writer = async (s: PgStore, who: string) => {
        for (let i = 0; i < 12; i++) await s.insertBatch(batch(who));
      };
      const folder = async () => {
        for (let i = 0; i < 12; i++) {
          clock += 20 * 60_000;
          await Promise.all([a.maintenance.foldRollups(), b.maintenance.foldRollups()]);
        }
      };
      await Promise.all([writer(a, 'aa'), writer(b, 'bb'), folder()]);
      const mid = await tierMismatches(server!.url, schema);
      expect(mid.bad).toEqual(FOLD_TIERS.flatMap(() => [0, 0]));
      expect(mid.n).toBeGreaterThan(0);
      clock += 6 * H;
      await a.maintenance.foldRollups();
      const end = await tierMismatches(server!.url, schema);
      expect(end.bad).toEqual(FOLD_TIERS.flatMap(() => [0, 0]));
      expect(end.n).toBe(await a.events.count());
      // And through the API: a key-filtered heatmap from the tier equals raw events.
      const f = { from: D0 - 6 * H, to: clock + H, apiKeyHash: '1'.repeat(64) };
      const tier = await b.analytics.heatmap(f, { timeZone: 'Asia/Shanghai' });
      const raw = await b.analytics.heatmap({ ...f, upstream: 'default' }, { timeZone: 'Asia/Shanghai' });
      expect({ ...tier, source: '' }).toEqual({ ...raw, source: '' });
    } finally {
      await a.close();
      await b.close();
    }
  }, 60_000);
});
