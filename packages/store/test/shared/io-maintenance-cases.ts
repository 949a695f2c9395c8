// Imports of every format users hold, the JSONL export, the legacy /usage payload, retention and the storage
// report: the same assertions on SQLite and Postgres. Where a result is long (an export, a payload), the case
// builds the same data in an in-memory SQLite store and compares: on the Postgres run that is the parity check.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { StoreImportError, type PgStoreRepositories } from '../../src/index';
import { tempStores } from '../helpers/temp-stores';
import { testNormalize } from '../helpers/test-normalizer';
import { fillDays } from '../helpers/scale-events';

const recorded = (p: string) => fileURLToPath(new URL(`../../../../test/fixtures/${p}`, import.meta.url));
const fx = (p: string) => fileURLToPath(new URL(`../fixtures/${p}`, import.meta.url));
const CPA_LEGACY = recorded('cpa-v6.9.49/usage-export.json');
const PLUS_JSONL = recorded('plus-v1.12.2/usage-export.jsonl');
const PLUS_SQLITE = recorded('plus-v1.12.2/data-dir/usage.sqlite');
const RAW_QUEUE = fx('raw-cpa-queue.jsonl');
const ALL = { from: 0, to: 2 ** 50 };
const D = 86_400_000;
const T0 = Date.UTC(2026, 7, 1);

const collect = async (it: AsyncIterable<string>) => {
  let out = '';
  for await (const c of it) out += c;
  return out;
};

/** The recorded imports every case below starts from, in a fixed order (ids follow it). */
async function importRecorded(s: PgStoreRepositories): Promise<void> {
  await s.io.importFile(CPA_LEGACY, { normalize: testNormalize });
  await s.io.importFile(PLUS_JSONL, { normalize: testNormalize });
  await s.io.importFile(RAW_QUEUE, { normalize: testNormalize });
}

const fill = (s: PgStoreRepositories, days: number, perDay: number) =>
  fillDays(s, T0, { days, perDay, failures: true });

