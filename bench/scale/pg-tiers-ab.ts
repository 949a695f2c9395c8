// Postgres' own tiers (migration 0031), A/B in one process on one bench cluster (bench/scale --dialect postgres
// --dir …): A = the pg_dims watermark set to 0 (no pg_dims tier is read: the plans of before 0031, raw events),
// B = the tiers as folded; the two interleaved per cell, medians, answers compared. The watermark is restored.
//
//   node --import tsx bench/scale/pg-tiers-ab.ts <dir>/pg-<events> [runs=5] [bench/results/<name>.json]
import { startTestPostgres } from '@cpamp/testkit';
import { openPgStore } from '@cpamp/store';
import { loadavg } from 'node:os';
import { writeFileSync } from 'node:fs';
const dir = process.argv[2]!;
const runs = Number(process.argv[3] ?? 5);
const pg = await startTestPostgres({ dir, settings: { shared_buffers: '1GB', work_mem: '64MB', effective_cache_size: '4GB', jit: 'off', random_page_cost: 1.1, max_parallel_workers_per_gather: 2 } });
const s = await openPgStore({ connectionString: pg.url, dataKey: 'ab'.repeat(32), foldIntervalMs: 0 });
const { Client } = (await import('pg')).default;
const c = new Client({ connectionString: pg.url });
await c.connect();
const END_MS = Date.UTC(2026, 10, 30, 12, 0, 0);
const f0 = { from: END_MS - 365 * 86400000, to: END_MS };
const topKey = (await c.query(`SELECT k.hash FROM rollup_day_key d JOIN api_key k ON k.id = d.key_id GROUP BY k.hash ORDER BY sum(n) DESC LIMIT 1`)).rows[0].hash;
const acc = (await c.query(`SELECT a.auth_index FROM rollup_day_account d JOIN account a ON a.id = d.account_id GROUP BY a.auth_index ORDER BY sum(n) DESC LIMIT 1 OFFSET 10`)).rows[0].auth_index;
const upto = (await c.query(`SELECT upto FROM rollup_fold WHERE name = 'pg_dims'`)).rows[0].upto;
const zone = { granularity: 'day', timeZone: 'Asia/Shanghai', splitTopModels: 10 } as const;
const key = { ...f0, apiKeyHash: topKey };
const account = { ...f0, authIndex: acc };
const cells: Record<string, () => Promise<unknown>> = {
  'byAccount / key': () => s.analytics.breakdown(key, { by: 'account' }),
  'byKey / account': () => s.analytics.breakdown(account, { by: 'key' }),
  'filterOptions / key': () => s.analytics.filterOptions(key),
  'filterOptions / account': () => s.analytics.filterOptions(account),
  'latency / key': () => s.analytics.latencyPercentiles(key),
  'latency / account': () => s.analytics.latencyPercentiles(account),
  'seriesDayTop10 / key': () => s.analytics.timeSeries(key, zone),
  'seriesDayTop10 / none': () => s.analytics.timeSeries(f0, zone),
};
const set = (v: string) => c.query(`UPDATE rollup_fold SET upto = $1 WHERE name = 'pg_dims'`, [v]);
const strip = (x: unknown) => JSON.stringify({ ...(x as object), source: '' });
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const out: Record<string, { a: number; b: number; same: boolean }> = {};
const l0 = loadavg()[0]!;
try {
  for (const [name, fn] of Object.entries(cells)) {
    const ta: number[] = [], tb: number[] = [];
    let ra = '', rb = '';
    for (let i = 0; i < runs; i++) {
      await set('0');
      let t = performance.now(); ra = strip(await fn()); ta.push(performance.now() - t);
      await set(upto);
      t = performance.now(); rb = strip(await fn()); tb.push(performance.now() - t);
    }
    out[name] = { a: Math.round(med(ta)), b: Math.round(med(tb)), same: ra === rb };
    console.log(name.padEnd(26), String(out[name].a).padStart(6), String(out[name].b).padStart(6), out[name].same ? 'equal' : 'DIFFERENT');
  }
} finally {
  await set(upto);
  await c.end();
  await s.close();
  await pg.stop();
}
const res = { dir, runs, loadStart: l0, loadEnd: loadavg()[0], cells: out };
if (process.argv[4]) writeFileSync(process.argv[4], JSON.stringify(res, null, 2));
console.log('load', l0.toFixed(1), '→', loadavg()[0]!.toFixed(1));
