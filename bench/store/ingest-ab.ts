// P3 A/B: the same pre-normalised events (store bench set, seed 42) ingested by several builds of @cpamp/store in
// one process, rounds interleaved (A B A B ...), each round into a fresh file; insertBatch of 500 timed alone.
// Usage: node --import tsx bench/store/ingest-ab.ts <name=path/to/index.js> ... ; env AB_EVENTS (default 200,000),
// AB_ROUNDS (default 3), AB_DIR (default a tmp dir), AB_TAG (result file bench/results/ingest-ab[-tag].json).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadavg } from 'node:os';
import type * as storeApi from '@cpamp/store';
import type { UsageEventInput } from '@cpamp/store';
import { MODEL_CATALOG, generateUsage } from '@cpamp/testkit';
import { normalizeRecord } from '@cpamp/collector';

const EVENTS = Number(process.env.AB_EVENTS ?? 200_000);
const ROUNDS = Number(process.env.AB_ROUNDS ?? 3);
const DIR = process.env.AB_DIR ?? join(tmpdir(), 'cpamp-ingest-ab');
const TAG = process.env.AB_TAG ?? '';
const root = new URL('../..', import.meta.url).pathname;
const builds = process.argv.slice(2).map((a) => {
  const [name, path] = a.split('=') as [string, string];
  return { name, path: resolve(path) };
});
if (builds.length === 0) throw new Error('usage: ingest-ab.ts name=path/to/index.js ...');

type StoreModule = typeof storeApi;
const mods = new Map<string, StoreModule>();
for (const b of builds) mods.set(b.name, (await import(pathToFileURL(b.path).href)) as StoreModule);

const events: UsageEventInput[] = [];
for (const rec of generateUsage({ seed: 42, events: EVENTS, days: 30 })) {
  const r = normalizeRecord(rec);
  if (r.ok) events.push(r.event as UsageEventInput);
}
mkdirSync(DIR, { recursive: true });

/** Events per second of wall time and of this process's CPU time (less sensitive to a loaded machine). */
async function run(mod: StoreModule): Promise<{ wall: number; cpu: number }> {
  const path = join(DIR, 'ab.sqlite');
  for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
  const store = await mod.openStore({ path, dataKey: 'ab'.repeat(32), foldBelowCacheFloor: true });
  await store.prices.sync(
    { file: join(root, 'packages/store/test/fixtures/litellm-prices.json') },
    { models: [...new Set(MODEL_CATALOG.flatMap((m) => [m.id, m.alias]))] },
  );
  let ms = 0;
  let cpuUs = 0;
  let inserted = 0;
  for (let i = 0; i < events.length; i += 500) {
    const batch = events.slice(i, i + 500);
    const t = performance.now();
    const c = process.cpuUsage();
    inserted += (await store.insertBatch(batch)).inserted;
    const d = process.cpuUsage(c);
    cpuUs += d.user + d.system;
    ms += performance.now() - t;
  }
  await store.close();
  for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
  return { wall: Math.round(inserted / (ms / 1000)), cpu: Math.round(inserted / (cpuUs / 1e6)) };
}

const rates: Record<string, { wall: number; cpu: number }[]> = Object.fromEntries(
  builds.map((b) => [b.name, []]),
);
const loads: number[] = [];
for (let r = 0; r < ROUNDS; r++)
  for (const b of r % 2 ? [...builds].reverse() : builds) {
    loads.push(+loadavg()[0]!.toFixed(1));
    const rate = await run(mods.get(b.name)!);
    rates[b.name]!.push(rate);
    console.log(
      `round ${r + 1} ${b.name}: ${rate.wall.toLocaleString()} ev/s wall, ${rate.cpu.toLocaleString()} per CPU s (load ${loads.at(-1)})`,
    );
  }
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const result = {
  events: events.length,
  rounds: ROUNDS,
  builds: Object.fromEntries(
    builds.map((b) => [
      b.name,
      {
        medianPerSec: median(rates[b.name]!.map((x) => x.wall)),
        medianPerCpuSec: median(rates[b.name]!.map((x) => x.cpu)),
        runs: rates[b.name],
      },
    ]),
  ),
  loadAverage1m: loads,
  measuredAt: new Date().toISOString(),
};
console.log(JSON.stringify(result, null, 2));
writeFileSync(
  join(root, 'bench/results', `ingest-ab${TAG ? `-${TAG}` : ''}.json`),
  JSON.stringify(result, null, 2) + '\n',
);
