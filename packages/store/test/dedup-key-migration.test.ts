// Migration 0032 on an existing SQLite database: the 16-byte dedup values (4-byte minute + 12 hash bytes) become
// 11 bytes (3-byte minute since 2020 + 8 hash bytes), so records stored before the upgrade are still duplicates
// when delivered or re-imported (an export made before carries 24 hex) after it; an interrupted run resumes.
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { StoreLogger, UsageEventInput } from '../src/index';
import { makeEvent } from './helpers/events';
import { tempStores } from './helpers/temp-stores';

const KEY = 'cd'.repeat(32);
const T0 = Date.UTC(2026, 7, 20, 0, 0, 0);
const temp = tempStores();

/** The value a store before 0032 kept for an event. */
function oldDedup(key: string, ts: number): Buffer {
  const out = Buffer.alloc(16);
  out.writeUInt32BE(Math.min(Math.max(Math.floor(ts / 60_000), 0), 0xffffffff), 0);
  if (/^[0-9a-f]{24,}$/i.test(key)) out.write(key.slice(0, 24), 4, 'hex');
  else createHash('sha256').update(key).digest().copy(out, 4, 0, 12);
  return out;
}

function events(): UsageEventInput[] {
  return Array.from({ length: 30 }, (_, i) =>
    makeEvent({
      // Hex keys (the collector's) and others (hashed), one minute shared by several, one before 2020.
      ...(i % 3 === 0 ? { dedupKey: `foreign-key-${i}` } : {}),
      timestampMs: i === 29 ? Date.UTC(2019, 5, 1) : T0 + Math.floor(i / 4) * 60_000 + i,
      requestId: (0x20000000 + i).toString(16),
    }),
  );
}

const store = (path: string, logger?: StoreLogger) =>
  temp.open({
    path,
    dataKey: KEY,
    columnCache: false,
    foldIntervalMs: 0,
    migrationBackup: false,
    ...(logger ? { logger } : {}),
  });

/** A store whose rows hold the 16-byte values, as before 0032 (ids spread out: one row per chunk). */
async function beforeUpgrade(
  input: UsageEventInput[],
  spread = 1,
  keyOf = (e: UsageEventInput) => e.dedupKey,
) {
  const path = temp.path('cpamp-dedup-');
  const w = await store(path);
  await w.insertBatch(input);
  const exported: string[] = [];
  for await (const chunk of w.io.exportJsonl()) exported.push(String(chunk));
  await temp.close(w);
  const raw = new Database(path);
  const set = raw.prepare('UPDATE events SET dedup = ? WHERE req = ?');
  for (const e of input) set.run(oldDedup(keyOf(e), e.timestampMs), parseInt(e.requestId, 16));
  if (spread > 1) {
    raw.prepare('UPDATE events SET id = id * ?').run(spread);
    raw.prepare('UPDATE event_extra SET event_id = event_id * ?').run(spread);
  }
  raw.exec(`DELETE FROM kysely_migration WHERE name >= '0032-dedup-key'`);
  raw.close();
  // An export made before 0032: its dedupKey was the 12 stored hash bytes.
  const byReq = new Map(
    input.map((e) => [e.requestId, oldDedup(keyOf(e), e.timestampMs).toString('hex', 4)]),
  );
  const oldExport = exported
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const o = JSON.parse(l) as { requestId: string; dedupKey: string };
      return JSON.stringify({ ...o, dedupKey: byReq.get(o.requestId) });
    })
    .join('\n');
  return { path, oldExport };
}

const lengths = (path: string) => {
  const db = new Database(path, { readonly: true });
  const out = db.prepare('SELECT length(dedup) AS n, count(*) AS c FROM events GROUP BY 1').all();
  const tables = db
    .prepare(`SELECT name FROM sqlite_master WHERE tbl_name LIKE 'events%' ORDER BY 1`)
    .pluck()
    .all();
  db.close();
  return { out, tables };
};

