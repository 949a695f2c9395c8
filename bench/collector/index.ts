// P4: fake CPA usage queue → @cpamp/collector → @cpamp/store (SQLite), events/s end to end.
// Scenario A (http): N records queued in the fake CPA, collector drains them over HTTP.
// Scenario B (subscribe): records published while the collector is subscribed over RESP.
// The fake CPA runs in this same process, so it shares the 2 cores with the collector.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCollector, type CollectorMode } from '@cpamp/collector';
import { openStore } from '@cpamp/store';
import { emitUsage, generateUsage, startFakeCpa } from '@cpamp/testkit';
import { benchMachine, writeBenchResult } from '../lib/bench-results';

const N = Number(process.argv[2] ?? 50_000);

async function run(mode: CollectorMode, events: number): Promise<Record<string, number | string>> {
  const dir = mkdtempSync(join(tmpdir(), 'cpamp-bench-collector-'));
  const fake = await startFakeCpa({ retentionSeconds: 3600 });
  const store = await openStore({ path: join(dir, 'usage.sqlite'), columnCache: false });
  const records = [...generateUsage({ seed: 42, events, days: 1 })];
  const collector = createCollector({
    baseUrl: fake.url,
    managementKey: fake.managementKey,
    sink: store,
    mode,
    batchSize: 1000,
    pollIntervalMs: 50,
    dataDir: dir,
  });
  let t0 = 0;
  let emitted = 0;
  if (mode === 'http') {
    for (const r of records) fake.enqueueUsage(r);
    emitted = records.length;
    t0 = performance.now();
    await collector.start();
  } else {
    await collector.start();
    while (fake.subscriberCount('usage') !== 1) await new Promise((r) => setTimeout(r, 10));
    t0 = performance.now();
    // Paced like real traffic: a burst far above the subscriber's 256 buffer would be dropped by CPA.
    emitted = (await emitUsage(fake, records, { ratePerSecond: 8_000, tickMs: 5 })).emitted;
  }
  const deadline = Date.now() + 120_000;
  while (
    collector.status().counters.consumed + collector.status().counters.rejected < emitted &&
    Date.now() < deadline
  ) {
    if (
      mode === 'subscribe' &&
      collector.status().counters.subscriberDrops > 0 &&
      fake.subscriberCount('usage') === 1 &&
      fake.stats().subscribersDropped > 0
    )
      break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const ms = performance.now() - t0;
  const st = collector.status();
  await collector.stop();
  const rows = await store.events.count();
  await store.close();
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    mode,
    emitted,
    stored: rows,
    rejected: st.counters.rejected,
    subscriberDrops: st.counters.subscriberDrops,
    seconds: Math.round(ms) / 1000,
    eventsPerSecond: Math.round((st.counters.consumed / ms) * 1000),
  };
}

const http = await run('http', N);
const subscribe = await run('subscribe', Math.min(N, 40_000));
const results = {
  machine: benchMachine(),
  target: { P4EventsPerSecond: 5000 },
  http,
  subscribe,
  note: 'subscribe is paced at 8,000 records/s by the emitter, so its figure is capped by the offered rate',
};
console.table([http, subscribe]);
writeBenchResult('collector', results);
console.log(
  `P4 (http) ${http.eventsPerSecond} events/s — target ≥ 5,000: ${Number(http.eventsPerSecond) >= 5000 ? 'PASS' : 'FAIL'}`,
);
