import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../types';
import { readSnapshot, writeSnapshotSync } from './cache-snapshot';
import { aggregateCache } from './aggregate';
import { COST_UNPRICED, ColumnCache, type CacheRow } from './column-cache';

const COLS = [
  'id', 'ts', 'key_id', 'account_id', 'model_id', 'provider_id', 'status', 'flags', 'lat_bucket', 'input',
  'cache_read', 'cache_creation', 'output', 'reasoning', 'unclassified', 'cost', 'req', 'latency', 'ttft',
  'alias_id', 'endpoint_id', 'source_id', 'executor_id', 'effort_id', 'tier_id', 'resp_tier_id', 'upstream_id',
] as const;

function row(id: number, over: Partial<CacheRow> = {}): CacheRow {
  return {
    id, req: id, latency: 10, ts: 1_700_000_000_000 + id, keyId: 1, accountId: 2, modelId: 3, providerId: 1,
    status: 200, flags: 0, latBucket: 1, input: 5, cacheRead: 0, cacheCreation: 0, output: 7, reasoning: 0,
    unclassified: 0, cost: 0.25, ttft: 3, aliasId: 3, endpointId: 1, sourceId: 4, executorId: 1, effortId: 0,
    tierId: 0, respTierId: 0, upstreamId: 1, ...over,
  };
}

function insert(db: Database.Database, r: CacheRow): void {
  const v: Record<(typeof COLS)[number], number | null> = {
    id: r.id, ts: r.ts, key_id: r.keyId, account_id: r.accountId, model_id: r.modelId, provider_id: r.providerId,
    status: r.status, flags: r.flags, lat_bucket: r.latBucket, input: r.input, cache_read: r.cacheRead,
    cache_creation: r.cacheCreation, output: r.output, reasoning: r.reasoning, unclassified: r.unclassified,
    cost: r.cost, req: r.req, latency: r.latency, ttft: r.ttft, alias_id: r.aliasId, endpoint_id: r.endpointId,
    source_id: r.sourceId, executor_id: r.executorId, effort_id: r.effortId, tier_id: r.tierId, resp_tier_id: r.respTierId,
    upstream_id: r.upstreamId,
  };
  db.prepare(`INSERT INTO events (${COLS.join(',')}) VALUES (${COLS.map(() => '?').join(',')})`).run(...COLS.map((c) => v[c]));
}

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

function openDb(): Database.Database {
  dir = mkdtempSync(join(tmpdir(), 'cpamp-colcache-'));
  const db = new Database(join(dir, 'db.sqlite'));
  db.exec(`CREATE TABLE events (${COLS.map((c) => (c === 'id' ? 'id INTEGER PRIMARY KEY' : c)).join(', ')});
           CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT, updated_ms INTEGER);`);
  return db;
}

describe('column cache adaptive widths', () => {
  it('widens a column on the first value that does not fit and keeps every earlier value', async () => {
    const db = openDb();
    const rows = [row(1), row(2, { input: 300, latency: 70_000 }), row(3, { cacheRead: 4_000_000_000, keyId: 255 })];
    for (const r of rows) insert(db, r);
    const cache = new ColumnCache(db, silentLogger);
    await cache.warmUp();
    expect(cache.key).toBeInstanceOf(Uint8Array);
    expect(cache.input).toBeInstanceOf(Uint16Array);
    expect(cache.latency).toBeInstanceOf(Uint32Array);
    expect(cache.cacheRead).toBeInstanceOf(Uint32Array);
    expect([...cache.input.subarray(0, 3)]).toEqual([5, 300, 5]);
    expect([...cache.latency.subarray(0, 3)]).toEqual([10, 70_000, 10]);
    expect([...cache.cacheRead.subarray(0, 3)]).toEqual([0, 0, 4_000_000_000]);

    // Appends widen too (u8 → u32 in one step), and a snapshot keeps the widths.
    const extra = [row(4, { keyId: 100_000, output: 65_535 }), row(5, { accountId: 65_536 })];
    for (const r of extra) insert(db, r);
    cache.append(extra);
    expect(cache.key).toBeInstanceOf(Uint32Array);
    expect([...cache.key.subarray(0, 5)]).toEqual([1, 1, 255, 100_000, 1]);
    expect(cache.output).toBeInstanceOf(Uint16Array);
    expect([...cache.account.subarray(0, 5)]).toEqual([2, 2, 2, 2, 65_536]);

    const path = join(dir, 'db.sqlite.colcache');
    writeSnapshotSync(cache, path, 0);
    const restored = new ColumnCache(db, silentLogger, (c) => readSnapshot(c, path, db));
    await restored.warmUp();
    expect(restored.n).toBe(5);
    expect(restored.snapshotRows).toBe(5);
    expect(restored.widths()).toEqual(cache.widths());
    for (const name of ['key', 'account', 'input', 'output', 'latency', 'cacheRead', 'ts', 'cost'] as const)
      expect([...restored.col(name).subarray(0, 5)]).toEqual([...cache.col(name).subarray(0, 5)]);
    db.close();
  });
});

