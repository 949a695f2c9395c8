// Store benchmark on the 1M-event data set (docs/design.md "Targets": views, event list, store ingest, disk,
// import/export, views during ingest; ids P1, P2, P3, P5, P8, F10).
// Env (bench only): STORE_BENCH_EVENTS (default 1,000,000), STORE_BENCH_DIR (default a tmp dir).
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  dashboardView,
  openStore,
  type NormalizeFn,
  type Store,
  type UsageEventInput,
  type AnalyticsFilter,
} from '@cpamp/store';
import { p1Views } from '../lib/store-views';
import { removeSqliteFiles, syncBenchPrices } from '../lib/bench-data';
import { benchMachine, writeBenchResult } from '../lib/bench-results';
import { generateUsage } from '@cpamp/testkit';
import { normalizeRecord } from '@cpamp/collector';

const EVENTS = Number(process.env.STORE_BENCH_EVENTS ?? 1_000_000);
const DIR = process.env.STORE_BENCH_DIR ?? join(tmpdir(), 'cpamp-store-bench');
const root = new URL('../..', import.meta.url).pathname;

async function loadNormalize(): Promise<{ fn: NormalizeFn; name: string }> {
  return { fn: (r) => normalizeRecord(r), name: '@cpamp/collector normalizeRecord' };
}

const p95 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(0.95 * s.length) - 1)]!;
};
const time = (fn: () => unknown) => {
  const t = performance.now();
  fn();
  return performance.now() - t;
};
async function timeAsync(fn: () => Promise<unknown>) {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}
const mb = (b: number) => Math.round(b / 1048576);

mkdirSync(DIR, { recursive: true });
const dbPath = join(DIR, 'bench.sqlite');
removeSqliteFiles(dbPath, join(DIR, 'data.key'));
const log = (...a: unknown[]) => console.log(...a);
const { fn: normalize, name: normalizerName } = await loadNormalize();
log(`store bench: ${EVENTS.toLocaleString()} events, normaliser: ${normalizerName}, dir ${DIR}`);

// As `cpamp serve` opens it (open-server-store.ts): no day-dims tiers while the cache holds the whole log.
const store: Store = await openStore({ path: dbPath, dataKey: 'ab'.repeat(32), foldBelowCacheFloor: true });
// Realistic prices for the catalog so cost is computed at insert.
await syncBenchPrices(store);

// --- P3: ingest (store level: insertBatch of 500 pre-normalised events, timed alone) ---
let insertMs = 0;
let normalizeMs = 0;
let batch: UsageEventInput[] = [];
let inserted = 0;
let rejected = 0;
const wallStart = performance.now();
const flush = async () => {
  const t = performance.now();
  inserted += (await store.insertBatch(batch)).inserted;
  insertMs += performance.now() - t;
  batch = [];
};
for (const rec of generateUsage({ seed: 42, events: EVENTS, days: 30 })) {
  const t = performance.now();
  const r = normalize(rec);
  normalizeMs += performance.now() - t;
  if (!r.ok) {
    rejected++;
    continue;
  }
  batch.push(r.event);
  if (batch.length === 500) await flush();
  if (inserted % 100_000 === 0 && inserted && batch.length === 0)
    log(`  ${inserted.toLocaleString()} inserted`);
}
if (batch.length) await flush();
const wallMs = performance.now() - wallStart;
const p3 = {
  inserted,
  rejected,
  storeEventsPerSec: Math.round(inserted / (insertMs / 1000)),
  withNormaliseEventsPerSec: Math.round(inserted / ((insertMs + normalizeMs) / 1000)),
  wallIncludingGeneratorSec: +(wallMs / 1000).toFixed(1),
};
// The deferred tiers (rollups/fold-tier.ts) are folded in the background after ingest: catch up now, so the
// writer time they cost is counted and P5 / P1 see the steady state.
const foldStart = performance.now();
const { steps: foldSteps } = await store.maintenance.foldRollups();
const foldMs = performance.now() - foldStart;
Object.assign(p3, {
  foldSec: +(foldMs / 1000).toFixed(1),
  foldSteps,
  withFoldEventsPerSec: Math.round(inserted / ((insertMs + foldMs) / 1000)),
});
log('P3', p3);

// --- P5: bytes per event after a WAL checkpoint ---
await store.maintenance.checkpoint('TRUNCATE');
const report = await store.maintenance.storageReport();
const p5 = {
  bytesPerEvent: Math.round(report.bytesPerEvent ?? 0),
  fileMb: mb(report.fileBytes),
  objects: report.objects.slice(0, 12).map((o) => `${o.name}:${mb(o.bytes)}MB`),
};
log('P5', p5);

