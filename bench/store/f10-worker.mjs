// F10 ingest worker: its own store (own writer connection, built store from packages/store/dist) on the
// bench database, inserting pre-normalised batches of 500 paced at `rate` events/s while the main
// thread runs the analytics views. Reports the achieved rate and every SQLITE_BUSY.
/* global performance, setTimeout */
import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '@cpamp/store';

const { path, rate, batches } = workerData;
const ws = await openStore({ path, dataKey: 'ab'.repeat(32), cacheSnapshot: false, columnCache: false });
parentPort.postMessage({ ready: true });
await new Promise((r) => parentPort.once('message', r));
let inserted = 0;
let busy = 0;
let otherErrors = 0;
let insertMs = 0;
const started = performance.now();
for (const b of batches) {
  // Pace: never ahead of `rate`; when behind, insert back to back.
  const due = (inserted / rate) * 1000 - (performance.now() - started);
  if (due > 1) await new Promise((r) => setTimeout(r, due));
  const t = performance.now();
  try {
    inserted += (await ws.insertBatch(b)).inserted;
  } catch (e) {
    if (/BUSY|locked/.test(String(e))) busy++;
    else otherErrors++;
  }
  insertMs += performance.now() - t;
}
const secs = (performance.now() - started) / 1000;
await ws.close();
parentPort.postMessage({ inserted, secs, busy, otherErrors, insertMs });
