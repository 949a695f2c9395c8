// P6 breakdown: spawns the built `cpamp serve` on an existing server-bench data dir with bench/server/mem-probe.mjs
// preloaded, and prints the memory figures after start, once the column cache is warm, after one request of
// every P1 view × filter, after 6× the 24 h `/v0/management/usage`, and after P2-style event paging.
// Usage: node --import tsx bench/server/rss-breakdown.mts <dataDir> [KEY=VALUE env for the server …]
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeCpa } from '@cpamp/testkit';
import { readDataDirMarker } from '../lib/bench-data';
import {
  BENCH_ADMIN_KEY as ADMIN_KEY,
  spawnBenchServer,
  stopBenchServer,
  waitForHealth,
  waitForWarmCache,
} from '../lib/bench-server';
import { ANALYTICS as A, p1HttpFilters, p1HttpViews, rangeQuery, type FilterOptionsBody } from '../lib/http-views';

const [dir, ...envArgs] = process.argv.slice(2);
if (!dir) throw new Error('usage: rss-breakdown.mts <dataDir> [KEY=VALUE …]');
const auth = { authorization: `Bearer ${ADMIN_KEY}` };
const probe = new URL('./mem-probe.mjs', import.meta.url).pathname;
const outFile = join(dir, `mem-probe-${process.pid}.json`);
const extra = Object.fromEntries(envArgs.map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));
const fake = await startFakeCpa({});
const t0 = performance.now();
const s = spawnBenchServer(dir, ADMIN_KEY, {
  CPA_UPSTREAM_URL: fake.url,
  CPA_MANAGEMENT_KEY: fake.managementKey,
  NODE_OPTIONS: `${extra.NODE_OPTIONS ?? ''} --import ${probe}`.trim(),
  CPAMP_MEM_PROBE_OUT: outFile,
  ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'NODE_OPTIONS')),
});
const base = await s.url;
await waitForHealth(base);
const healthMs = Math.round(performance.now() - t0);
const rows: Record<string, unknown> = {};
let peak = 0;
const vmHwm = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${s.proc.pid}/status`, 'utf8'))?.[1] ?? 0) >> 10;
async function snap(name: string): Promise<void> {
  rmSync(outFile, { force: true });
  s.proc.kill('SIGUSR2');
  for (let i = 0; i < 200; i++) {
    try {
      const m = JSON.parse(readFileSync(outFile, 'utf8')) as Record<string, unknown>;
      peak = vmHwm();
      rows[name] = { ...m, peakRssMb: peak };
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
const get = async (path: string) => {
  const r = await fetch(base + path, { headers: auth });
  const t = await r.text();
  if (r.status !== 200) throw new Error(`${path} -> ${r.status} ${t.slice(0, 200)}`);
  return t;
};
await snap('health');
const rng = rangeQuery(readDataDirMarker<{ maxTs: number }>(dir).maxTs + 1);
const opts = JSON.parse(await get(`${A}/filter-options?${rng(720)}`)) as FilterOptionsBody;
const enc = encodeURIComponent;
const filters = Object.values(p1HttpFilters(opts));
const views = Object.values(p1HttpViews(rng));
// As the server bench's cold phase: one request of each view (and one /usage) before the cache is warm.
if (process.env.RSS_BREAKDOWN_COLD) {
  for (const v of views) for (const f of filters) await get(v + f);
  await get(`/v0/management/usage?${rng(24)}`);
  await snap('cold views ×1');
}
const cache = await waitForWarmCache(base, ADMIN_KEY);
await snap(`cache ${cache}`);
// RSS_BREAKDOWN_REPS=10 asks each view × filter as often as the server bench's warm P1 phase (and /usage 13×);
// RSS_BREAKDOWN_PER_VIEW=1 takes a snapshot after each view (which view moves the memory).
const reps = Number(process.env.RSS_BREAKDOWN_REPS ?? 2);
if (process.env.RSS_BREAKDOWN_PER_VIEW) {
  for (const [k, v] of views.entries()) {
    for (const f of filters) for (let rep = 0; rep < reps; rep++) await get(v + f);
    await snap(`${k} ${v.slice(A.length + 1, v.indexOf('?'))} ×${reps}`);
  }
} else {
  for (let rep = 0; rep < reps; rep++) for (const v of views) for (const f of filters) await get(v + f);
  await snap(`views ×${reps}`);
}
const usages = reps > 2 ? 13 : 6;
for (let i = 0; i < usages; i++) await get(`/v0/management/usage?${rng(24)}`);
await snap(`usage 24h ×${usages}`);
for (const f of filters) {
  let cursor: string | null = null;
  for (let pg = 0; pg < 50; pg++) {
    const body = JSON.parse(await get(`${A}/events?limit=50${f}${cursor ? `&cursor=${enc(cursor)}` : ''}`)) as {
      nextCursor: string | null;
    };
    cursor = body.nextCursor;
    if (!cursor) break;
  }
}
await snap('events 50 pages ×7');
console.log(`health ${healthMs} ms; env ${JSON.stringify(extra)}`);
console.table(rows);
// With CPAMP_MEM_PROBE_SMAPS=1 (passed to the server): resident MB per kind of anonymous mapping.
for (const [k, v] of Object.entries(rows)) {
  const m = (v as { mappings?: unknown }).mappings;
  if (m) console.log(`mappings ${k}: ${JSON.stringify(m)}`);
}
await stopBenchServer(s.proc);
rmSync(outFile, { force: true });
await fake.close();
process.exit(0);
