import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Store } from '../src/index';
import { makeEvent } from './helpers/events';
import { tempStores } from './helpers/temp-stores';
import { fillDays } from './helpers/scale-events';

const D = 86_400_000;
const T0 = Date.UTC(2026, 7, 1);
const temp = tempStores();
const openFile = () => temp.open({ path: temp.path('cpamp-maint-') });
const fill = (s: Store, days: number, perDay: number) =>
  fillDays(s, T0, { days, perDay, failures: false });

describe('retention and maintenance', () => {
  it('prunes raw events by age and keeps rollups (history totals stay)', async () => {
    const s = await openFile();
    await fill(s, 10, 200);
    await s.warmCache();
    const all = { from: T0, to: T0 + 10 * D };
    expect((await s.analytics.totals(all)).requests).toBe(2000);
    const r = await s.maintenance.pruneByAge(T0 + 5 * D);
    expect(r.deleted).toBe(1000);
    expect(await s.events.count()).toBe(1000);
    expect((await s.events.list({ to: T0 + 5 * D })).events).toHaveLength(0);
    await s.warmCache();
    // Ranges reaching before the retention floor are answered by rollups, later ones by the cache.
    expect(await s.analytics.totals(all)).toMatchObject({ requests: 2000, source: 'rollup' });
    expect((await s.analytics.breakdown(all, { by: 'key' })).rows.reduce((n, x) => n + x.requests, 0)).toBe(2000);
    expect(await s.analytics.totals({ from: T0 + 6 * D, to: T0 + 10 * D })).toMatchObject({
      requests: 800,
      source: 'cache',
    });
  });

  it('rollups answer after retention when the cache is not used', async () => {
    const s = await temp.open({ path: temp.path('cpamp-maint-', 'u.sqlite'), columnCache: false });
    await fill(s, 6, 100);
    await s.maintenance.pruneByAge(T0 + 3 * D);
    const t = await s.analytics.totals({ from: T0, to: T0 + 6 * D });
    expect(t.requests).toBe(600);
    expect(t.source).toBe('rollup');
    const byKey = await s.analytics.breakdown({ from: T0, to: T0 + 6 * D }, { by: 'key' });
    expect(byKey.rows.reduce((n, x) => n + x.requests, 0)).toBe(600);
    expect(byKey.source).toBe('rollup');
  });

  it('prunes the oldest events to fit a size budget, vacuums incrementally and reports storage', async () => {
    const s = await openFile();
    await fill(s, 20, 500);
    await s.maintenance.checkpoint('TRUNCATE');
    const rep = await s.storageReport();
    expect(rep.events).toBe(10_000);
    expect(rep.objects.map((o) => o.name)).toEqual(
      expect.arrayContaining(['events', 'events_dedup', 'rollup_hour']),
    );
    const budget = Math.floor(rep.fileBytes * 0.6);
    const r = await s.maintenance.pruneToSize(budget);
    expect(r.deleted).toBeGreaterThan(0);
    const after = await s.storageReport();
    expect(after.fileBytes).toBeLessThanOrEqual(budget + 64 * 1024);
    expect(r.reclaimedBytes).toBeGreaterThan(0);
    // Oldest went first.
    const oldest = (await s.events.list({}, { limit: 1000 })).events.at(-1)!;
    expect(oldest.timestampMs).toBeGreaterThan(T0);
    const cp = await s.maintenance.checkpoint('PASSIVE');
    expect(cp.busy).toBe(0);
    // The scheduled checkpoint truncates the WAL once it is over the limit (0 bytes here).
    const walSize = () => statSync(`${s.path}-wal`).size;
    expect(walSize()).toBeGreaterThan(0);
    const sched = s.maintenance.schedule({ intervalMs: 10, walLimitBytes: 0 });
    for (const deadline = Date.now() + 5000; walSize() > 0 && Date.now() < deadline; )
      await new Promise((res) => setTimeout(res, 10));
    sched.stop();
    expect(walSize()).toBe(0);
  });
});

describe('accounts and API keys', () => {
  it('keeps account snapshots after the auth file is deleted; aliases are keyed by key hash', async () => {
    const s = await openFile();
    await s.insertBatch([
      makeEvent({ authIndex: 'idx1', source: 'alice@example.com' }),
      makeEvent({ authIndex: 'idx2', source: 'bob@example.com' }),
    ]);
    await s.accounts.upsertSnapshot({
      authIndex: 'idx1',
      email: 'alice@example.com',
      projectId: 'proj-1',
      plan: 'plus',
      fileName: 'codex-alice.json',
      provider: 'codex',
    });
    expect(await s.accounts.markMissing(['idx2'])).toBe(1);
    const a = (await s.accounts.get('idx1'))!;
    expect(a).toMatchObject({ email: 'alice@example.com', plan: 'plus', fileName: 'codex-alice.json' });
    expect(a.deletedMs).not.toBeNull();
    const rows = (await s.analytics.breakdown({ from: 0, to: 2 ** 50 }, { by: 'account', sort: 'name' })).rows;
    expect(rows.map((r) => [r.name, r.label])).toEqual([
      ['idx1', 'alice@example.com'],
      ['idx2', 'bob@example.com'],
    ]);

    const hash = makeEvent().apiKeyHash;
    await s.apiKeys.setAlias(hash, 'Team A');
    expect(await s.apiKeys.list()).toEqual([{ hash, label: '…m-a', alias: 'Team A' }]);
    expect((await s.analytics.breakdown({ from: 0, to: 2 ** 50 }, { by: 'key' })).rows[0]!.label).toBe('Team A');
    await s.apiKeys.setAlias(hash, null);
    expect((await s.apiKeys.list())[0]!.alias).toBeNull();
  });
});
