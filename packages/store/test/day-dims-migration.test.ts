// Migration 0026 backfills the cross-dimension daily tiers from raw events (in week chunks) and the day
// histograms from the hourly ones: on an existing database the backfilled rows equal the rows the writer
// keeps per batch. The storage report counts the new tables.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store, type UsageEventInput } from '../src/index';
import { DAY_DIM_TABLES as DAY_TABLES } from '../src/rollups/rollup-cross';
import { HIST_SPAN_TABLES } from '../src/rollups/rollup-span-hist';
import { SPAN_TIERS } from '../src/rollups/rollup-spans';
import { makeEvent } from './helpers/events';

const T0 = Date.UTC(2026, 7, 20, 0, 0, 0);
const KEY = 'cd'.repeat(32);
const stores: Store[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** One event every 53 minutes over ~22 days (several backfill chunks): keys, accounts, models, failures, TTFTs. */
function events(n: number): UsageEventInput[] {
  return Array.from({ length: n }, (_, i) =>
    makeEvent({
      timestampMs: T0 + i * 53 * 60_000,
      model: ['gpt-5', 'claude-x', 'gemini-y'][i % 3]!,
      provider: ['codex', 'claude', 'gemini'][i % 3]!,
      apiKeyHash: `${(i % 5).toString(16)}`.repeat(64),
      authIndex: `acc${i % 7}`,
      failed: i % 11 === 0,
      statusCode: i % 11 === 0 ? 502 : 200,
      latencyMs: 40 + ((i * 97) % 9000),
      ttftMs: i % 4 === 0 ? 0 : 10 + ((i * 31) % 2000),
      inputTokens: 1000 + i,
      outputTokens: 50 + i,
    }),
  );
}

const DAY_DIM_TABLES = [...DAY_TABLES, ...SPAN_TIERS.map((t) => t.table), ...Object.values(HIST_SPAN_TABLES)];

const dump = (db: Database.Database) =>
  Object.fromEntries(
    DAY_DIM_TABLES.map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3, 4`).raw().all()]),
  );

describe('migration 0026 (day × key / account × model tiers, day histograms) on SQLite', () => {
  it('backfills the same rows the writer keeps, and the storage report counts them', async () => {
    const d = mkdtempSync(join(tmpdir(), 'cpamp-daydims-'));
    dirs.push(d);
    const path = join(d, 'usage.sqlite');
    const w = await openStore({ path, dataKey: KEY, columnCache: false });
    await w.prices.set('gpt-5', { input: 1, output: 10, cacheRead: 0.1 });
    await w.insertBatch(events(600));
    const report = await w.maintenance.storageReport();
    for (const t of DAY_DIM_TABLES) expect(report.objects.map((x) => x.name)).toContain(t);
    await w.close();

    const raw = new Database(path);
    const written = dump(raw);
    expect(written.rollup_day_key_model!.length).toBeGreaterThan(100);
    raw.exec(`DROP INDEX rollup_day_key_key; DROP INDEX rollup_day_account_account;
      ${DAY_DIM_TABLES.map((t) => `DROP TABLE ${t};`).join(' ')}`);
    raw.prepare("DELETE FROM kysely_migration WHERE name = '0026-day-dims'").run();
    raw.close();

    const s = await openStore({ path, dataKey: KEY, columnCache: false });
    stores.push(s);
    const check = new Database(path, { readonly: true });
    expect(dump(check)).toEqual(written);
    const n = check.prepare('SELECT sum(n) FROM rollup_day_account_model').pluck().get();
    const spans = check.prepare('SELECT span, sum(n) FROM rollup_span_key_model GROUP BY span').raw().all();
    check.close();
    expect(n).toBe(600);
    expect(spans).toEqual([
      [8, 600],
      [64, 600],
    ]);
  });
});
