// P1 / P6 A/B: starts the built `cpamp serve` on an existing server-bench data dir once per variant, in turns
// (A B A B …), asks the server bench's warm P1 views (12 views × 7 filters, `reps` times each) and 13× the 24 h
// `/v0/management/usage`, and prints per variant the median of each view's per-round median time, the total view
// time, the server's CPU time over them (less load-sensitive than wall time) and the peak RSS (VmHWM).
// Variants differ by server env: CPAMP_MEM_PROBE_V8FLAGS (mem-probe.mjs is preloaded) sets V8 flags at run time,
// BENCH_SERVER_CLI starts another build, AB_DATA_DIR a copy of the data dir (when snapshot formats differ).
// Usage: node --import tsx bench/server/ab-views.mts <dataDir> <rounds> <out.json|-> 'A=K=V,K=V' 'B=K=V' …
import { readFileSync, writeFileSync } from 'node:fs';
import { startFakeCpa } from '@cpamp/testkit';
import { readDataDirMarker } from '../lib/bench-data';
import {
  BENCH_ADMIN_KEY as ADMIN_KEY,
  spawnBenchServer,
  stopBenchServer,
  waitForWarmCache,
} from '../lib/bench-server';
import { ANALYTICS as A, p1HttpFilters, p1HttpViews, rangeQuery, type FilterOptionsBody } from '../lib/http-views';

const [dir, roundsArg, outFile, ...variantArgs] = process.argv.slice(2);
if (!dir || !roundsArg || !outFile || variantArgs.length === 0)
  throw new Error("usage: ab-views.mts <dataDir> <rounds> <out.json|-> 'name=K=V,K=V' …");
const rounds = Number(roundsArg);
const reps = Number(process.env.AB_REPS ?? 3);
const auth = { authorization: `Bearer ${ADMIN_KEY}` };
const probe = new URL('./mem-probe.mjs', import.meta.url).pathname;
const variants = variantArgs.map((a) => {
  const name = a.slice(0, a.indexOf('='));
  const rest = a.slice(a.indexOf('=') + 1);
  const env: Record<string, string> = {};
  for (const kv of rest ? rest.split(',') : []) env[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
  return { name, env };
});
const rng = rangeQuery(readDataDirMarker<{ maxTs: number }>(dir).maxTs + 1);
const views: Record<string, string> = { ...p1HttpViews(rng), usage24h: `/v0/management/usage?${rng(24)}` };
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? +s[Math.floor(s.length / 2)]!.toFixed(1) : NaN;
};
const fake = await startFakeCpa({});
const results: Record<string, { perView: Record<string, number[]>; totalMs: number[]; cpuMs: number[]; peakRssMb: number[] }> = {};
for (const v of variants) results[v.name] = { perView: {}, totalMs: [], cpuMs: [], peakRssMb: [] };
/** The server's user + system CPU time in ms (/proc/<pid>/stat, clock ticks of 10 ms): less load-sensitive than wall time. */
const cpuMsOf = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) * 10;
};

async function runOnce(v: (typeof variants)[number]): Promise<void> {
  const { AB_DATA_DIR, BENCH_SERVER_CLI, ...env } = v.env;
  // spawnBenchServer reads the build to start from the bench's own env.
  if (BENCH_SERVER_CLI) process.env.BENCH_SERVER_CLI = BENCH_SERVER_CLI;
  else delete process.env.BENCH_SERVER_CLI;
  const s = spawnBenchServer(AB_DATA_DIR ?? dir!, ADMIN_KEY, {
    CPA_UPSTREAM_URL: fake.url,
    CPA_MANAGEMENT_KEY: fake.managementKey,
    NODE_OPTIONS: `--import ${probe}`,
    ...env,
  });
  const base = await s.url;
  const get = async (path: string) => {
    const t = performance.now();
    const r = await fetch(base + path, { headers: auth });
    const body = await r.text();
    if (r.status !== 200) throw new Error(`${path} -> ${r.status} ${body.slice(0, 200)}`);
    return { ms: performance.now() - t, body };
  };
  await waitForWarmCache(base, ADMIN_KEY);
  const opts = JSON.parse((await get(`${A}/filter-options?${rng(720)}`)).body) as FilterOptionsBody;
  const filters = Object.values(p1HttpFilters(opts));
  const r = results[v.name]!;
  let total = 0;
  const cpu0 = cpuMsOf(s.proc.pid!);
  for (const [name, path] of Object.entries(views)) {
    const xs: number[] = [];
    if (name === 'usage24h') for (let i = 0; i < 13; i++) xs.push((await get(path)).ms);
    else for (const f of filters) for (let i = 0; i < reps; i++) xs.push((await get(path + f)).ms);
    total += xs.reduce((a, b) => a + b, 0);
    (r.perView[name] ??= []).push(median(xs));
  }
  r.totalMs.push(Math.round(total));
  r.cpuMs.push(cpuMsOf(s.proc.pid!) - cpu0);
  r.peakRssMb.push(Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${s.proc.pid}/status`, 'utf8'))?.[1] ?? 0) >> 10);
  await stopBenchServer(s.proc);
}

const load: number[] = [];
for (let round = 0; round < rounds; round++)
  for (const v of variants) {
    load.push(Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]));
    await runOnce(v);
    const r = results[v.name]!;
    console.log(
      `round ${round + 1} ${v.name}: views ${r.totalMs.at(-1)} ms, server CPU ${r.cpuMs.at(-1)} ms, peak RSS ${r.peakRssMb.at(-1)} MB`,
    );
  }
const summary = Object.fromEntries(
  variants.map((v) => {
    const r = results[v.name]!;
    return [
      v.name,
      {
        env: v.env,
        totalMsMedian: median(r.totalMs),
        cpuMsMedian: median(r.cpuMs),
        cpuMs: r.cpuMs,
        peakRssMbMedian: median(r.peakRssMb),
        peakRssMb: r.peakRssMb,
        perViewMedianMs: Object.fromEntries(Object.entries(r.perView).map(([k, xs]) => [k, median(xs)])),
      },
    ];
  }),
);
console.table(
  Object.fromEntries(
    Object.keys(views).map((k) => [k, Object.fromEntries(variants.map((v) => [v.name, summary[v.name]!.perViewMedianMs[k]]))]),
  ),
);
const r = (name: string) => results[name]!.cpuMs.join(' ');
console.table(Object.fromEntries(variants.map((v) => [v.name, { totalMs: summary[v.name]!.totalMsMedian, cpuMs: summary[v.name]!.cpuMsMedian, cpu: r(v.name), peakRssMb: summary[v.name]!.peakRssMbMedian, peaks: summary[v.name]!.peakRssMb.join(' ') }])));
const loadRange = `${Math.min(...load)}–${Math.max(...load)}`;
console.log(`load average (1 min) at each start: ${loadRange}`);
if (outFile !== '-')
  writeFileSync(outFile, JSON.stringify({ date: new Date().toISOString(), dir, rounds, reps, loadRange, summary }, null, 2));
await fake.close();
process.exit(0);