describe('column cache upstream column', () => {
  it('keeps each event\'s upstream through appends and a snapshot; an older-format snapshot is rebuilt from SQL', async () => {
    const db = openDb();
    const rows = [row(1), row(2, { upstreamId: 2 }), row(3, { upstreamId: 3 })];
    for (const r of rows) insert(db, r);
    const cache = new ColumnCache(db, silentLogger);
    await cache.warmUp();
    const extra = [row(4, { upstreamId: 2 })];
    for (const r of extra) insert(db, r);
    cache.append(extra);
    expect(cache.upstream).toBeInstanceOf(Uint8Array);
    expect([...cache.upstream.subarray(0, 4)]).toEqual([1, 2, 3, 2]);

    const path = join(dir, 'db.sqlite.colcache');
    writeSnapshotSync(cache, path, 0);
    const restored = new ColumnCache(db, silentLogger, (c) => readSnapshot(c, path, db));
    await restored.warmUp();
    expect(restored.snapshotRows).toBe(4);
    expect([...restored.upstream.subarray(0, 4)]).toEqual([1, 2, 3, 2]);

    // A file of the previous format (version 4, no upstream column) is never read as this one.
    const old = readFileSync(path);
    old.writeUInt32LE(4, 4);
    writeFileSync(path, old);
    const rebuilt = new ColumnCache(db, silentLogger, (c) => readSnapshot(c, path, db));
    await rebuilt.warmUp();
    expect(rebuilt.snapshotRows).toBe(0);
    expect(rebuilt.n).toBe(4);
    expect([...rebuilt.upstream.subarray(0, 4)]).toEqual([1, 2, 3, 2]);
    db.close();
  });
});

describe('column cache cost column (u32 micros, Float64 past that)', () => {
  const totals = (c: ColumnCache) => {
    const g = aggregateCache(c, { filter: { from: 0, to: Infinity }, dim: 'none' }, 1, 1).groups[0]!;
    return { n: g.n, cost: g.cost, unpriced: g.unpriced };
  };

  it('keeps integer micros and unpriced events in u32, through appends, re-pricing and a snapshot', async () => {
    const db = openDb();
    const rows = [row(1, { cost: 0 }), row(2, { cost: null }), row(3, { cost: 4_294_967_294 }), row(4, { cost: 1234 })];
    for (const r of rows) insert(db, r);
    const cache = new ColumnCache(db, silentLogger);
    await cache.warmUp();
    expect(cache.cost).toBeInstanceOf(Uint32Array);
    expect([...cache.cost.subarray(0, 4)]).toEqual([0, COST_UNPRICED, 4_294_967_294, 1234]);
    expect(totals(cache)).toEqual({ n: 4, cost: 4_294_967_294 + 1234, unpriced: 1 });

    const extra = [row(5, { cost: null }), row(6, { cost: 7 })];
    for (const r of extra) insert(db, r);
    cache.append(extra);
    cache.updateCost(4, null, 0);
    cache.updateCost(2, 99, 0);
    expect(cache.cost).toBeInstanceOf(Uint32Array);
    expect(totals(cache)).toEqual({ n: 6, cost: 4_294_967_294 + 99 + 7, unpriced: 2 });

    const path = join(dir, 'db.sqlite.colcache');
    writeSnapshotSync(cache, path, 0);
    const restored = new ColumnCache(db, silentLogger, (c) => readSnapshot(c, path, db));
    await restored.warmUp();
    expect(restored.snapshotRows).toBe(6);
    expect(restored.cost).toBeInstanceOf(Uint32Array);
    expect(totals(restored)).toEqual(totals(cache));
    db.close();
  });

  it.each([
    ['a fraction', 0.5],
    ['a negative cost', -3],
    ['the unpriced mark itself', COST_UNPRICED],
    ['a cost past u32', 2 ** 40],
  ])('widens to Float64 on %s and keeps the earlier rows (unpriced as NaN)', async (_, odd) => {
    const db = openDb();
    const rows = [row(1, { cost: 10 }), row(2, { cost: null }), row(3, { cost: odd })];
    for (const r of rows) insert(db, r);
    const cache = new ColumnCache(db, silentLogger);
    await cache.warmUp();
    expect(cache.cost).toBeInstanceOf(Float64Array);
    expect([...cache.cost.subarray(0, 3)]).toEqual([10, NaN, odd]);
    expect(totals(cache)).toEqual({ n: 3, cost: 10 + odd, unpriced: 1 });

    // Widening on append (warm cache) and on re-pricing too; a snapshot keeps the Float64 column.
    const late = new ColumnCache(db, silentLogger);
    db.prepare('DELETE FROM events WHERE id = 3').run();
    await late.warmUp();
    expect(late.cost).toBeInstanceOf(Uint32Array);
    late.updateCost(1, odd, 0);
    expect(late.cost).toBeInstanceOf(Float64Array);
    expect(totals(late)).toEqual({ n: 2, cost: odd, unpriced: 1 });
    const more = row(4, { cost: 5 });
    insert(db, more);
    late.append([more]);
    expect(totals(late)).toEqual({ n: 3, cost: odd + 5, unpriced: 1 });
    const path = join(dir, 'db.sqlite.colcache');
    writeSnapshotSync(late, path, 0);
    const restored = new ColumnCache(db, silentLogger, (c) => readSnapshot(c, path, db));
    await restored.warmUp();
    expect(restored.snapshotRows).toBe(3);
    expect(restored.cost).toBeInstanceOf(Float64Array);
    expect(totals(restored)).toEqual(totals(late));
    db.close();
  });
});
