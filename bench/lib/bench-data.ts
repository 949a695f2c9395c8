// The benches' generated data: testkit's generator normalised by the collector, priced from the LiteLLM fixture,
// inserted in batches; the 1M-event data set the server, panel and panel-views benches share (seed 42, 30 days)
// and its cached data dir (bench-ready.json marks a finished build).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeRecord } from '@cpamp/collector';
import { openStore, type Store, type UsageEventInput } from '@cpamp/store';
import { MODEL_CATALOG, generateUsage, type GenerateUsageOptions } from '@cpamp/testkit';

const root = new URL('../..', import.meta.url).pathname;
const MARKER = 'bench-ready.json';

/** Prices the generator's models from the LiteLLM fixture, so costs are computed at insert. */
export async function syncBenchPrices(store: Store): Promise<void> {
  try {
    await store.prices.sync(
      { file: join(root, 'packages/store/test/fixtures/litellm-prices.json') },
      { models: [...new Set(MODEL_CATALOG.flatMap((m) => [m.id, m.alias]))] },
    );
  } catch {
    // price fixture missing: costs stay unpriced
  }
}

export interface InsertGeneratedOptions extends GenerateUsageOptions {
  batchSize: number;
  /** Told the running count at each multiple of 200,000 inserted. */
  log?: (msg: string) => void;
}

/** Generates, normalises and inserts `events` records (rejects skipped); returns how many were inserted. */
export async function insertGenerated(store: Store, o: InsertGeneratedOptions): Promise<number> {
  const { batchSize, log, ...gen } = o;
  let batch: UsageEventInput[] = [];
  let inserted = 0;
  for (const rec of generateUsage(gen)) {
    const r = normalizeRecord(rec);
    if (!r.ok) continue;
    batch.push(r.event);
    if (batch.length === batchSize) {
      inserted += (await store.insertBatch(batch)).inserted;
      batch = [];
      if (log && inserted % 200_000 === 0) log(`  ${inserted.toLocaleString()} inserted`);
    }
  }
  if (batch.length) inserted += (await store.insertBatch(batch)).inserted;
  return inserted;
}

/** Removes a SQLite file with its -wal and -shm (and any `extra` files). */
export function removeSqliteFiles(path: string, ...extra: string[]): void {
  for (const f of [path, `${path}-wal`, `${path}-shm`, ...extra]) rmSync(f, { force: true });
}

/** The marker a finished data-dir build left (its contents as written by markDataDirReady). */
export function readDataDirMarker<M extends object = { events: number; inserted: number; maxTs?: number }>(
  dir: string,
): M {
  return JSON.parse(readFileSync(join(dir, MARKER), 'utf8')) as M;
}

/**
 * A data dir built earlier (its marker, when `fresh` accepts it: reused), or undefined after emptying the dir
 * for a rebuild.
 */
export function reuseDataDir<M extends object>(
  dir: string,
  log: (msg: string) => void,
  fresh: (marker: M) => boolean = () => true,
): M | undefined {
  if (existsSync(join(dir, MARKER))) {
    const m = readDataDirMarker<M>(dir);
    if (fresh(m)) {
      log(`reusing data dir ${dir}`);
      return m;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return undefined;
}

/** Marks a data dir as built (what reuseDataDir and readDataDirMarker read back). */
export function markDataDirReady(dir: string, marker: object): void {
  writeFileSync(join(dir, MARKER), JSON.stringify(marker));
}

export interface BenchDataOptions {
  dir: string;
  events: number;
  /** The newest event's time (default: the generator's). */
  end?: number;
  /** Warm the column cache before closing, so its snapshot is written and a server starts as after a restart. */
  snapshot?: boolean;
  log: (msg: string) => void;
}

/** Builds `<dir>/cpamp.sqlite` (+ data.key); returns what was inserted and the newest event's time. */
export async function buildBenchData(o: BenchDataOptions): Promise<{ inserted: number; maxTs: number }> {
  const t = performance.now();
  o.log(`building ${o.events.toLocaleString()} events into ${o.dir}`);
  const store = await openStore({ path: join(o.dir, 'cpamp.sqlite'), dataKeyPath: join(o.dir, 'data.key') });
  await syncBenchPrices(store);
  const inserted = await insertGenerated(store, {
    seed: 42,
    events: o.events,
    days: 30,
    ...(o.end ? { end: o.end } : {}),
    batchSize: 500,
    log: o.log,
  });
  await store.maintenance.checkpoint('TRUNCATE');
  const maxTs = (await store.events.list({}, { limit: 1 })).events[0]?.timestampMs ?? Date.now();
  if (o.snapshot) await store.warmCache();
  await store.close();
  o.log(`  built ${inserted.toLocaleString()} events in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return { inserted, maxTs };
}
