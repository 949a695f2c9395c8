// Postgres retention in bounded chunks: each chunk is its own short transaction taken under the write lock,
// so inserts interleave with a long prune instead of waiting for all of it.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgTestsDisabled } from '@cpamp/testkit';
import { openPgStore, type PgStore } from '../../src/index';
import { createPgDb, createWriteLock } from '../../src/pg/pg-connection';
import { createPgMaintenance } from '../../src/pg/pg-maintenance.repository';
import { pgFoldStep } from '../../src/pg/pg-fold';
import { silentLogger } from '../../src/types';
import { makeEvent } from '../helpers/events';
import { DATA_KEY } from '../shared/repository-suite';
import { useTestPostgres } from '../helpers/test-postgres';

const suite = pgTestsDisabled() ? describe.skip : describe;
const D = 86_400_000;
const T0 = Date.UTC(2026, 7, 1);
const schema = `maint_${process.pid}_${Date.now().toString(36)}`;

suite('postgres retention in chunks', () => {
  const server = useTestPostgres([schema]);
  let store: PgStore | undefined;
  // Hooks registered after the server's: opened once it runs, closed before it stops.
  beforeAll(async () => {
    store = await openPgStore({ connectionString: server.url, dataKey: DATA_KEY, schema });
  });
  afterAll(async () => {
    await store?.close();
  });

  it('deletes the oldest events one bounded transaction at a time while inserts go on', async () => {
    const s = store!;
    for (let d = 0; d < 10; d++)
      await s.insertBatch(
        Array.from({ length: 100 }, (_, i) =>
          makeEvent({
            timestampMs: T0 + d * D + i * 1000,
            failed: i % 10 === 0,
            failBody: i % 10 === 0 ? 'boom' : '',
          }),
        ),
      );
    const { db } = await createPgDb({ connectionString: server.url, schema, poolSize: 2 });
    try {
      const lock = createWriteLock();
      let chunks = 0;
      let insertedMeanwhile = 0;
      const m = createPgMaintenance({
        db,
        logger: silentLogger,
        assertOpen: () => {},
        chunkSize: 120,
        fold: async () => {
          let n = 0;
          while (await pgFoldStep(db, Date.now())) n++;
          return n;
        },
        lock: async (fn) => {
          chunks++;
          const r = await lock(fn);
          // Between two chunks another writer gets in (a new event, newer than the cutoff).
          insertedMeanwhile += (await s.insertBatch([makeEvent({ timestampMs: T0 + 9 * D + chunks })]))
            .inserted;
          return r;
        },
      });
      const r = await m.pruneByAge(T0 + 6 * D);
      expect(r.deleted).toBe(600);
      // 120 × 5 = 600, then one empty chunk ends the loop.
      expect(chunks).toBe(6);
      expect(insertedMeanwhile).toBe(6);
      expect(await s.events.count()).toBe(400 + 6);
      // No extra payload is left without its event.
      const [extra] = (
        await sql<{ n: number }>`SELECT count(*)::int AS n FROM event_extra x
          LEFT JOIN events e ON e.id = x.event_id WHERE e.id IS NULL`.execute(db)
      ).rows;
      expect(extra?.n).toBe(0);
      expect((await s.analytics.totals({ from: T0, to: T0 + 10 * D })).requests).toBe(1000 + 6);
    } finally {
      await db.destroy();
    }
  });
});
