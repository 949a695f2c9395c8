// Steady-state P1 probe: opens an existing store bench file (bench/store leaves it in STORE_BENCH_DIR),
// warms the column cache, then times every P1 view × filter REPS times after 3 warm-up calls.
// Used to tell a first-call / load spike in `npm run bench -- store` (p95 of 5 = max) from a slow view.
// The store bench's F10 step adds 100k events in the day after the data set; STEADY_SHIFT_H=24 (default) ends
// the ranges before them, so the 30-day views see the 1M events P1 saw (over 1M, rollupsCheaper picks SQL).
// Usage: node --expose-gc --import tsx bench/store/p1-steady.mts [dbPath] [reps]
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type AnalyticsFilter } from '@cpamp/store';
import { p1Views } from '../lib/store-views.js';

const dbPath = process.argv[2] ?? join(tmpdir(), 'cpamp-store-bench', 'bench.sqlite');
const REPS = Number(process.argv[3] ?? 20);
const store = await openStore({ path: dbPath, dataKey: 'ab'.repeat(32) });
await store.warmCache();
const shiftMs = Number(process.env.STEADY_SHIFT_H ?? 24) * 3_600_000;
const maxTs =
  ((await store.events.list({}, { limit: 1 })).events[0]?.timestampMs ?? Date.now()) + 1 - shiftMs;
const H = 3_600_000;
const range = (hours: number): AnalyticsFilter => ({ from: maxTs - hours * H, to: maxTs });
const opts = await store.analytics.filterOptions(range(720));
const filters: Record<string, Partial<AnalyticsFilter>> = {
  unfiltered: {},
  key: { apiKeyHash: opts.keys[0]!.hash },
  account: { authIndex: opts.accounts[Math.min(10, opts.accounts.length - 1)]!.authIndex },
  model: { model: opts.models[0]!.name },
  provider: { provider: opts.providers[0]!.name },
  failures: { status: 'failure' },
  keyModel: { apiKeyHash: opts.keys[0]!.hash, model: opts.models[0]!.name },
};
const a = store.analytics;
const views = p1Views(a, range);
const q = (xs: number[], p: number) =>
  [...xs].sort((x, y) => x - y)[Math.max(0, Math.ceil(p * xs.length) - 1)]!;
const out: Record<string, { p50: number; p95: number; worstFilter: string }> = {};
for (const [vn, view] of Object.entries(views)) {
  let worst = { p50: 0, p95: 0, worstFilter: '' };
  for (const [fn, f] of Object.entries(filters)) {
    for (let i = 0; i < 3; i++) await view(f);
    const xs: number[] = [];
    for (let i = 0; i < REPS; i++) {
      const t = performance.now();
      await view(f);
      xs.push(performance.now() - t);
    }
    const p95 = q(xs, 0.95);
    if (p95 > worst.p95) worst = { p50: +q(xs, 0.5).toFixed(1), p95: +p95.toFixed(1), worstFilter: fn };
  }
  out[vn] = worst;
}
console.log(
  JSON.stringify({
    dbPath,
    reps: REPS,
    shiftH: shiftMs / 3_600_000,
    rowsInRange: store.analytics ? undefined : 0,
    out,
  }),
);
await store.close();
