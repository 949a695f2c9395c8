// Migration 0028 on a store written before it: event_extra rows hold rate-limit headers as JSON text. The
// migration moves every header object the compact form can carry to a header set + its values — the same
// names and values text the writer stores for new events — leaves the rest JSON, and every reader returns
// exactly what it returned before.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore } from '../src/index';
import { packHeaders, unpackHeaders } from '../src/events/header-codec';
import { HEADER_SET_TABLE, copyChunkSql, headerSetsSql } from '../src/migrations/0028-header-sets';
import { expectHeadersRead, headerEvents } from './shared/header-cases';
import { tempStores } from './helpers/temp-stores';

const KEY = 'cd'.repeat(32);
const temp = tempStores();

interface ExtraRow {
  event_id: number;
  headers: string | null;
  hset: number | null;
  names: string | null;
}
const extraRows = (db: Database.Database) =>
  db
    .prepare(
      `SELECT x.event_id, x.headers, x.hset, hs.names FROM event_extra x LEFT JOIN header_set hs ON hs.id = x.hset
       ORDER BY x.event_id`,
    )
    .all() as ExtraRow[];

/**
 * Turns every compact row back into the JSON text 0027 wrote, drops 0028's table and column and un-records it with
 * every later migration (they re-run idempotently: Kysely refuses a gap).
 */
function undo0028(path: string): void {
  const raw = new Database(path);
  const set = raw.prepare('UPDATE event_extra SET headers = ?, hset = NULL WHERE event_id = ?');
  for (const r of extraRows(raw))
    if (r.hset !== null) set.run(JSON.stringify(unpackHeaders(r.headers, r.names)), r.event_id);
  raw.exec(`ALTER TABLE event_extra DROP COLUMN hset; DROP TABLE header_set;
    DELETE FROM kysely_migration WHERE name >= '0028-header-sets'`);
  raw.close();
}

describe('migration 0028 (compact rate-limit headers) on SQLite', () => {
  it.each([
    ['from the start', false],
    ['resuming an interrupted rebuild', true],
  ])(
    'converts JSON rows to header sets + values as the writer stores them (%s); every reader answers the same',
    async (_, interrupted) => {
      const path = temp.path('cpamp-hsets-');
      const inputs = headerEvents();
      const w = await openStore({ path, dataKey: KEY, foldIntervalMs: 0 });
      await w.insertBatch(inputs);
      await w.close();

      // As the writer stores them: the sets the compact form can carry are compact, the others JSON.
      const probe = new Database(path, { readonly: true });
      const written = extraRows(probe);
      probe.close();
      const byId = new Map(written.map((r) => [r.event_id, r]));
      const compactable = inputs.filter((e) => e.rateLimitHeaders && packHeaders(e.rateLimitHeaders)).length;
      expect(written.filter((r) => r.hset !== null)).toHaveLength(compactable);
      expect(compactable).toBeGreaterThanOrEqual(14);

      undo0028(path);
      const before = new Database(path, { readonly: true });
      const legacy = before
        .prepare('SELECT headers FROM event_extra WHERE headers IS NOT NULL')
        .pluck()
        .all() as string[];
      before.close();
      expect(legacy.every((t) => t.startsWith('{'))).toBe(true);
      if (interrupted) {
        // A run stopped after copying the first ids into the new table.
        const raw = new Database(path);
        raw.exec(HEADER_SET_TABLE);
        raw.exec(
          'CREATE TABLE event_extra_0028 (event_id INTEGER PRIMARY KEY, fail_body TEXT, headers TEXT, hset INTEGER)',
        );
        raw.exec(headerSetsSql('event_extra', 1, 7));
        raw.exec(copyChunkSql(1, 7));
        expect(raw.prepare('SELECT count(*) FROM event_extra_0028').pluck().get()).toBe(6);
        raw.close();
      }

      const s = await temp.open({ path, dataKey: KEY, foldIntervalMs: 0, migrationBackup: false });
      await expectHeadersRead(s, inputs);
      const after = new Database(path, { readonly: true });
      const migrated = extraRows(after);
      after.close();
      expect(migrated).toHaveLength(written.length);
      // The migration's SQL writes the same names and values text as the writer (ids may differ).
      expect(migrated.map((r) => [r.event_id, r.headers, r.names])).toEqual(
        migrated.map((r) => [r.event_id, byId.get(r.event_id)!.headers, byId.get(r.event_id)!.names]),
      );
    },
  );

  it('is idempotent and leaves a store without headers as it was', async () => {
    const path = temp.path('cpamp-hsets-');
    const w = await openStore({ path, dataKey: KEY, foldIntervalMs: 0 });
    await w.insertBatch(headerEvents().filter((e) => !e.rateLimitHeaders || e.requestId === 'hdr-codex'));
    await w.close();
    // Re-run over rows already compact (tests and partial runs step back over later migrations).
    const raw = new Database(path);
    raw.exec(`DELETE FROM kysely_migration WHERE name >= '0028-header-sets'`);
    const rows = extraRows(raw);
    raw.close();
    const s = await temp.open({ path, dataKey: KEY, foldIntervalMs: 0, migrationBackup: false });
    const again = new Database(path, { readonly: true });
    expect(extraRows(again)).toEqual(rows);
    again.close();
    const [codex] = (await s.events.list({ search: 'hdr-codex' })).events;
    expect(codex?.rateLimitHeaders?.['x-codex-plan-type']).toBe('plus');
  });
});
