// Memory of the real built server at scale (issue #21 item 6: RSS ≤ 400 MB at 10M events). The scale bench
// measures its own tsx process, which carries ~100 MB of TypeScript tooling; this one starts the built
// `cpamp serve` on a database the scale bench loaded, waits for the column cache, asks the panel's analytics
// requests over HTTP for 7 / 30 / 365 days (no filter and the top key), and reads the child's VmRSS / VmHWM.
//
//   npm run build && node --import tsx bench/scale/serve-rss.ts --db /tmp/x/scale-10000000.sqlite [--tag 10m]
//
// Opening runs pending migrations on that file, and the file's data-key check is dropped (the scale bench's
// key is not kept; the file holds no secrets): pass a copy you may change.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { spawnBenchServer, waitForWarmCache } from '../lib/bench-server';

const { values: args } = parseArgs({
  options: { db: { type: 'string' }, tag: { type: 'string' }, runs: { type: 'string', default: '3' } },
});
if (!args.db) throw new Error('--db <scale SQLite file> is required');
const root = new URL('../..', import.meta.url).pathname;
const KEY = 'bench-serve-rss-admin-key-0123456789';
const H = 3_600_000;
const RANGES = { '7d': 168 * H, '30d': 720 * H, '365d': 8760 * H } as const;

const db = new Database(args.db);
db.prepare(`DELETE FROM settings WHERE key = 'data_key_check'`).run();
db.close();

const dataDir = mkdtempSync(join(tmpdir(), 'cpamp-serve-rss-'));
const { proc: child, url } = spawnBenchServer(dataDir, KEY, { USAGE_DB_PATH: args.db, CPAMP_DOCKER: '0' });
const kb = (field: string): number => {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
    readFileSync(`/proc/${child.pid}/status`, 'utf8'),
  );
  return m ? Number(m[1]) : 0;
};
const mb = (k: number) => Math.round(k / 1024);
const base = await url;
const get = async (path: string): Promise<unknown> => {
  const res = await fetch(base + path, { headers: { authorization: `Bearer ${KEY}` } });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
};

const t0 = performance.now();
const cache = await waitForWarmCache(base, KEY, 6000);
const status = (await get('/status')) as { events: number };
const warmSec = +((performance.now() - t0) / 1000).toFixed(1);
const rssWarm = mb(kb('VmRSS'));
console.log(`${status.events} events; cache ${cache} after ${warmSec} s; RSS ${rssWarm} MB`);

const maxTs = Date.now();
const last = (await get(`/v0/management/analytics/events?limit=1`)) as {
  events?: { timestampMs?: number }[];
};
const newest = last.events?.[0]?.timestampMs ?? maxTs;
const options = (await get(`/v0/management/analytics/filter-options?from=0&to=${newest}`)) as {
  keys?: { hash: string }[];
};
const topKey = options.keys?.[0]?.hash;
const filters: Record<string, string> = {
  none: '',
  ...(topKey ? { key: `&key=${encodeURIComponent(topKey)}` } : {}),
};

const paths = (q: string) => [
  `/v0/management/analytics/summary?${q}`,
  `/v0/management/analytics/timeline?${q}&granularity=day&splitTopModels=10&tz=Asia/Shanghai`,
  `/v0/management/analytics/breakdown/key?${q}`,
  `/v0/management/analytics/breakdown/account?${q}`,
  `/v0/management/analytics/breakdown/model?${q}`,
  `/v0/management/analytics/breakdown/provider?${q}`,
  `/v0/management/analytics/filter-options?${q}`,
  `/v0/management/analytics/latency-percentiles?${q}`,
  `/v0/management/analytics/heatmap?${q}&tz=America/New_York`,
  `/v0/management/analytics/events?${q}&limit=50`,
];
const perRange: Record<string, number> = {};
const tv = performance.now();
for (const [rn, span] of Object.entries(RANGES))
  for (const [fn, fq] of Object.entries(filters)) {
    const q = `from=${newest - span}&to=${newest}${fq}`;
    for (let i = 0; i < Number(args.runs); i++) for (const p of paths(q)) await get(p);
    perRange[`${rn}/${fn}`] = mb(kb('VmRSS'));
  }
await get(`/v0/management/analytics/dashboard?tz=Europe/Berlin`);
const viewsSec = +((performance.now() - tv) / 1000).toFixed(1);
const result = {
  bench: `serve-rss${args.tag ? `-${args.tag}` : ''}`,
  date: new Date().toISOString(),
  events: status.events,
  dbBytes: statSync(args.db).size,
  warmSec,
  rssAfterWarmMb: rssWarm,
  rssAfterRangeMb: perRange,
  rssPeakMb: mb(kb('VmHWM')),
  viewsSec,
  target: { rssMb: 400 },
  loadAverageEnd: loadavg().map((x) => +x.toFixed(2)),
};
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
rmSync(dataDir, { recursive: true, force: true });
console.table(perRange);
console.log(result);
const file = join(root, 'bench', 'results', `${result.bench}.json`);
writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
console.log(`wrote ${file}`);
