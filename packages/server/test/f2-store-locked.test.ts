// F2 (spec targets.md) on the real store: the SQLite file is locked by another connection while the
// collector drains the fake CPA over HTTP. Records are held (bounded), then spooled, retried; 0 lost, each
// stored once; the status says why. collector/test/faults.test.ts covers the same with an in-memory sink.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createCollector, type Collector } from '@cpamp/collector';
import { openStore, type Store } from '@cpamp/store';
import { generateUsage, startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from './helpers';

let fake: FakeCpa | null = null;
let collector: Collector | null = null;
let store: Store | null = null;
let locker: Database.Database | null = null;
let dir = '';
afterEach(async () => {
  await collector?.stop();
  if (locker?.inTransaction) locker.exec('ROLLBACK');
  locker?.close();
  await store?.close();
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
  collector = null;
  store = null;
  locker = null;
  fake = null;
});

describe('F2: the store cannot write (locked by another connection)', () => {
  it('holds, spools and retries: every record stored exactly once after the lock goes; status names the cause', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cpamp-f2-'));
    const dbPath = join(dir, 'cpamp.sqlite');
    // A short busy timeout so a locked write fails fast instead of waiting the default 5 s per batch.
    store = await openStore({ path: dbPath, dataKey: 'ab'.repeat(32), busyTimeoutMs: 20 });
    locker = new Database(dbPath);
    locker.exec('BEGIN EXCLUSIVE');

    fake = await startFakeCpa();
    const records = [...generateUsage({ seed: 11, events: 300, days: 1 })];
    for (const r of records) fake.enqueueUsage(r);
    const c = createCollector({
      baseUrl: fake.url,
      managementKey: fake.managementKey,
      sink: store,
      mode: 'http',
      pollIntervalMs: 10,
      batchSize: 50,
      dataDir: join(dir, 'collector'),
      maxHeldEvents: 100,
      backoff: { initialMs: 30, maxMs: 60 },
    });
    collector = c;
    await c.start();

    await waitFor(() => c.status().counters.received === records.length && c.status().counters.spooled > 0, {
      timeoutMs: 15_000,
      what: 'all records received and some spooled while locked',
    });
    const locked = c.status();
    expect(locked.sinkFailing).toBe(true);
    expect(locked.lastError?.code).toBe('sink_failed');
    expect(locked.lastError?.message).toMatch(/locked|busy/i);
    // Bounded memory: what is not held is on disk.
    expect(locked.counters.held).toBeLessThanOrEqual(100);
    expect(locked.counters.held + locked.counters.spooled).toBe(records.length);
    expect(fake.queueLength()).toBe(0);

    locker.exec('COMMIT');
    await waitFor(
      () => !c.status().sinkFailing && c.status().counters.spooled === 0 && c.status().counters.held === 0,
      {
        timeoutMs: 15_000,
        what: 'replay after the lock is released',
      },
    );
    const { n } = locker.prepare('SELECT count(*) AS n FROM events').get() as { n: number };
    expect(n).toBe(records.length);
  });
});
