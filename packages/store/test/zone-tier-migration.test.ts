import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import * as zoneMigration from '../src/migrations/0022-rollup-hour-zone';
import { openStore } from '../src/index';
import { ZONE_TIERS } from '../src/rollups/zone-rollups';
import { makeEvent } from './helpers/events';
import { silentLogger } from '../src/types';
import { withMigrationLogger } from '../src/migrations/migration-log';
import { tempStores } from './helpers/temp-stores';

// Migration 0022 on an install that predates it: its backfill (chunked by week) fills the zone hour tiers with
// exactly the rows the writer keeps for new events.
describe('migration 0022 (zone hour tiers)', () => {
  const temp = tempStores();

  it('backfills rollup_hour_total / _key / _account / _model equal to the incrementally written rows', async () => {
    const path = temp.path('cpamp-zone-', 'usage.db');
    const at = Date.UTC(2026, 7, 1, 10, 17);
    const s1 = await openStore({ path });
    // 20 days (three weekly chunks), several keys / accounts / models, failures of two status classes.
    await s1.insertBatch(
      Array.from({ length: 300 }, (_, i) =>
        makeEvent({
          dedupKey: `${i.toString(16).padStart(8, '0')}${'5c'.repeat(12)}`,
          requestId: `zz${i}`,
          timestampMs: at + i * 97 * 60_000,
          model: i % 3 ? 'gpt-5' : 'claude-x',
          apiKeyHash: String(i % 4).repeat(64),
          authIndex: `acc${i % 5}`,
          failed: i % 6 === 0,
          statusCode: i % 6 === 0 ? (i % 4 ? 500 : 429) : 200,
          inputTokens: 10 + i,
        }),
      ),
    );
    // The key / account / model tiers are deferred (migration 0025): fold them before comparing.
    await s1.maintenance.foldRollups();
    await s1.close();
    const raw = new Database(path);
    const dump = () =>
      ZONE_TIERS.map((t) => raw.prepare(`SELECT * FROM ${t.name} ORDER BY ${t.keyCols.join(', ')}`).all());
    const written = dump();
    expect(written.every((rows) => rows.length > 0)).toBe(true);
    for (const t of ZONE_TIERS) raw.exec(`DROP TABLE ${t.name}`);
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: raw }) });
    // Run as openStore runs it (withMigrationLogger): a progress line per ~10 % of the backfill.
    const lines: { pct: number }[] = [];
    const logger = { ...silentLogger, info: (o: unknown) => lines.push(o as { pct: number }) };
    await withMigrationLogger({ m: zoneMigration }, logger).m!.up(db);
    expect(dump()).toEqual(written);
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.at(-1)!.pct).toBe(100);
    await db.destroy();
  });
});