// --- P1 / P2 ---
const maxTs = ((await store.events.list({}, { limit: 1 })).events[0]?.timestampMs ?? Date.now()) + 1;
const H = 3_600_000;
const range = (hours: number): AnalyticsFilter => ({ from: maxTs - hours * H, to: maxTs });
const opts = await store.analytics.filterOptions(range(720));
const topKey = opts.keys[0]!.hash;
const topModel = opts.models[0]!.name;
const account = opts.accounts[Math.min(10, opts.accounts.length - 1)]!.authIndex;
const provider = opts.providers[0]!.name;
const filters: Record<string, Partial<AnalyticsFilter>> = {
  unfiltered: {},
  key: { apiKeyHash: topKey },
  account: { authIndex: account },
  model: { model: topModel },
  provider: { provider },
  failures: { status: 'failure' },
  keyModel: { apiKeyHash: topKey, model: topModel },
};
const a = store.analytics;
const views = p1Views(a, range);
const REPS = 5;
async function runP1(label: string) {
  const perView: Record<string, number> = {};
  let worst = { ms: 0, what: '' };
  for (const [vn, view] of Object.entries(views)) {
    const samples: number[] = [];
    for (const [fname, f] of Object.entries(filters)) {
      const xs: number[] = [];
      for (let i = 0; i < REPS; i++) xs.push(time(() => view(f)));
      const p = p95(xs);
      samples.push(p);
      if (p > worst.ms) worst = { ms: p, what: `${vn}/${fname}` };
    }
    perView[vn] = +Math.max(...samples).toFixed(1);
  }
  // Measured once JIT-warm (each view above runs 35 times; the payload builder needs a few runs too).
  for (let i = 0; i < 3; i++) for await (const c of store.io.usagePayload(range(24))) void c;
  const usage: number[] = [];
  for (let i = 0; i < REPS; i++) {
    usage.push(
      await timeAsync(async () => {
        let bytes = 0;
        for await (const c of store.io.usagePayload(range(24))) bytes += c.length;
        return bytes;
      }),
    );
  }
  perView.usagePayload24h = +p95(usage).toFixed(1);
  // The dashboard's one request (issue #19): today, yesterday so far, last minute, 24 h hourly, tops, failures.
  const dash: number[] = [];
  for (let i = 0; i < REPS + 2; i++) dash.push(await timeAsync(() => dashboardView(store, { now: maxTs, timeZone: 'Europe/Berlin' })));
  perView.dashboard = +p95(dash.slice(2)).toFixed(1);
  log(
    `P1 (${label}) worst p95 per view over 7 filters (ms):`,
    perView,
    'worst:',
    worst.what,
    worst.ms.toFixed(1),
  );
  return { perView, worst: { ...worst, ms: +worst.ms.toFixed(1) } };
}
const p1Sql = await runP1('rollups + SQL, cache cold');
const warmStart = performance.now();
await store.warmCache();
const warmMs = Math.round(performance.now() - warmStart);
log(
  `column cache warm in ${warmMs} ms, ${store.cacheStatus().events.toLocaleString()} events, ~${mb(store.cacheStatus().bytes)} MB`,
);
const p1Cache = await runP1('column cache');
// STORE_BENCH_VIEWS_ONLY=1: stop after P1 (the analytics views) and write bench/results/store-views.json.
if (process.env.STORE_BENCH_VIEWS_ONLY === '1') {
  writeBenchResult('store-views', {
    machine: benchMachine(),
    events: EVENTS,
    P1: { targetMs: 100, sqlEngine: p1Sql, cacheEngine: p1Cache, cacheWarmMs: warmMs },
  });
  await store.close();
  process.exit(0);
}

const p2: Record<string, { page1: number; page50: number }> = {};
const listFilters = { ...filters, minLatency30s: { minLatencyMs: 30_000 }, search: { search: 'a1' } };
for (const [fname, f] of Object.entries(listFilters)) {
  const p1s: number[] = [];
  const p50s: number[] = [];
  for (let i = 0; i < REPS; i++) {
    p1s.push(time(() => store.events.list(f, { limit: 50 })));
    let cursor: string | null = null;
    for (let pg = 1; pg < 50; pg++) {
      cursor = (await store.events.list(f, { limit: 50, cursor })).nextCursor;
      if (!cursor) break;
    }
    if (cursor) p50s.push(time(() => store.events.list(f, { limit: 50, cursor })));
  }
  p2[fname] = { page1: +p95(p1s).toFixed(1), page50: p50s.length ? +p95(p50s).toFixed(1) : -1 };
}
log('P2 event list p95 (ms):', p2);

