import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import * as ttftMigration from '../src/migrations/0015-ttft-rollup';
import { openStore } from '../src/index';
import { makeEvent } from './helpers/events';
import { tempStores } from './helpers/temp-stores';

// Migration 0015 on an install that predates it: the TTFT rollup is filled from the events still kept.
describe('migration 0015 (TTFT rollup)', () => {
  const temp = tempStores();

  it('backfills rollup_hour_ttft from stored events, leaving out unreported ttft', async () => {
    const path = temp.path('cpamp-ttft-', 'usage.db');
    const at = Date.UTC(2026, 7, 22, 14, 0, 0);
    const s1 = await openStore({ path });
    await s1.insertBatch([100, 0, 400, 1320].map((ttftMs, i) => makeEvent({ timestampMs: at + i * 1000, ttftMs, requestId: `ab${i}` })));
    await s1.close();
    // As before the migration: no table. Then the migration's step runs on it (through the Migrator it would
    // refuse to re-run 0015 under the later migrations already applied).
    const raw = new Database(path);
    raw.exec('DROP TABLE rollup_hour_ttft');
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: raw }) });
    await ttftMigration.up(db);
    await db.destroy();
    const s2 = await openStore({ path });
    const r = await s2.analytics.latencyPercentiles({ from: at - 3_600_000, to: at + 7_200_000 }, { metric: 'ttft', by: 'none', percentiles: [0, 1] });
    expect(r.rows).toEqual([{ name: 'all', count: 3, percentiles: [99, 1328] }]);
    await s2.close();
    const check = new Database(path, { readonly: true });
    expect((check.prepare('SELECT sum(n) AS n FROM rollup_hour_ttft').get() as { n: number }).n).toBe(3);
    check.close();
  });
});
