// Scale benchmark (issue #21 items 4 and 6): N events (default 10M) over 365 days into SQLite (a file) and
// Postgres (a throwaway cluster), loaded through the store's insertBatch, then every analytics view × filter
// (none, one key, one model, one account) × range (7 / 30 / 365 days): p95 over 20 runs, target ≤ 300 ms;
// SQLite bytes per event (≤ 250 B) and process RSS during the views (≤ 400 MB).
//
//   npm run bench -- scale                      (both dialects, SCALE_EVENTS or 10,000,000 events)
//   node --expose-gc --import tsx bench/scale/index.ts --events 1000000 [--dialect sqlite|postgres] [--runs 20]
//     [--views byKey,latency] [--filters none,key] [--ranges 365d]   (measure only these cells)
//
// Each dialect runs in its own child process, so the RSS figure is that dialect's alone.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openPgStore, openStore, type AnalyticsFilter, type UsageEventInput } from '@cpamp/store';
import { MODEL_CATALOG, startTestPostgres } from '@cpamp/testkit';
import { scaleBatches } from './generate';
import { runMatrix, type Cell } from './views';
import { benchMachine, writeBenchResult } from '../lib/bench-results';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string' },
    dialect: { type: 'string', default: 'both' },
    runs: { type: 'string', default: '20' },
    dir: { type: 'string' },
    batch: { type: 'string', default: '5000' },
    // Keep the data of an earlier run with the same --events and measure the views again (SQLite: the file;
    // Postgres: the cluster kept in <dir>/pg-<events>).
    reuse: { type: 'boolean', default: false },
    // As `cpamp serve` opens SQLite (foldBelowCacheFloor; the cache warmed before the fold, which reads its floor).
    hold: { type: 'boolean', default: false },
    // Postgres: stores (connections) inserting in parallel while loading.
    writers: { type: 'string', default: '2' },
    // SQLite: the column cache's bound (openStore columnCacheMaxEvents; default: the store's default).
    'cache-max': { type: 'string' },
    // Appended to the results name: bench/results/scale-<dialect>-<tag>.json.
    tag: { type: 'string' },
    // Comma lists: measure only these views / filters / ranges (e.g. --views byKey,latency --ranges 365d).
    views: { type: 'string' },
    filters: { type: 'string' },
    ranges: { type: 'string' },
    // Spread events over 1–3 CPAs (upstreams); with 2+ the 'upstream' / 'upstream2' filters are measured.
    upstreams: { type: 'string', default: '1' },
    // With 2+ CPAs: 'own' puts each account on one CPA but 1%, 'apart' all (see generate.ts accountCpas).
    'account-cpas': { type: 'string', default: 'spread' },
  },
});
const EVENTS = Number(args.events ?? process.env.SCALE_EVENTS ?? 10_000_000);
const RUNS = Number(args.runs);
const BATCH = Number(args.batch);
const DIR = args.dir ?? process.env.SCALE_DIR ?? join(tmpdir(), 'cpamp-scale-bench');
const TARGET_MS = 300;
const root = new URL('../..', import.meta.url).pathname;
const END_MS = Date.UTC(2026, 10, 30, 12, 0, 0);
/** Postgres settings for the bench cluster: a 2-core, 24 GB box that also runs the bench process. */
const PG_SETTINGS = {
  shared_buffers: '1GB',
  work_mem: '64MB',
  maintenance_work_mem: '256MB',
  effective_cache_size: '4GB',
  max_parallel_workers_per_gather: 2,
  random_page_cost: 1.1,
  jit: 'off',
  max_wal_size: '4GB',
  checkpoint_timeout: '30min',
};

if (args.dialect === 'both') {
  for (const dialect of ['sqlite', 'postgres']) {
    const res = spawnSync(
      process.execPath,
      [
        ...process.execArgv,
        new URL(import.meta.url).pathname,
        '--dialect',
        dialect,
        '--events',
        String(EVENTS),
        '--runs',
        String(RUNS),
        '--batch',
        String(BATCH),
        '--dir',
        DIR,
      ],
      { stdio: 'inherit', cwd: root },
    );
    if (res.status !== 0) process.exit(res.status ?? 1);
  }
  process.exit(0);
}
const dialect = args.dialect as 'sqlite' | 'postgres';
if (dialect !== 'sqlite' && dialect !== 'postgres')
  throw new Error(`--dialect sqlite|postgres|both, not ${dialect}`);