// --- F10: views while a worker thread ingests at the P3 target rate (20k events/s, batches of 500)
// through its own writer connection, so both really run at the same time (2 cores). ---
const f10 = await (async () => {
  const rate = 20_000;
  // Generated and normalised here, up front: the worker (built store, bench/store/f10-worker.mjs) only inserts.
  const batches: UsageEventInput[][] = [];
  let cur: UsageEventInput[] = [];
  for (const rec of generateUsage({ seed: 7, events: 100_000, days: 1, end: maxTs + 86_400_000 })) {
    const r = normalize(rec);
    if (!r.ok) continue;
    cur.push(r.event);
    if (cur.length === 500) {
      batches.push(cur);
      cur = [];
    }
  }
  if (cur.length) batches.push(cur);
  const worker = new Worker(join(root, 'bench/store/f10-worker.mjs'), {
    workerData: { path: dbPath, rate, batches },
  });
  const msg = () =>
    new Promise<Record<string, number>>((r, j) => (worker.once('message', r), worker.once('error', j)));
  await msg();
  const done = msg();
  let finished = false;
  void done.then(() => (finished = true));
  worker.postMessage('go');
  const xs: number[] = [];
  let viewErrors = 0;
  const viewBusy = { n: 0 };
  const started = performance.now();
  while (!finished && performance.now() - started < 30_000) {
    for (const view of [
      ...Object.values(views),
      (f: Partial<AnalyticsFilter>) => store.events.list(f, { limit: 50 }),
    ]) {
      try {
        xs.push(time(() => view({})));
      } catch (e) {
        viewErrors++;
        if (String(e).includes('BUSY')) viewBusy.n++;
      }
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  const w = await done;
  return {
    viewsP95Ms: +p95(xs).toFixed(1),
    samples: xs.length,
    viewErrors,
    viewsSqliteBusy: viewBusy.n,
    ingestTargetPerSec: rate,
    ingestedPerSec: Math.round(w.inserted! / w.secs!),
    ingestInsertOnlyPerSec: Math.round(w.inserted! / (w.insertMs! / 1000)),
    ingested: w.inserted,
    ingestSqliteBusy: w.busy,
    ingestOtherErrors: w.otherErrors,
  };
})();
log('F10', f10);
await store.close();

// --- P8: export then import 1M, each in a fresh process ---
const jsonl = join(DIR, 'export.jsonl');
// On the built store (packages/store/dist; `npm run bench` builds first), no tsx loader in the RSS.
const child = (args: string[]) => {
  const r = spawnSync(process.execPath, [join(root, 'bench/store/p8-child.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`child ${args[0]} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { ms: number; rssMb: number; report?: unknown };
};
const exp = child(['--export', dbPath, jsonl]);
log('P8 export', exp);
const imp = child(['--import', join(DIR, 'import.sqlite'), jsonl]);
log('P8 import', { ms: imp.ms, rssMb: imp.rssMb });

const results = {
  machine: benchMachine(),
  events: EVENTS,
  normaliser: normalizerName,
  P1: { targetMs: 100, sqlEngine: p1Sql, cacheEngine: p1Cache, cacheWarmMs: warmMs },
  P2: { targetMs: 30, p95: p2 },
  P3: { target: 20_000, ...p3 },
  P5: { targetBytes: 300, ...p5 },
  P8: {
    target: 'import <= 60 s, export <= 30 s, RSS <= 250 MB',
    exportSec: +(exp.ms / 1000).toFixed(1),
    exportRssMb: exp.rssMb,
    importSec: +(imp.ms / 1000).toFixed(1),
    importRssMb: imp.rssMb,
  },
  F10: { target: 'no SQLITE_BUSY; p95 within 2x of P1; ingest >= 20,000/s', ...f10 },
};
writeBenchResult('store', results);
console.table({
  P1_sql_worst_ms: { value: p1Sql.worst.ms, target: '<= 100' },
  P1_cache_worst_ms: { value: p1Cache.worst.ms, target: '<= 100' },
  P2_worst_ms: { value: Math.max(...Object.values(p2).flatMap((x) => [x.page1, x.page50])), target: '<= 30' },
  P3_events_per_s: { value: p3.storeEventsPerSec, target: '>= 20000' },
  P5_bytes_per_event: { value: p5.bytesPerEvent, target: '<= 300' },
  P8_import_s: { value: results.P8.importSec, target: '<= 60' },
  P8_export_s: { value: results.P8.exportSec, target: '<= 30' },
  P8_rss_mb: { value: Math.max(exp.rssMb, imp.rssMb), target: '<= 250' },
  F10_p95_ms: { value: f10.viewsP95Ms, target: '<= 2x P1' },
});
