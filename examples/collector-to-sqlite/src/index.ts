// CPA usage → SQLite in ~30 lines. Usage: npm start [-- <cpa-url> <management-key>]
// Without arguments it starts a fake CPA, feeds it 1,000 generated records, and exits when all are stored.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCollector } from '@cpamp/collector';
import { openStore } from '@cpamp/store';
import { generateUsage, startFakeCpa } from '@cpamp/testkit';

const [url, key] = process.argv.slice(2);
const fake = url ? null : await startFakeCpa();
const dir = mkdtempSync(join(tmpdir(), 'cpamp-example-'));
const store = await openStore({ path: join(dir, 'usage.sqlite') });

const collector = createCollector({
  baseUrl: url ?? fake!.url,
  managementKey: key ?? fake!.managementKey,
  sink: store, // the store satisfies the collector's UsageSink
  dataDir: dir, // spool + heartbeat: nothing lost if SQLite is briefly unwritable
  logger: { debug() {}, info: console.log, warn: console.warn, error: console.error },
});
collector.on('committed', (events, r) => {
  void store.events.count().then((total) => console.log(`stored ${r.inserted} (dup ${r.duplicates}), total ${total}`));
});
process.on('SIGTERM', () => void collector.stop().then(() => process.exit(0)));
await collector.start();
console.log(
  'doctor:',
  (await collector.diagnose({ probeSecondConsumer: false })).ok ? 'all good' : 'see findings',
);

if (fake) {
  for (const r of generateUsage({ seed: 1, events: 1000, days: 1 })) fake.enqueueUsage(r);
  while ((await store.events.count()) < 1000) await new Promise((r) => setTimeout(r, 50));
  await collector.stop();
  await store.close();
  await fake.close();
  console.log(`done: ${collector.status().counters.inserted} events in ${join(dir, 'usage.sqlite')}`);
}