const log = (...a: unknown[]) => console.log(...a);
const mb = (b: number) => Math.round(b / 1048576);
const load1 = () => +loadavg()[0]!.toFixed(2);
let rssMax = 0;
const sampleRss = () => {
  rssMax = Math.max(rssMax, process.memoryUsage().rss);
};
const loadAtStart = loadavg().map((x) => +x.toFixed(2));
mkdirSync(DIR, { recursive: true });
log(
  `scale bench (${dialect}): ${EVENTS.toLocaleString()} events over 365 days, load average ${loadAtStart.join(' ')}`,
);

// --- open ---
const dataKey = 'ab'.repeat(32);
let pg: Awaited<ReturnType<typeof startTestPostgres>> | null = null;
const dbPath = join(DIR, `scale-${EVENTS}.sqlite`);
const pgDir = join(DIR, `pg-${EVENTS}`);
const loadInfoPath = dialect === 'sqlite' ? `${dbPath}.load.json` : join(DIR, `pg-${EVENTS}.load.json`);
const reuse = args.reuse && existsSync(loadInfoPath);
if (dialect === 'sqlite' && !reuse)
  for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`, `${dbPath}.colcache`])
    rmSync(f, { force: true });
if (dialect === 'postgres' && !reuse) rmSync(pgDir, { recursive: true, force: true });
if (!reuse) rmSync(loadInfoPath, { force: true });
const store =
  dialect === 'sqlite'
    ? await openStore({
        path: dbPath,
        dataKey,
        cacheSnapshot: false,
        foldBelowCacheFloor: args.hold,
        ...(args['cache-max'] !== undefined ? { columnCacheMaxEvents: Number(args['cache-max']) } : {}),
      })
    : await openPgStore({
        // A cluster kept in --dir: `--reuse` re-starts it and measures the views on the same loaded data.
        connectionString: (pg = await startTestPostgres({ settings: PG_SETTINGS, dir: pgDir })).url,
        dataKey,
      });
let pgInfo: Record<string, unknown> | null = null;
try {
  if (!reuse)
    try {
      await store.prices.sync(
        { file: join(root, 'packages/store/test/fixtures/litellm-prices.json') },
        { models: [...new Set(MODEL_CATALOG.flatMap((m) => [m.id, m.alias]))] },
      );
    } catch {
      // price fixture missing: costs stay unpriced
    }

  // --- load through insertBatch ---
  const loadInfo: { inserted: number; reused?: boolean } = reuse
    ? (JSON.parse(readFileSync(loadInfoPath, 'utf8')) as { inserted: number })
    : await load();
  if (reuse) loadInfo.reused = true;
  else writeFileSync(loadInfoPath, JSON.stringify(loadInfo));
  const inserted = loadInfo.inserted;
  log('load', loadInfo);
  /** Generates batches and inserts them; on Postgres with several stores (connections) in flight at once. */
  async function load() {
    const extra =
      dialect === 'postgres'
        ? await Promise.all(
            Array.from({ length: Math.max(0, Number(args.writers) - 1) }, () =>
              openPgStore({ connectionString: pg!.url, dataKey }),
            ),
          )
        : [];
    const writers = [store, ...extra];
    let inserted = 0;
    let genMs = 0;
    let nextLog = 500_000;
    const t0 = performance.now();
    const batches = scaleBatches(
      {
        events: EVENTS,
        days: 365,
        endMs: END_MS,
        upstreams: Number(args.upstreams),
        accountCpas:
          args['account-cpas'] === 'own' || args['account-cpas'] === 'apart'
            ? args['account-cpas']
            : 'spread',
      },
      BATCH,
    );
    const idle = [...writers];
    const inFlight = new Set<Promise<void>>();
    for (;;) {
      const g = performance.now();
      const next = batches.next();
      genMs += performance.now() - g;
      if (next.done) break;
      while (idle.length === 0) await Promise.race(inFlight);
      const w = idle.pop()!;
      const p: Promise<void> = w.insertBatch(next.value as UsageEventInput[]).then((r) => {
        inserted += r.inserted;
        idle.push(w);
        inFlight.delete(p);
      });
      inFlight.add(p);
      if (inserted >= nextLog) {
        nextLog += 500_000;
        sampleRss();
        const sec = (performance.now() - t0) / 1000;
        log(`  ${inserted.toLocaleString()} inserted, ${Math.round(inserted / sec)}/s, load ${load1()}`);
      }
    }
    await Promise.all(inFlight);
    for (const x of extra) await x.close();
    const wallSec = (performance.now() - t0) / 1000;
    return {
      inserted,
      batchSize: BATCH,
      writers: writers.length,
      wallSec: +wallSec.toFixed(1),
      generatorSec: +(genMs / 1000).toFixed(1),
      eventsPerSec: Math.round(inserted / wallSec),
      loadAverageEnd: loadavg().map((x) => +x.toFixed(2)),
    };
  }

  // --- the deferred rollup tiers: what the store's background fold does after a bulk load (rollups/fold-tier.ts) ---
  if (args.hold && 'warmCache' in store) await store.warmCache();
  const tf = performance.now();
  const foldSteps = (await store.maintenance.foldRollups()).steps;
  const foldInfo = { steps: foldSteps, sec: +((performance.now() - tf) / 1000).toFixed(1) };
  log('fold', foldInfo);

  // --- disk ---
  let disk: Record<string, unknown>;
  if (dialect === 'sqlite' && 'maintenance' in store) {
    await store.maintenance.checkpoint('TRUNCATE');
    const report = await store.maintenance.storageReport();
    disk = {
      bytesPerEvent: Math.round(report.bytesPerEvent ?? 0),
      fileMb: mb(report.fileBytes),
      objects: report.objects.slice(0, 12).map((o) => `${o.name}:${mb(o.bytes)}MB`),
    };
  } else {
    const { Client } = (await import('pg')).default;
    const c = new Client({ connectionString: pg!.url });
    await c.connect();
    const ta = performance.now();
    await c.query(reuse ? 'ANALYZE' : 'VACUUM ANALYZE');
    const vacuumSec = +((performance.now() - ta) / 1000).toFixed(1);
    const size = Number((await c.query('SELECT pg_database_size(current_database()) AS b')).rows[0].b);
    const rels = (
      await c.query(
        `SELECT relname, pg_total_relation_size(oid) AS b FROM pg_class WHERE relkind IN ('r') AND relnamespace = 'public'::regnamespace ORDER BY 2 DESC LIMIT 8`,
      )
    ).rows.map((r: { relname: string; b: string }) => `${r.relname}:${mb(Number(r.b))}MB`);
    disk = {
      bytesPerEvent: Math.round(size / inserted),
      databaseMb: mb(size),
      tables: rels,
      vacuumAnalyzeSec: vacuumSec,
    };
    const version = (await c.query('SHOW server_version')).rows[0].server_version as string;
    pgInfo = {
      version,
      settings: { ...PG_SETTINGS, fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
    };
    await c.end();
  }
  log('disk', disk);

  // --- the column cache (SQLite): what the server fills in the background after open ---
  let cacheInfo: Record<string, unknown> | null = null;
  if (dialect === 'sqlite' && 'warmCache' in store) {
    const tw = performance.now();
    await store.warmCache();
    sampleRss();
    const st = store.cacheStatus();
    cacheInfo = {
      ...st,
      maxEvents: args['cache-max'] ?? `store default (${st.maxEvents})`,
      warmMs: Math.round(performance.now() - tw),
      mb: mb(st.bytes),
    };
    log('column cache', cacheInfo);
  }

  // --- views ---
  const maxTs = ((await store.events.list({}, { limit: 1 })).events[0]?.timestampMs ?? END_MS) + 1;
  const opts = await store.analytics.filterOptions({ from: maxTs - 8760 * 3_600_000, to: maxTs });
  const filters: Record<string, Partial<AnalyticsFilter>> = {
    none: {},
    key: { apiKeyHash: opts.keys[0]!.hash },
    model: { model: opts.models[0]!.name },
    account: { authIndex: opts.accounts[Math.min(10, opts.accounts.length - 1)]!.authIndex },
    // With 2+ CPAs: the largest (the unnamed default, 50–60 %) and the second, named one (30–40 %).
    ...(Number(args.upstreams) > 1
      ? { upstream: { upstream: 'default' }, upstream2: { upstream: 'cpa-2' } }
      : {}),
  };
  const share = (n: number) => `${((100 * n) / inserted).toFixed(1)}%`;
  log(
    `filters: top key (${share(opts.keys[0]!.count)} of events), top model ${opts.models[0]!.name} (${share(opts.models[0]!.count)}), ` +
      `11th account (${share(opts.accounts[Math.min(10, opts.accounts.length - 1)]!.count)})`,
  );
  sampleRss();
  const rssBeforeViews = rssMax;
  const tv = performance.now();
  const cells: Cell[] = await runMatrix(store, maxTs, filters, {
    runs: RUNS,
    giveUpMs: 3000,
    sampleRss,
    only: {
      views: args.views?.split(','),
      filters: args.filters?.split(','),
      ranges: args.ranges?.split(','),
    },
    onCell: (c) => {
      if (c.p95 > TARGET_MS) log(`  over: ${c.view}/${c.filter}/${c.range} p95 ${c.p95} ms`);
    },
  });
  const viewsSec = +((performance.now() - tv) / 1000).toFixed(1);

  // --- table ---
  const over = cells.filter((c) => c.p95 > TARGET_MS);
  const rows = new Map<string, Map<string, Cell>>();
  for (const c of cells) {
    const k = `${c.view} / ${c.filter}`;
    if (!rows.has(k)) rows.set(k, new Map());
    rows.get(k)!.set(c.range, c);
  }
  const cols = ['7d', '30d', '365d', 'today'];
  log(`\n${dialect}: p95 ms over ${RUNS} runs (✗ > ${TARGET_MS} ms, * stopped early)`);
  log(`${'view / filter'.padEnd(28)}${cols.map((c) => c.padStart(10)).join('')}`);
  for (const [k, m] of rows) {
    const cell = (r: string) => {
      const c = m.get(r);
      if (!c) return ''.padStart(10);
      return `${c.p95}${c.p95 > TARGET_MS ? '✗' : ''}${c.stoppedEarly ? '*' : ''}`.padStart(10);
    };
    log(`${k.padEnd(28)}${cols.map(cell).join('')}`);
  }
  const worst = [...cells].sort((a, b) => b.p95 - a.p95)[0]!;
  const summary = {
    cells: cells.length,
    overTarget: over.length,
    worst: `${worst.view}/${worst.filter}/${worst.range} ${worst.p95} ms`,
    rssMaxMb: mb(rssMax),
    rssBeforeViewsMb: mb(rssBeforeViews),
    viewsSec,
    loadAverageEnd: loadavg().map((x) => +x.toFixed(2)),
  };
  log('summary', summary);

  const out = {
    bench: `scale-${dialect}${args.tag ? `-${args.tag}` : ''}`,
    date: new Date().toISOString(),
    events: inserted,
    days: 365,
    runsPerCell: RUNS,
    targets: { p95Ms: TARGET_MS, bytesPerEvent: dialect === 'sqlite' ? 250 : null, rssMb: 400 },
    machine: {
      ...benchMachine(),
      loadAverageStart: loadAtStart,
      note: 'shared by 9 workers while measuring: absolute times are noisy',
    },
    postgres: pgInfo,
    filters: Object.fromEntries(Object.entries(filters).map(([k, v]) => [k, JSON.stringify(v)])),
    load: loadInfo,
    // The fold's catch-up before measuring (a migration that adds a fold group starts it at the first event).
    fold: foldInfo,
    disk,
    columnCache: cacheInfo,
    summary,
    cellsMs: cells,
  };
  const name = `scale-${dialect}${args.tag ? `-${args.tag}` : ''}`;
  log(`wrote ${writeBenchResult(name, out)}`);
} finally {
  await store.close();
  await pg?.stop();
}
