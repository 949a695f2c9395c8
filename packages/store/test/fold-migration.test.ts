import Database from 'better-sqlite3';
import { UNDO_DAY_DIMS_SQL } from '../src/rollups/day-dims-fold';
import { describe, expect, it } from 'vitest';
import { openStore, type AnalyticsFilter, type Store } from '../src/index';
import { makeEvent } from './helpers/events';
import { Kysely, SqliteDialect } from 'kysely';
import { backfillFoldTier } from '../src/migrations/fold-backfill';
import { ZONE_FOLD_TIERS } from '../src/rollups/zone-rollups';
import { silentLogger } from '../src/types';
import { tempStores } from './helpers/temp-stores';

// Migration 0025 on a store filled by the old path (every event already in the hour × key / account / model
// tiers): no backfill, the first watermark is the hour after max(now, newest event), and views stay exact before
// and after the fold takes over.
const H = 3_600_000;
const at = Date.UTC(2026, 7, 1, 10, 17);

const batch = (n: number, from: number, step: number, tag: string) =>
  Array.from({ length: n }, (_, i) =>
    makeEvent({
      dedupKey: `${i.toString(16).padStart(8, '0')}${tag.repeat(12)}`,
      requestId: `${tag}${i}`,
      timestampMs: from + i * step,
      model: i % 3 ? 'gpt-5' : 'claude-x',
      apiKeyHash: String(i % 4).repeat(64),
      authIndex: `acc${i % 5}`,
      failed: i % 6 === 0,
      statusCode: i % 6 === 0 ? 500 : 200,
      inputTokens: 10 + i,
    }),
  );

async function expectExact(s: Store, f: Omit<AnalyticsFilter, 'from' | 'to'>, from: number, to: number) {
  const tier = await s.analytics.heatmap({ from, to, ...f }, { timeZone: 'Asia/Shanghai' });
  const raw = await s.analytics.heatmap(
    { from, to, ...f, upstream: 'default' },
    { timeZone: 'Asia/Shanghai' },
  );
  expect(raw.source).toBe('events');
  expect({ ...tier, source: '' }).toEqual({ ...raw, source: '' });
  return tier.source;
}

describe('migration 0025 (fold watermark)', () => {
  const temp = tempStores();

  it('starts the watermark after the newest event and now; existing tiers answer at once, new traffic folds', async () => {
    const path = temp.path('cpamp-fold-', 'usage.db');
    let clock = at + 30 * 24 * H;
    const s1 = await openStore({ path, now: () => clock, foldIntervalMs: 0 });
    await s1.insertBatch(batch(300, at, 97 * 60_000, '5c'));
    // The old path kept every event in the tiers: a fold far ahead gives the same rows.
    clock = at + 400 * 24 * H;
    await s1.maintenance.foldRollups();
    await s1.close();
    const raw = new Database(path);
    // 0026 (day-dims) goes too: kysely refuses a gap.
    raw.exec(UNDO_DAY_DIMS_SQL);
    raw.exec(`DROP TABLE rollup_fold; DELETE FROM kysely_migration WHERE name >= '0025-rollup-fold'`);
    raw.close();

    const before = Date.now();
    clock = at + 20 * 24 * H;
    const s2 = await openStore({ path, now: () => clock, foldIntervalMs: 0 });
    const check = new Database(path, { readonly: true });
    const upto = check
      .prepare(`SELECT upto FROM rollup_fold WHERE name = 'hour_dims'`)
      .pluck()
      .get() as number;
    // The migration uses the wall clock (events here are older): the hour after it.
    expect(upto % H).toBe(0);
    expect(upto).toBeGreaterThan(before);
    expect(upto).toBeLessThanOrEqual(Math.floor(Date.now() / H) * H + H);
    const range = { from: at + 20 * 60_000, to: at + 21 * 24 * H };
    expect(await expectExact(s2, { apiKeyHash: '1'.repeat(64) }, range.from, range.to)).toBe('rollup+events');
    expect(await expectExact(s2, { authIndex: 'acc3' }, range.from, range.to)).toBe('rollup+events');
    expect(await expectExact(s2, { model: 'claude-x' }, range.from, range.to)).toBe('rollup+events');
    // New events below the watermark are late: written to the tiers by the batch itself.
    await s2.insertBatch(batch(50, at + 3 * H, 3 * H, '6d'));
    expect(await expectExact(s2, { apiKeyHash: '2'.repeat(64) }, range.from, range.to)).toBe('rollup+events');
    check.close();
    await s2.close();
  });

  it('backfillFoldTier fills a new tier with exactly the events below its group watermark', async () => {
    const path = temp.path('cpamp-fold-', 'usage.db');
    let clock = at + 30 * 24 * H;
    const s = await openStore({ path, now: () => clock, foldIntervalMs: 0 });
    await s.insertBatch(batch(300, at, 97 * 60_000, '7e'));
    // Folded to 20 days: what a tier added now must hold (the rest stays raw until the fold).
    clock = at + 20 * 24 * H;
    await s.maintenance.foldRollups();
    await s.close();
    const raw = new Database(path);
    const tier = ZONE_FOLD_TIERS[1]!;
    const dump = () => raw.prepare(`SELECT * FROM ${tier.name} ORDER BY ${tier.keyCols.join(', ')}`).all();
    const folded = dump();
    expect(folded.length).toBeGreaterThan(0);
    raw.exec(`DELETE FROM ${tier.name}`);
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: raw }) });
    const lines: unknown[] = [];
    await backfillFoldTier(db, tier, { max: 'max' }, { ...silentLogger, info: (o: unknown) => lines.push(o) });
    expect(dump()).toEqual(folded);
    expect(lines.length).toBeGreaterThan(0);
    await db.destroy();
  });
});
