// The column cache snapshot (<db>.colcache): warm at open from the file plus the newer rows, never stale
// after deletes / re-pricing, ignored when damaged; and the legacy /usage payload from the cache equals
// the one from SQL.
import { existsSync, statSync, truncateSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { OpenStoreOptions, Store, UsageEventInput } from '../src/index';
import { makeEvent } from './helpers/events';
import { tempStores } from './helpers/temp-stores';

const T0 = Date.UTC(2026, 7, 20, 0, 0, 0);
const KEY = 'ab'.repeat(32);
const temp = tempStores();
const dbPath = () => temp.path('cpamp-colcache-');
const open = (path: string, over: Partial<OpenStoreOptions> = {}) => temp.open({ path, dataKey: KEY, ...over });
const close = (s: Store) => temp.close(s);
const collect = async (it: AsyncIterable<string>) => {
  let s = '';
  for await (const c of it) s += c;
  return s;
};

function events(n: number, offset = 0): UsageEventInput[] {
  return Array.from({ length: n }, (_, k) => {
    const i = k + offset;
    return makeEvent({
      timestampMs: T0 + i * 60_000 + (i % 7),
      requestId: i % 11 === 0 ? `req-text-${i}` : i % 13 === 0 ? '' : (0xc0000000 + i).toString(16),
      model: i % 3 ? 'gpt-5' : 'claude-sonnet-4-5-20250929',
      alias: i % 3 ? 'gpt-5' : 'claude-sonnet-4-5',
      provider: i % 3 ? 'codex' : 'claude',
      endpoint: i % 2 ? 'POST /v1/responses' : 'POST /v1/messages',
      authIndex: `acc${i % 5}`,
      source: i % 5 === 4 ? 'ünï"code@例え.jp' : `user${i % 5}@example.com`,
      reasoningEffort: i % 4 ? 'high' : 'low',
      failed: i % 9 === 0,
      statusCode: i % 9 === 0 ? 429 : 200,
      latencyMs: 100 + i,
      ttftMs: 10 + i,
      inputTokens: 1000 + i,
      cacheReadTokens: i % 5,
      outputTokens: 50 + i,
      reasoningTokens: i % 3,
    });
  });
}

describe('column cache snapshot', () => {
  it('is written on close and restores the cache at open, then adds the newer rows from SQL', async () => {
    const path = dbPath();
    const a = await open(path);
    await a.insertBatch(events(300));
    await a.warmCache();
    const before = await a.analytics.breakdown({ from: 0, to: 2 ** 50 }, { by: 'account' });
    await close(a);
    expect(existsSync(`${path}.colcache`)).toBe(true);

    const b = await open(path);
    await b.insertBatch(events(20, 300)); // lands in SQL while the cache is cold: read after the snapshot
    await b.warmCache();
    expect(b.cacheStatus()).toMatchObject({ state: 'warm', events: 320 });
    const after = await b.analytics.breakdown({ from: 0, to: T0 + 300 * 60_000 }, { by: 'account' });
    expect(after.source).toBe('cache');
    expect(after.rows).toEqual(before.rows);
    expect((await b.analytics.totals({ from: 0, to: 2 ** 50 })).requests).toBe(320);
    expect((await b.events.list({ search: 'req-text-33' })).events.map((e) => e.requestId)).toEqual(['req-text-33']);
  });

  it('is also written periodically while open (async), and a second open restores from it', async () => {
    const path = dbPath();
    const a = await open(path, { cacheSnapshotIntervalMs: 20 });
    for (let k = 0; k < 10_050; k += 2010) await a.insertBatch(events(2010, k));
    await a.warmCache();
    for (let i = 0; i < 200 && !existsSync(`${path}.colcache`); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(`${path}.colcache`)).toBe(true);
    const logs: Record<string, unknown>[] = [];
    const logger = {
      debug() {},
      info: (o: object) => void logs.push(o as Record<string, unknown>),
      warn() {},
      error() {},
    };
    const b = await open(path, { logger, cacheSnapshot: true });
    await b.warmCache();
    expect(b.cacheStatus()).toMatchObject({ state: 'warm', events: 10_050 });
    expect(logs.find((l) => 'fromSnapshot' in l)).toMatchObject({ fromSnapshot: 10_050, events: 10_050 });
  });

  it('is not used after a retention delete or a re-pricing (the epoch changed)', async () => {
    const path = dbPath();
    const a = await open(path);
    await a.insertBatch(events(200));
    await a.warmCache();
    await close(a);

    const b = await open(path, { cacheSnapshot: false }); // another process deletes without the cache
    expect((await b.maintenance.pruneByAge(T0 + 50 * 60_000)).deleted).toBe(50);
    await close(b);

    const c = await open(path);
    await c.warmCache();
    expect(c.cacheStatus().events).toBe(150);
    // Rollups keep the pruned events; the raw rows (and the cache) no longer have them.
    expect(await c.analytics.totals({ from: T0 + 60 * 60_000, to: 2 ** 50 })).toMatchObject({
      requests: 140,
      source: 'cache',
    });
    await close(c); // writes a fresh snapshot of 150 rows

    const d = await open(path, { cacheSnapshot: false });
    await d.prices.set('gpt-5', { input: 1.25, output: 10 });
    await d.events.repriceRange({ from: 0, to: 2 ** 50 });
    const costs = await d.analytics.totals({ from: T0 + 60 * 60_000, to: 2 ** 50 });
    await close(d);

    const e = await open(path);
    await e.warmCache();
    expect(costs.costMicros).toBeGreaterThan(0);
    expect(await e.analytics.totals({ from: T0 + 60 * 60_000, to: 2 ** 50 })).toMatchObject({
      requests: 140,
      costMicros: costs.costMicros,
      source: 'cache',
    });
  });

  it('stays warm through retention and re-pricing (rows removed / costs updated in place)', async () => {
    const s = await open(dbPath());
    await s.insertBatch(events(200));
    await s.warmCache();
    const range = { from: T0 + 60 * 60_000, to: 2 ** 50 };
    const sql = await open(dbPath()); // the same events, no cache: the reference answers
    await sql.insertBatch(events(200));
    expect((await s.maintenance.pruneByAge(T0 + 50 * 60_000)).deleted).toBe(50);
    await sql.maintenance.pruneByAge(T0 + 50 * 60_000);
    expect(s.cacheStatus()).toMatchObject({ state: 'warm', events: 150 });
    expect((await s.events.list({}, { limit: 1000 })).events).toHaveLength(150);
    await s.prices.set('gpt-5', { input: 1.25, output: 10 });
    await sql.prices.set('gpt-5', { input: 1.25, output: 10 });
    await s.events.repriceRange({ from: 0, to: 2 ** 50 });
    await sql.events.repriceRange({ from: 0, to: 2 ** 50 });
    expect(s.cacheStatus().state).toBe('warm');
    const cached = await s.analytics.breakdown(range, { by: 'model' });
    expect(cached.source).toBe('cache');
    const ref = await sql.analytics.breakdown(range, { by: 'model' });
    expect(cached.rows.map((r) => [r.name, r.requests, r.costMicros, r.unpricedRequests])).toEqual(
      ref.rows.map((r) => [r.name, r.requests, r.costMicros, r.unpricedRequests]),
    );
    expect(cached.rows.find((r) => r.name === 'gpt-5')!.costMicros).toBeGreaterThan(0);
  });

  it('falls back to SQL when the snapshot file is damaged', async () => {
    const path = dbPath();
    const a = await open(path);
    await a.insertBatch(events(100));
    await a.warmCache();
    await close(a);
    truncateSync(`${path}.colcache`, statSync(`${path}.colcache`).size - 100);
    const b = await open(path);
    await b.warmCache();
    expect(b.cacheStatus()).toMatchObject({ state: 'warm', events: 100 });
    expect((await b.analytics.totals({ from: 0, to: 2 ** 50 })).requests).toBe(100);
  });
});

describe('legacy /usage payload', () => {
  it('is the same from the warm column cache as from SQL (ids, text ids, failures, limit)', async () => {
    const s = await open(dbPath());
    await s.insertBatch(events(400));
    const range = { from: T0 + 17 * 60_000, to: T0 + 390 * 60_000 };
    const sql = JSON.parse(await collect(s.io.usagePayload(range)));
    const sqlLimited = JSON.parse(await collect(s.io.usagePayload({ ...range, limit: 25 })));
    await s.warmCache();
    const cached = JSON.parse(await collect(s.io.usagePayload(range)));
    expect(cached).toEqual(sql);
    // The byte stream (what HTTP sends) is the same text.
    const chunks: Uint8Array[] = [];
    for await (const c of s.io.usagePayloadBytes!(range)) chunks.push(c);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(await collect(s.io.usagePayload(range)));
    expect(JSON.parse(await collect(s.io.usagePayload({ ...range, limit: 25 })))).toEqual(sqlLimited);
    expect(sql.total_requests).toBe(373);
    expect(sqlLimited.total_requests).toBe(25);
    type Detail = Record<string, unknown> & { request_id: string; failed: boolean; timestamp: string };
    const details = Object.values(
      sql.apis as Record<string, { models: Record<string, { details: Detail[] }> }>,
    )
      .flatMap((a) => Object.values(a.models))
      .flatMap((m) => m.details);
    expect(details.some((d) => d.request_id === 'req-text-22')).toBe(true);
    expect(details.some((d) => d.request_id === '')).toBe(true);
    expect(details.some((d) => d.source === 'ünï"code@例え.jp')).toBe(true);
    expect(details.find((d) => d.failed)).toMatchObject({ fail_status_code: 429 });
    expect(details[0]).toMatchObject({ ttft_ms: expect.any(Number), source: expect.any(String) });
    for (const d of details) expect(new Date(d.timestamp).toISOString()).toBe(d.timestamp);
    const expected = events(400, 0)
      .filter((e) => e.timestampMs >= range.from && e.timestampMs < range.to)
      .map((e) => `${new Date(e.timestampMs).toISOString()} ${e.requestId}`)
      .sort();
    expect(details.map((d) => `${d.timestamp} ${d.request_id}`).sort()).toEqual(expected);
  });
});
