// Migration 0024's partial (upstream_id, ts) index: SQLite drops it since 0033; the literal term Postgres needs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteQueryCompiler, createQueryId } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { aggregateQueries } from '../src/analytics/aggregate-query';
import { upstreamIndexTerm } from '../src/analytics/upstream-index';
import { openStore } from '../src/index';
import { makeEvent } from './helpers/events';

const dir = mkdtempSync(join(tmpdir(), 'cpamp-upidx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const T = Date.UTC(2026, 3, 1);

/** SQLite's plan for the metrics query of an aggregate filtered by these upstream ids. */
function planOf(db: Database.Database, upstreamIds: number[]): string {
  const { steps } = aggregateQueries({
    filter: { from: T - 3_600_000, to: T + 3_600_000, upstreamIds },
    dim: 'model',
  });
  const c = new SqliteQueryCompiler().compileQuery(steps[0]!.metrics.toOperationNode(), createQueryId());
  const rows = db.prepare(`EXPLAIN QUERY PLAN ${c.sql}`).all(...c.parameters) as { detail: string }[];
  return rows.map((r) => r.detail).join('; ');
}

describe('events_upstream_ts (migration 0024)', () => {
  it('is gone from SQLite since 0033 (the CPA tiers answer long CPA-filtered ranges), its pages given back', async () => {
    const path = join(dir, 'usage.sqlite');
    const s = await openStore({ path, dataKey: '33'.repeat(32), columnCache: false });
    const events = Array.from({ length: 300 }, (_, i) =>
      makeEvent({ timestampMs: T - 3_000_000 + i * 20_000, ...(i % 3 === 0 ? { upstream: 'east' } : {}) }),
    );
    expect((await s.insertBatch(events)).inserted).toBe(300);
    await s.close();
    const db = new Database(path, { readonly: true });
    expect(
      db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'events_upstream_ts'").pluck().get(),
    ).toBe(0);
    expect(db.pragma('freelist_count', { simple: true })).toBe(0);
    const east = db.prepare("SELECT id FROM upstream WHERE name = 'east'").pluck().get() as number;
    // A raw read filtered by CPA takes the time index.
    expect(planOf(db, [east])).toMatch(/events_ts/);
    db.close();
  });

  it('adds the literal term only for filters naming non-default CPAs', () => {
    expect(upstreamIndexTerm('e.upstream_id', [2, 3])).toBe('e.upstream_id <> 1');
    expect(upstreamIndexTerm('upstream_id', [1, 2])).toBeNull();
    expect(upstreamIndexTerm('upstream_id', [])).toBeNull();
    expect(upstreamIndexTerm('upstream_id', undefined)).toBeNull();
  });
});