describe('migration 0032 (11-byte dedup key) on SQLite', () => {
  it('converts every row; redeliveries and exports made before stay duplicates', async () => {
    const input = events();
    const { path, oldExport } = await beforeUpgrade(input);
    expect(lengths(path).out).toEqual([{ n: 16, c: 30 }]);
    const s = await store(path);
    expect(lengths(path)).toEqual({
      out: [{ n: 11, c: 30 }],
      // events_upstream_ts: rebuilt by 0032, dropped by 0033 (the CPA tiers).
      tables: ['events', 'events_dedup', 'events_req_text', 'events_ts'],
    });
    expect(await s.insertBatch(input)).toMatchObject({ inserted: 0, duplicates: 30 });
    expect(await s.io.importJsonl([oldExport])).toMatchObject({ inserted: 0, duplicates: 30 });
    // The events read back whole, with the 16 hex of their stored hash.
    const page = await s.events.list({}, { limit: 100 });
    expect(page.events).toHaveLength(30);
    for (const e of page.events) expect(e.dedupKey).toMatch(/^[0-9a-f]{16}$/);
    // A new export re-imports as duplicates too, and a retry of a stored request is a new event.
    const dump: string[] = [];
    for await (const chunk of s.io.exportJsonl()) dump.push(String(chunk));
    expect(await s.io.importJsonl([dump.join('')])).toMatchObject({ inserted: 0, duplicates: 30 });
    const retry = {
      ...input[1]!,
      dedupKey: createHash('sha256').update('retry').digest('hex'),
      latencyMs: 7,
    };
    expect(await s.insertBatch([retry])).toMatchObject({ inserted: 1 });
  });

  it('resumes after an interruption, and a re-run changes nothing', async () => {
    const input = events();
    const { path } = await beforeUpgrade(input, 200_000);
    let chunks = 0;
    const failing: StoreLogger = {
      info: (_o, m) => {
        if (String(m).includes('moved') && ++chunks === 10) throw new Error('power cut');
      },
      warn: () => {},
      error: () => {},
      debug: () => {},
    };
    await expect(store(path, failing)).rejects.toThrow(/0032/);
    const mid = lengths(path);
    expect(mid.tables).toContain('events_0032_old');
    const moves: unknown[] = [];
    const logger: StoreLogger = {
      info: (o, m) => moves.push([m, o]),
      warn: () => {},
      error: () => {},
      debug: () => {},
    };
    const s = await store(path, logger);
    expect(lengths(path).out).toEqual([{ n: 11, c: 30 }]);
    expect(lengths(path).tables).not.toContain('events_0032_old');
    // The resumed run moved only what the first one had left.
    const last = moves.filter((m) => String((m as unknown[])[0]).includes('moved')).at(-1) as [
      string,
      { moved: number; of: number },
    ];
    expect(last[1].moved).toBe(last[1].of);
    expect(last[1].of).toBeGreaterThan(0);
    expect(last[1].of).toBeLessThan(30);
    expect(await s.insertBatch(input)).toMatchObject({ inserted: 0, duplicates: 30 });
    await temp.close(s);
    const raw = new Database(path);
    raw.exec(`DELETE FROM kysely_migration WHERE name >= '0032-dedup-key'`);
    raw.close();
    const again = await store(path);
    expect(lengths(path).out).toEqual([{ n: 11, c: 30 }]);
    expect(await again.insertBatch(input)).toMatchObject({ inserted: 0, duplicates: 30 });
  });

  it('keeps both of two events that share a minute and 8 hash bytes', async () => {
    const a = makeEvent({
      dedupKey: 'ab'.repeat(8) + '11'.repeat(24),
      timestampMs: T0,
      requestId: '30000001',
    });
    // Stored under another key first (the new code would take b for a duplicate), given b's old value after.
    const b = makeEvent({ dedupKey: 'cd'.repeat(32), timestampMs: T0 + 5, requestId: '30000002' });
    const bKey = 'ab'.repeat(8) + '22'.repeat(24);
    const { path } = await beforeUpgrade([a, b], 1, (e) => (e === b ? bKey : e.dedupKey));
    const s = await store(path);
    expect(lengths(path).out).toEqual([
      { n: 11, c: 1 },
      { n: 16, c: 1 },
    ]);
    expect((await s.events.list({}, { limit: 10 })).events).toHaveLength(2);
  });
});
