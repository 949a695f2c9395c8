// Server benchmark (docs/design.md "Performance targets": views, event list, server RSS, cold start, live;
// ids P1, P2, P6, P7, P11) through HTTP against the built server (dist/cli.js)
// running as a child process on the 1M-event data set.
// Env (bench only): SERVER_BENCH_EVENTS (default 1,000,000). The data dir is cached under os.tmpdir()
// keyed by event count, so a re-run skips the build.
import type { ChildProcess } from 'node:child_process';
import { get as httpGet } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@cpamp/store';
import { generateUsage, startFakeCpa } from '@cpamp/testkit';
import { buildBenchData, markDataDirReady, readDataDirMarker, reuseDataDir } from '../lib/bench-data';
import { benchMachine, writeBenchResult } from '../lib/bench-results';
import {
  BENCH_ADMIN_KEY as ADMIN_KEY,
  BENCH_CLI as CLI,
  requireBuilt,
  spawnBenchServer,
  stopBenchServer,
  waitForHealth,
} from '../lib/bench-server';
import { ANALYTICS as A, p1HttpFilters, p1HttpViews, rangeQuery, type FilterOptionsBody } from '../lib/http-views';

const EVENTS = Number(process.env.SERVER_BENCH_EVENTS ?? 1_000_000);
const DATA_DIR = join(tmpdir(), `cpamp-server-bench-${EVENTS}`);
const REPS = 10;
const log = (...a: unknown[]) => console.log(...a);

const p95 = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return +s[Math.max(0, Math.ceil(0.95 * s.length) - 1)]!.toFixed(1);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

requireBuilt([CLI]);

// --- (1) data set: build once per event count ---
async function buildDataDir(): Promise<void> {
  if (reuseDataDir(DATA_DIR, log)) return;
  // A warm cache is snapshotted on close (<db>.colcache): the server then starts as after a restart.
  // The data set's newest event: P11 later adds a few records at "now", which must not move the ranges.
  const { inserted, maxTs } = await buildBenchData({ dir: DATA_DIR, events: EVENTS, snapshot: true, log });
  markDataDirReady(DATA_DIR, { events: EVENTS, inserted, maxTs });
}

// --- child server ---
interface Child {
  proc: ChildProcess;
  url: Promise<string>;
  startedAt: number;
}
function spawnServer(dataDir: string, extraEnv: Record<string, string> = {}): Child {
  const startedAt = performance.now();
  return { ...spawnBenchServer(dataDir, ADMIN_KEY, extraEnv), startedAt };
}
function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

const auth = { authorization: `Bearer ${ADMIN_KEY}` };
process.on('uncaughtException', (e) => {
  console.error(e);
  process.exit(1);
});
process.on('unhandledRejection', (e) => {
  console.error(e);
  process.exit(1);
});
async function get(base: string, path: string): Promise<{ ms: number; body: unknown }> {
  const t = performance.now();
  const res = await fetch(base + path, { headers: auth });
  const text = await res.text();
  const ms = performance.now() - t;
  if (res.status !== 200) throw new Error(`GET ${path} -> ${res.status}: ${text.slice(0, 300)}`);
  return { ms, body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text };
}

/** Time to the last byte of a (large) response, counting bytes without decoding them. */
function ttlb(base: string, path: string): Promise<{ ms: number; firstByteMs: number; bytes: number }> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    httpGet(base + path, { headers: auth }, (res) => {
      let bytes = 0;
      let first = -1;
      res.on('data', (c: Buffer) => {
        if (first < 0) first = performance.now() - t;
        bytes += c.length;
      });
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`GET ${path} -> ${res.statusCode}`));
        else resolve({ ms: performance.now() - t, firstByteMs: first, bytes });
      });
      res.on('error', reject);
    }).on('error', reject);
  });
}

await buildDataDir();
// The server ignores a column-cache snapshot of an older format (it then warms from SQL, so P1/P6 would
// measure a warm-up): open and close the store once, which rewrites a stale snapshot (a current one is kept).
{
  const s = await openStore({
    path: join(DATA_DIR, 'cpamp.sqlite'),
    dataKeyPath: join(DATA_DIR, 'data.key'),
  });
  await s.warmCache();
  await s.close();
}

