// The 11-byte dedup key on Postgres: migration 0032 converts stored 16-byte values (a record stored before and
// delivered or re-imported after stays a duplicate), and the key agrees across dialects: a copy from SQLite,
// and exports moved either way, meet the same events as duplicates.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgTestsDisabled } from '@cpamp/testkit';
import { copyFromSqlite, openPgStore, openStore, type UsageEventInput } from '../../src/index';
import { makeEvent } from '../helpers/events';
import { DATA_KEY } from '../shared/repository-suite';
import { useTestPostgres } from '../helpers/test-postgres';

const suite = pgTestsDisabled() ? describe.skip : describe;
const T0 = Date.UTC(2026, 7, 20);
const tag = `${process.pid}_${Date.now().toString(36)}`;

/** The value a store before 0032 kept for an event. */
function oldDedup(key: string, ts: number): Buffer {
  const out = Buffer.alloc(16);
  out.writeUInt32BE(Math.floor(ts / 60_000), 0);
  if (/^[0-9a-f]{24,}$/i.test(key)) out.write(key.slice(0, 24), 4, 'hex');
  else createHash('sha256').update(key).digest().copy(out, 4, 0, 12);
  return out;
}

const events = (): UsageEventInput[] =>
  Array.from({ length: 40 }, (_, i) =>
    makeEvent({
      ...(i % 3 === 0 ? { dedupKey: `foreign-${i}` } : {}),
      timestampMs: i === 39 ? Date.UTC(2019, 0, 1) : T0 + Math.floor(i / 5) * 60_000 + i * 7,
      requestId: (0x40000000 + i).toString(16),
    }),
  );

async function collect(it: AsyncIterable<unknown>): Promise<string> {
  let s = '';
  for await (const c of it) s += String(c);
  return s;
}

suite('11-byte dedup key on Postgres', () => {
  const server = useTestPostgres(['mig', 'copy'].map((s) => `dedup_${s}_${tag}`));
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cpamp-dedup-pg-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('migration 0032 converts the stored values: redeliveries and old exports stay duplicates', async () => {
    const schema = `dedup_mig_${tag}`;
    const open = () =>
      openPgStore({ connectionString: server.url, dataKey: DATA_KEY, schema, foldIntervalMs: 0 });
    const input = events();
    const w = await open();
    await w.insertBatch(input);
    const newExport = await collect(w.io.exportJsonl());
    await w.close();
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      for (const e of input)
        await client.query(`UPDATE "${schema}".events SET dedup = $1 WHERE req = $2`, [
          oldDedup(e.dedupKey, e.timestampMs),
          parseInt(e.requestId, 16),
        ]);
      await client.query(`DELETE FROM "${schema}".kysely_migration WHERE name >= '0032-dedup-key'`);
      const s = await open();
      try {
        const lengths = await client.query(
          `SELECT length(dedup) AS n, count(*)::int AS c FROM "${schema}".events GROUP BY 1`,
        );
        expect(lengths.rows).toEqual([{ n: 11, c: 40 }]);
        expect(await s.insertBatch(input)).toMatchObject({ inserted: 0, duplicates: 40 });
        // An export made before 0032 carried the 12 stored hash bytes.
        const byReq = new Map(
          input.map((e) => [e.requestId, oldDedup(e.dedupKey, e.timestampMs).toString('hex', 4)]),
        );
        const oldExport = newExport
          .split('\n')
          .filter(Boolean)
          .map((l) => {
            const o = JSON.parse(l) as { requestId: string };
            return JSON.stringify({ ...o, dedupKey: byReq.get(o.requestId) });
          })
          .join('\n');
        expect(await s.io.importJsonl([oldExport])).toMatchObject({ inserted: 0, duplicates: 40 });
        expect(await s.io.importJsonl([newExport])).toMatchObject({ inserted: 0, duplicates: 40 });
      } finally {
        await s.close();
      }
    } finally {
      await client.end();
    }
  }, 60_000);

  it('agrees with SQLite: a copy, and exports either way, meet the same events as duplicates', async () => {
    const input = events();
    const path = join(dir, 'src.sqlite');
    const lite = await openStore({ path, dataKey: DATA_KEY, columnCache: false, foldIntervalMs: 0 });
    await lite.insertBatch(input);
    const liteExport = await collect(lite.io.exportJsonl());
    await lite.close();
    const schema = `dedup_copy_${tag}`;
    const report = await copyFromSqlite({
      sqlitePath: path,
      connectionString: server.url,
      schema,
      dataKey: DATA_KEY,
    });
    expect(report.ok).toBe(true);
    const p = await openPgStore({
      connectionString: server.url,
      dataKey: DATA_KEY,
      schema,
      foldIntervalMs: 0,
    });
    try {
      expect(await p.insertBatch(input)).toMatchObject({ inserted: 0, duplicates: 40 });
      expect(await p.io.importJsonl([liteExport])).toMatchObject({ inserted: 0, duplicates: 40 });
      const pgExport = await collect(p.io.exportJsonl());
      const keys = (s: string) =>
        s
          .split('\n')
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { dedupKey: string }).dedupKey)
          .sort();
      expect(keys(pgExport)).toEqual(keys(liteExport));
      // A Postgres export into a SQLite store that got the same events from the collector.
      const other = await openStore({
        path: join(dir, 'other.sqlite'),
        dataKey: DATA_KEY,
        columnCache: false,
        foldIntervalMs: 0,
      });
      try {
        await other.insertBatch(input);
        expect(await other.io.importJsonl([pgExport])).toMatchObject({ inserted: 0, duplicates: 40 });
      } finally {
        await other.close();
      }
    } finally {
      await p.close();
    }
  }, 60_000);
});
