// P8 child: a JSONL export or import of the whole store in a fresh process on the BUILT store
// (packages/store/dist, no tsx loader), so the sampled RSS is the operation's own.
// Usage: node bench/store/p8-child.mjs --export <db> <out.jsonl> [keyFile] | --import <db> <in.jsonl>
/* global setInterval, clearInterval, performance */
import { createWriteStream, rmSync } from 'node:fs';
import { once } from 'node:events';
import { openStore } from '@cpamp/store';

const [mode, db, file] = process.argv.slice(2);
const mb = (b) => Math.round(b / 1048576);
let peak = process.memoryUsage().rss;
let peakSample = process.memoryUsage();
const timer = setInterval(() => {
  const m = process.memoryUsage();
  if (m.rss > peak) {
    peak = m.rss;
    peakSample = m;
  }
}, 50);
if (mode === '--import') for (const f of [db, `${db}-wal`, `${db}-shm`, `${db}.colcache`]) rmSync(f, { force: true });
const keyPath = process.argv[5];
const store = await openStore({ path: db, ...(keyPath ? { dataKeyPath: keyPath } : { dataKey: 'ab'.repeat(32) }), cacheSnapshot: false });
const t = performance.now();
let report;
if (mode === '--export') {
  const out = createWriteStream(file);
  for await (const chunk of store.io.exportJsonl()) if (!out.write(chunk)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
} else {
  report = await store.io.importJsonl(file);
}
const ms = performance.now() - t;
clearInterval(timer);
const rssMb = mb(Math.max(peak, process.memoryUsage().rss));
await store.close();
process.stdout.write(
  JSON.stringify({
    ms,
    rssMb,
    atPeak: { heapTotalMb: mb(peakSample.heapTotal), externalMb: mb(peakSample.external) },
    ...(report ? { report: { inserted: report.inserted, duplicates: report.duplicates, rejected: report.rejected } } : {}),
  }),
);
process.exit(0);