// --- (2) P7: spawn → first /health 200 ---
// Analytics answer only once a CPA connection is configured: point the server at the fake CPA (idle queue,
// so nothing is ingested until P11 emits its few records).
const fake = await startFakeCpa({});
const server = spawnServer(DATA_DIR, { CPA_UPSTREAM_URL: fake.url, CPA_MANAGEMENT_KEY: fake.managementKey });
let p7Ms = -1;
let base = '';
try {
  base = await server.url;
  await waitForHealth(base);
  p7Ms = Math.round(performance.now() - server.startedAt);
} catch (e) {
  console.error(e);
  process.exit(1);
}
const pid = server.proc.pid!;
const snapshot = existsSync(join(DATA_DIR, 'cpamp.sqlite.colcache'));
log(`P7 spawn -> /health 200: ${p7Ms} ms (${base}, pid ${pid}; column-cache snapshot present: ${snapshot})`);

// Range anchored to the data set's newest event (a cached data set may be older than now; P11 of an
// earlier run added records at "now", so the marker's maxTs wins over the newest stored event).
const newest = (await get(base, '/v0/management/analytics/events?limit=1')).body as {
  events: { timestampMs: number }[];
};
const markerMaxTs = readDataDirMarker(DATA_DIR).maxTs;
const maxTs = (markerMaxTs ?? newest.events[0]?.timestampMs ?? Date.now()) + 1;
const rng = rangeQuery(maxTs);
const opts = (await get(base, `${A}/filter-options?${rng(720)}`)).body as FilterOptionsBody;
const enc = encodeURIComponent;
const filters = p1HttpFilters(opts);
const views = p1HttpViews(rng);

/** What the bench asks at the moment (P6 names the phase its maximum was seen in). */
let phase = 'start';

async function runP1(reps: number) {
  const perView: Record<string, number> = {};
  let worst = { ms: 0, what: '' };
  for (const [vn, path] of Object.entries(views)) {
    let viewWorst = 0;
    phase = `${reps > 1 ? 'warm' : 'cold'} ${vn}`;
    for (const [fn, f] of Object.entries(filters)) {
      const xs: number[] = [];
      for (let i = 0; i < reps; i++) xs.push((await get(base, path + f)).ms);
      const p = p95(xs);
      viewWorst = Math.max(viewWorst, p);
      if (p > worst.ms) worst = { ms: p, what: `${vn}/${fn}` };
    }
    perView[vn] = viewWorst;
  }
  // Time to the last byte through HTTP (the JSON is ~15 MB): what a consumer waits for. Like every view
  // above (70 requests each), measured once the code is JIT-warm: 3 unmeasured requests first.
  phase = `${reps > 1 ? 'warm' : 'cold'} usageCompat24h`;
  if (reps > 1) for (let i = 0; i < 3; i++) await ttlb(base, `/v0/management/usage?${rng(24)}`);
  const usage: number[] = [];
  const firstByte: number[] = [];
  let usageBytes = 0;
  for (let i = 0; i < reps; i++) {
    const r = await ttlb(base, `/v0/management/usage?${rng(24)}`);
    usage.push(r.ms);
    firstByte.push(r.firstByteMs);
    usageBytes = r.bytes;
  }
  perView.usageCompat24h = p95(usage);
  perView.usageCompat24hMedian = +[...usage].sort((a, b) => a - b)[Math.floor(usage.length / 2)]!.toFixed(1);
  perView.usageCompat24hFirstByte = p95(firstByte);
  perView.usageCompat24hMb = +(usageBytes / 1048576).toFixed(1);
  if (perView.usageCompat24h > worst.ms) worst = { ms: perView.usageCompat24h, what: 'usageCompat24h' };
  return { perView, worst };
}

// RSS sampler for P6 (max over the whole P1 phase, cold and warm).
let rssMax = rssMb(pid);
let rssMaxAt = phase;
const rssTimer = setInterval(() => {
  const mb = rssMb(pid);
  if (mb > rssMax) [rssMax, rssMaxAt] = [mb, phase];
}, 50);

// Cold: first request of each view as soon as /health answers (cache may still be warming).
const cold = await runP1(1);
log('P1 cold (single request, worst over filters, ms):', cold.perView, 'worst', cold.worst);

// Wait for the column cache to be warm.
const warmT = performance.now();
let cacheState: unknown = null;
for (let i = 0; i < 600; i++) {
  const s = (await get(base, '/status')).body as { eventCache: unknown; events: number | null };
  cacheState = s.eventCache;
  if (s.eventCache === 'ready' || s.eventCache === 'warm') break;
  await sleep(100);
}
log(`cache state ${JSON.stringify(cacheState)} after ${Math.round(performance.now() - warmT)} ms more`);

const warm = await runP1(REPS);
log('P1 warm p95 (worst over filters, ms):', warm.perView, 'worst', warm.worst);

