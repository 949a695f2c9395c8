// The 1M-event data set the server, panel and panel-views benches share: testkit's generator (seed 42, 30
// days), normalised by the collector, priced from the LiteLLM fixture, inserted in batches of 500.
import { join } from 'node:path';
import { normalizeRecord } from '@cpamp/collector';
import { openStore, type UsageEventInput } from '@cpamp/store';
import { MODEL_CATALOG, generateUsage } from '@cpamp/testkit';

const root = new URL('../..', import.meta.url).pathname;

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
  try {
    await store.prices.sync(
      { file: join(root, 'packages/store/test/fixtures/litellm-prices.json') },
      { models: [...new Set(MODEL_CATALOG.flatMap((m) => [m.id, m.alias]))] },
    );
  } catch {
    // price fixture missing: costs stay unpriced
  }
  let batch: UsageEventInput[] = [];
  let inserted = 0;
  const gen = generateUsage({ seed: 42, events: o.events, days: 30, ...(o.end ? { end: o.end } : {}) });
  for (const rec of gen) {
    const r = normalizeRecord(rec);
    if (!r.ok) continue;
    batch.push(r.event);
    if (batch.length === 500) {
      inserted += (await store.insertBatch(batch)).inserted;
      batch = [];
      if (inserted % 200_000 === 0) o.log(`  ${inserted.toLocaleString()} inserted`);
    }
  }
  if (batch.length) inserted += (await store.insertBatch(batch)).inserted;
  await store.maintenance.checkpoint('TRUNCATE');
  const maxTs = (await store.events.list({}, { limit: 1 })).events[0]?.timestampMs ?? Date.now();
  if (o.snapshot) await store.warmCache();
  await store.close();
  o.log(`  built ${inserted.toLocaleString()} events in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return { inserted, maxTs };
}