export function defineIoMaintenanceCases(fresh: () => Promise<PgStoreRepositories>): void {
  const temp = tempStores();
  const reference = () => temp.memory();
  const tmp = () => temp.dir('cpamp-io-suite-');

  describe('import / export', () => {
    it('imports the recorded CPA legacy export, Plus JSONL and Plus usage.sqlite, a raw queue and a JSON array', async () => {
      const s = await fresh();
      expect(await s.io.importFile(CPA_LEGACY, { normalize: testNormalize })).toMatchObject({
        format: 'legacy_snapshot',
        inserted: 12,
        rejected: 0,
      });
      expect(await s.io.importFile(PLUS_JSONL, { normalize: testNormalize })).toMatchObject({
        format: 'plus_jsonl',
        inserted: 300,
        rejected: 0,
      });
      // The same Plus install's database holds the events of its export: each one is a duplicate now.
      // A copy: opening a WAL database, even read-only, leaves -shm / -wal files beside it.
      const db = join(tmp(), 'usage.sqlite');
      copyFileSync(PLUS_SQLITE, db);
      const fromDb = await s.io.importFile(db, { normalize: testNormalize, chunkSize: 64 });
      expect(fromDb).toMatchObject({ format: 'plus_sqlite', read: 300, rejected: 0 });
      expect(fromDb.inserted + fromDb.duplicates).toBe(300);
      expect(await s.io.importFile(RAW_QUEUE, { normalize: testNormalize })).toMatchObject({
        format: 'raw_cpa_jsonl',
        inserted: 5,
      });
      const count = 12 + 300 + fromDb.inserted + 5;
      expect(await s.events.count()).toBe(count);
      expect((await s.analytics.totals(ALL)).requests).toBe(count);

      // A JSON array of our export's events goes into a new store whole.
      const lines = (await collect(s.io.exportJsonl())).trim().split('\n');
      const f = join(tmp(), 'events.json');
      writeFileSync(f, `[${lines.join(',\n')}]`);
      const t = await fresh();
      expect(await t.io.importFile(f)).toMatchObject({ format: 'cpamp_json_array', inserted: count });
      expect(await t.events.count()).toBe(count);
    });

    it('a broken line commits whole chunks only; the checkpoint resumes after them', async () => {
      const s = await fresh();
      const good = readFileSync(RAW_QUEUE, 'utf8').trim().split('\n');
      const err = await s.io
        .importJsonl([`${good.join('\n')}\n{"timestamp": "2026-`], {
          normalize: testNormalize,
          chunkSize: 2,
          checkpointKey: 'chunks',
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreImportError);
      expect((err as StoreImportError).line).toBe(6);
      expect(await s.events.count()).toBe(4);
      const r = await s.io.importJsonl(RAW_QUEUE, { normalize: testNormalize, checkpointKey: 'chunks' });
      expect(r).toMatchObject({ resumedFrom: 4, committedThrough: 5, inserted: 1, duplicates: 0 });
      // Finished: the checkpoint is gone, a new run reads from the start.
      expect(
        await s.io.importJsonl(RAW_QUEUE, { normalize: testNormalize, checkpointKey: 'chunks' }),
      ).toMatchObject({ resumedFrom: 0, inserted: 0, duplicates: 5 });
    });

    it('exports every field like the SQLite store; the export round-trips into a new store', async () => {
      const s = await fresh();
      const ref = await reference();
      await importRecorded(s);
      await importRecorded(ref);
      const dump = await collect(s.io.exportJsonl({ batchSize: 7 }));
      expect(dump).toBe(await collect(ref.io.exportJsonl()));
      const first = JSON.parse(dump.split('\n')[0]!) as Record<string, unknown>;
      expect(Object.keys(first)).toEqual(
        expect.arrayContaining(['dedupKey', 'costMicros', 'cost_usd', 'apiKeyAlias']),
      );

      // Filters and options mean the same on both.
      const opts = [
        { model: 'gpt-5' },
        { status: 'failure' as const },
        { status: 200 },
        { authIndex: ['1', '2'] },
        { apiKeyHash: 'f'.repeat(64) },
        { model: 'no-such-model' },
        { from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 6, 1), timeZone: 'Asia/Shanghai' },
      ];
      for (const o of opts)
        expect(await collect(s.io.exportJsonl(o))).toBe(await collect(ref.io.exportJsonl(o)));

      const back = await fresh();
      expect(await back.io.importJsonl([dump])).toMatchObject({ format: 'cpamp_jsonl', rejected: 0 });
      // Every field comes back; only a key label is re-masked on import (the key fields' rule).
      const noLabel = (t: string) => t.replace(/"apiKeyLabel":"[^"]*",/g, '');
      const again = await collect(back.io.exportJsonl());
      expect(again.length > 0 && noLabel(again) === noLabel(dump)).toBe(true);
    });

    it('builds the same legacy /usage payload as the SQLite store (whole range, limited, empty)', async () => {
      const s = await fresh();
      const ref = await reference();
      await importRecorded(s);
      await importRecorded(ref);
      const ranges = [ALL, { ...ALL, limit: 25 }, { from: 0, to: 1 }];
      for (const r of ranges) {
        const text = await collect(s.io.usagePayload(r));
        expect(text).toBe(await collect(ref.io.usagePayload(r)));
        expect(JSON.parse(text)).toHaveProperty('apis');
      }
      const body = JSON.parse(await collect(s.io.usagePayload(ALL))) as { total_requests: number };
      expect(body.total_requests).toBe(12 + 300 + 5);
      const bytes: Uint8Array[] = [];
      for await (const b of s.io.usagePayloadBytes!(ALL)) bytes.push(b);
      expect(Buffer.concat(bytes).toString('utf8')).toBe(await collect(s.io.usagePayload(ALL)));
    });
  });

  describe('maintenance', () => {
    it('prunes raw events by age; rollups keep the history totals', async () => {
      const s = await fresh();
      await fill(s, 10, 200);
      const all = { from: T0, to: T0 + 10 * D };
      expect((await s.analytics.totals(all)).requests).toBe(2000);
      const r = await s.maintenance.pruneByAge(T0 + 5 * D);
      expect(r.deleted).toBe(1000);
      expect(r.reclaimedBytes).toBeGreaterThanOrEqual(0);
      expect(await s.events.count()).toBe(1000);
      expect((await s.events.list({ to: T0 + 5 * D })).events).toHaveLength(0);
      expect(await s.analytics.totals(all)).toMatchObject({ requests: 2000, source: 'rollup' });
      const byKey = await s.analytics.breakdown(all, { by: 'key' });
      expect(byKey.rows.reduce((n, x) => n + x.requests, 0)).toBe(2000);
      // The failure bodies of the deleted events went with them; the kept ones stay.
      const failed = (await s.events.list({ status: 'failure' }, { limit: 1000 })).events;
      expect(failed.length).toBeGreaterThan(0);
      expect(failed.every((e) => e.failBody === 'x'.repeat(500))).toBe(true);
      expect((await s.maintenance.pruneByAge(T0 + 5 * D)).deleted).toBe(0);
    });

    it('reports storage per table and prunes the oldest events to fit a size budget', async () => {
      const s = await fresh();
      await fill(s, 20, 200);
      // The deferred tiers folded first (as pruning does): the budget below is taken from their full size.
      await s.maintenance.foldRollups();
      const rep = await s.maintenance.storageReport();
      expect(rep.events).toBe(4000);
      expect(rep.objects.map((o) => o.name)).toEqual(
        expect.arrayContaining(['events', 'events_dedup', 'event_extra', 'rollup_hour']),
      );
      const bytes = rep.objects.map((o) => o.bytes);
      expect(bytes).toEqual([...bytes].sort((a, b) => b - a));
      expect(rep.fileBytes).toBeGreaterThan(0);
      expect(rep.bytesPerEvent).toBeCloseTo(rep.fileBytes / 4000, 6);
      expect(rep.pageSize).toBeGreaterThan(0);

      expect((await s.maintenance.pruneToSize(rep.fileBytes * 10)).deleted).toBe(0);
      const budget = Math.floor(rep.fileBytes * 0.6);
      const r = await s.maintenance.pruneToSize(budget);
      expect(r.deleted).toBeGreaterThan(0);
      expect(r.deleted).toBeLessThan(4000);
      expect(await s.events.count()).toBe(4000 - r.deleted);
      // Oldest went first; the history stays in the rollups.
      const oldest = (await s.events.list({}, { limit: 4000 })).events.at(-1)!;
      expect(oldest.timestampMs).toBeGreaterThan(T0);
      expect((await s.analytics.totals({ from: T0, to: T0 + 20 * D })).requests).toBe(4000);
      // Within the budget now: a second run deletes nothing (freed space is not counted again).
      expect((await s.maintenance.pruneToSize(budget)).deleted).toBe(0);

      expect(await s.maintenance.incrementalVacuum()).toBeGreaterThanOrEqual(0);
      expect(await s.maintenance.checkpoint('PASSIVE')).toMatchObject({ busy: 0 });
      s.maintenance.schedule({ intervalMs: 60_000 }).stop();
    });
  });
}