// --- (4) P2: events page 1 and page 50 via cursor ---
phase = 'P2 events';
const p2: Record<string, { page1: number; page50: number }> = {};
for (const [fn, f] of Object.entries(filters)) {
  const p1s: number[] = [];
  const p50s: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const first = await get(base, `${A}/events?limit=50${f}`);
    p1s.push(first.ms);
    let cursor = (first.body as { nextCursor: string | null }).nextCursor;
    for (let pg = 2; pg < 50 && cursor; pg++)
      cursor = (
        (await get(base, `${A}/events?limit=50${f}&cursor=${enc(cursor)}`)).body as {
          nextCursor: string | null;
        }
      ).nextCursor;
    if (cursor) p50s.push((await get(base, `${A}/events?limit=50${f}&cursor=${enc(cursor)}`)).ms);
  }
  p2[fn] = { page1: p95(p1s), page50: p50s.length ? p95(p50s) : -1 };
}
clearInterval(rssTimer);
rssMax = Math.max(rssMax, rssMb(pid));
log('P2 events p95 (ms):', p2);
log(`P6 child RSS max during P1/P2: ${rssMax} MB (during ${rssMaxAt})`);

// --- (6) P11: fake CPA → collector → SSE, same server and data set (adds 5 events to the cached DB) ---
async function runP11(): Promise<{ samples: number[]; p95: number; max: number } | { error: string }> {
  const ac = new AbortController();
  try {
    const url = base;
    const res = await fetch(`${url}/v0/management/events/stream?types=usage`, {
      headers: auth,
      signal: ac.signal,
    });
    if (res.status !== 200 || !res.body) throw new Error(`stream -> ${res.status}`);
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    const waiters = new Map<string, (t: number) => void>();
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          for (const [id, w] of waiters)
            if (frame.includes(id)) {
              waiters.delete(id);
              w(performance.now());
            }
        }
      }
    })().catch(() => undefined);
    // Let the collector connect first.
    for (let i = 0; i < 100 && fake.subscriberCount('usage') === 0 && fake.stats().requests === 0; i++)
      await sleep(100);
    await sleep(1000);
    const samples: number[] = [];
    const tmpl = [...generateUsage({ seed: 9, events: 5, days: 1, end: Date.now() })];
    for (let n = 0; n < 5; n++) {
      const rid = `b${n}${Date.now().toString(16).slice(-6)}`;
      const rec = { ...(tmpl[n] as object), request_id: rid, timestamp: new Date().toISOString() };
      const arrived = new Promise<number>((resolve) => waiters.set(rid, resolve));
      const t = performance.now();
      fake.enqueueUsage(rec);
      const got = await Promise.race([arrived, sleep(10_000).then(() => -1)]);
      samples.push(got < 0 ? 10_000 : Math.round(got - t));
      await sleep(300);
    }
    return { samples, p95: p95(samples), max: Math.max(...samples) };
  } catch (e) {
    return { error: String(e) };
  } finally {
    ac.abort();
  }
}
const p11 = await runP11();
await stopBenchServer(server.proc);
await fake.close();
log('P11 emit -> SSE arrival (ms):', p11);

const p2Worst = Math.max(...Object.values(p2).flatMap((x) => [x.page1, x.page50]));
const results = {
  machine: benchMachine(),
  events: EVENTS,
  dataDir: DATA_DIR,
  P1: { targetMs: 100, reps: REPS, warm, coldSingleRequest: cold, cacheState },
  P2: { targetMs: 30, p95: p2 },
  P6: { targetMb: 200, rssMaxMb: rssMax, rssMaxDuring: rssMaxAt },
  P7: { targetMs: 1000, spawnToHealthMs: p7Ms, columnCacheSnapshot: snapshot },
  P11: { targetMs: 2000, note: 'same server and data set, 5 records', ...p11 },
};
writeBenchResult('server', results);
console.table({
  P1_warm_worst_p95_ms: { measured: warm.worst.ms, target: '<= 100', where: warm.worst.what },
  P1_cold_worst_ms: { measured: cold.worst.ms, target: '(info)', where: cold.worst.what },
  P2_worst_p95_ms: { measured: p2Worst, target: '<= 30', where: '' },
  P6_rss_max_mb: { measured: rssMax, target: '<= 200', where: rssMaxAt },
  P7_health_ms: { measured: p7Ms, target: '<= 1000', where: '' },
  P11_sse_p95_ms: { measured: 'p95' in p11 ? p11.p95 : p11.error, target: '<= 2000', where: '' },
});
process.exit(0);
