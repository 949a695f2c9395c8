/* eslint-disable @typescript-eslint/no-explicit-any -- assertions on loosely typed view results */
import { describe, expect, it } from 'vitest';
import type { Store, UsageEventInput } from '../src/index';
import { everyFieldEvent, makeEvent } from './helpers/events';
import { tempStores } from './helpers/temp-stores';

const H = 3_600_000;
const T0 = Date.UTC(2026, 7, 20, 0, 0, 0); // Thursday
const temp = tempStores();
const open = () => temp.memory();

/** 3 days of events across 2 keys, 3 accounts, 2 models, 2 providers; some failures. */
function dataset(): UsageEventInput[] {
  const out: UsageEventInput[] = [];
  for (let i = 0; i < 240; i++) {
    const claude = i % 3 === 0;
    out.push(
      makeEvent({
        dedupKey: `${i.toString(16).padStart(8, '0')}${'ab'.repeat(12)}`,
        requestId: (0xa0000000 + i).toString(16),
        timestampMs: T0 + i * (H / 3) + 123,
        provider: claude ? 'claude' : 'codex',
        model: claude ? 'claude-sonnet-4-5-20250929' : 'gpt-5',
        alias: claude ? 'claude-sonnet-4-5' : 'gpt-5',
        authIndex: `acc${i % 3}`,
        apiKeyHash: i % 4 === 0 ? 'b'.repeat(64) : 'a'.repeat(64),
        apiKeyLabel: i % 4 === 0 ? 'sk-b…' : 'sk-a…',
        failed: i % 10 === 0,
        statusCode: i % 10 === 0 ? (i % 20 === 0 ? 429 : 502) : 200,
        latencyMs: 100 + i * 10,
        inputTokens: 1000 + i,
        cacheReadTokens: 500,
        outputTokens: 50,
        reasoningTokens: 10,
      }),
    );
  }
  return out;
}

describe('insertBatch', () => {
  it('counts inserted and duplicates; retries sharing a request_id are each stored', async () => {
    const s = await open();
    const a = makeEvent({ requestId: 'deadbeef', failed: true, statusCode: 429 });
    const b = makeEvent({ requestId: 'deadbeef', authIndex: 'other' }); // the retry: same request id, new attempt
    expect(await s.insertBatch([a, b, a])).toEqual({ inserted: 2, duplicates: 1 });
    expect(await s.insertBatch([a, b])).toEqual({ inserted: 0, duplicates: 2 });
    expect(await s.events.count()).toBe(2);
    const page = await s.events.list({ search: 'deadbeef' });
    expect(page.events.map((e) => e.requestId)).toEqual(['deadbeef', 'deadbeef']);
  });

  it('stores every field and reads it back', async () => {
    const s = await open();
    const e = everyFieldEvent();
    await s.insertBatch([e]);
    const got = (await s.events.list({})).events[0]!;
    const { id: _id, costMicros: _c, priceVersion: _v, priceMissing, costEstimated: _ce, ...fields } = got;
    expect(fields).toEqual({ ...e, dedupKey: e.dedupKey.slice(0, 16), upstream: 'default' });
    expect(priceMissing).toBe(true);
  });

  it('rejects a malformed event with a typed error and stores nothing of the batch', async () => {
    const s = await open();
    const bad = { ...makeEvent(), inputTokens: -1 };
    await expect(s.insertBatch([makeEvent(), bad])).rejects.toThrowError(
      expect.objectContaining({ code: 'invalid_event' }),
    );
    expect(await s.events.count()).toBe(0);
    expect((await s.insertBatch([makeEvent({ model: 'fresh-model' })])).inserted).toBe(1);
    expect((await s.analytics.filterOptions({ from: 0, to: 2 ** 50 })).models.map((m) => m.name)).toEqual([
      'fresh-model',
    ]);
  });
});

describe('analytics (rollups + SQL and column cache give the same answers)', () => {
  const range = { from: T0, to: T0 + 80 * H };

  async function both(fn: (s: Store) => unknown) {
    const s = await open();
    await s.insertBatch(dataset());
    const cold = await fn(s);
    await s.warmCache();
    expect(s.cacheStatus().state).toBe('warm');
    const warm = await fn(s);
    const strip = (x: unknown) => JSON.parse(JSON.stringify(x, (k, v) => (k === 'source' ? undefined : v)));
    expect(strip(warm)).toEqual(strip(cold));
    return warm;
  }

  it('totals: requests, failures, token buckets', async () => {
    const t = (await both((s) => s.analytics.totals(range))) as Awaited<ReturnType<Store['analytics']['totals']>>;
    expect(t.requests).toBe(240);
    expect(t.failures).toBe(24);
    expect(t.tokens.cacheRead).toBe(240 * 500);
    expect(t.tokens.input).toBe(240 * 1000 + (239 * 240) / 2);
    expect(t.unpricedRequests).toBe(240);
    expect(t.costMicros).toBe(0);
  });

  it('filters: key, account, model, provider, failures, key+model, exact status', async () => {
    await both(async (s) => {
      const a = s.analytics;
      const r = {
        key: (await a.totals({ ...range, apiKeyHash: 'b'.repeat(64) })).requests,
        account: (await a.totals({ ...range, authIndex: 'acc1' })).requests,
        model: (await a.totals({ ...range, model: 'gpt-5' })).requests,
        provider: (await a.totals({ ...range, provider: 'claude' })).requests,
        failures: (await a.totals({ ...range, status: 'failure' })).requests,
        keyModel: (await a.totals({ ...range, apiKeyHash: 'b'.repeat(64), model: 'gpt-5' })).requests,
        status429: (await a.totals({ ...range, status: 429 })).requests,
        unknownModel: (await a.totals({ ...range, model: 'nope' })).requests,
      };
      expect(r).toEqual({
        key: 60,
        account: 80,
        model: 160,
        provider: 80,
        failures: 24,
        keyModel: 40,
        status429: 12,
        unknownModel: 0,
      });
      return r;
    });
  });

  it('time series by hour and day in any IANA zone (also half-hour offsets)', async () => {
    const res = (await both(async (s) => [
      await s.analytics.timeSeries(range, { granularity: 'day', timeZone: 'UTC' }),
      await s.analytics.timeSeries(range, { granularity: 'day', timeZone: 'Asia/Kolkata' }),
      await s.analytics.timeSeries(
        { from: T0, to: T0 + 3 * H },
        { granularity: 'hour', timeZone: 'America/New_York', splitTopModels: 2 },
      ),
    ])) as Awaited<ReturnType<Store['analytics']['timeSeries']>>[];
    const [utc, kolkata, ny] = res;
    expect(utc!.points.map((p) => [p.label, p.requests])).toEqual([
      ['2026-08-20', 72],
      ['2026-08-21', 72],
      ['2026-08-22', 72],
      ['2026-08-23', 24],
    ]);
    // +05:30: the first local day starts at 18:30 UTC the day before.
    expect(kolkata!.points[0]).toMatchObject({ label: '2026-08-20', requests: 56 });
    expect(kolkata!.points.reduce((n, p) => n + p.requests, 0)).toBe(240);
    expect(ny!.points.map((p) => p.label)).toEqual([
      '2026-08-19T20:00',
      '2026-08-19T21:00',
      '2026-08-19T22:00',
    ]);
    expect(ny!.byModel.map((m) => [m.model, m.points.map((p) => p.requests)])).toEqual([
      ['gpt-5', [2, 2, 2]],
      ['claude-sonnet-4-5-20250929', [1, 1, 1]],
    ]);
  });

  it('daily buckets follow DST: the spring-forward day in New York has 23 hours', async () => {
    const s = await open();
    const start = Date.UTC(2026, 2, 7, 5); // 2026-03-07 00:00 EST
    await s.insertBatch(Array.from({ length: 72 }, (_, h) => makeEvent({ timestampMs: start + h * H + 1 })));
    const q = async () =>
      (await s.analytics
        .timeSeries({ from: start, to: start + 72 * H }, { granularity: 'day', timeZone: 'America/New_York' }))
        .points.map((p) => [p.label, p.requests]);
    const cold = await q();
    await s.warmCache();
    expect(await q()).toEqual(cold);
    expect(cold).toEqual([
      ['2026-03-07', 24],
      ['2026-03-08', 23],
      ['2026-03-09', 24],
      ['2026-03-10', 1],
    ]);
  });

  it('an invalid time zone is a typed error, not a crash', async () => {
    const s = await open();
    await expect(
      s.analytics.timeSeries(range, { granularity: 'hour', timeZone: 'Mars/Olympus' }),
    ).rejects.toThrowError(expect.objectContaining({ code: 'invalid_time_zone' }));
  });

  it('breakdowns sort and page; filter options count', async () => {
    const out = (await both(async (s) => ({
      byAccount: await s.analytics.breakdown(range, { by: 'account', sort: 'name', limit: 2, offset: 1 }),
      byKey: await s.analytics.breakdown(range, { by: 'key', sort: 'requests' }),
      byModel: await s.analytics.breakdown(
        { ...range, status: 'failure' },
        { by: 'model', sort: 'failures', order: 'asc' },
      ),
      options: await s.analytics.filterOptions(range),
    }))) as Record<string, any>;
    expect(out.byAccount.total).toBe(3);
    expect(out.byAccount.rows.map((r: any) => r.name)).toEqual(['acc1', 'acc2']);
    expect(out.byKey.rows.map((r: any) => [r.name[0], r.label, r.requests])).toEqual([
      ['a', 'sk-a…', 180],
      ['b', 'sk-b…', 60],
    ]);
    expect(out.byKey.rows[0].lastSeenMs).toBe(T0 + 239 * (H / 3) + 123);
    expect(out.byModel.rows.map((r: any) => [r.name, r.failures])).toEqual([
      ['claude-sonnet-4-5-20250929', 8],
      ['gpt-5', 16],
    ]);
    expect(out.options.providers).toEqual([
      { name: 'codex', count: 160 },
      { name: 'claude', count: 80 },
    ]);
    expect(out.options.accounts.map((a: any) => a.count)).toEqual([80, 80, 80]);
  });

  it('latency percentiles merge from log-bucket histograms (within one bucket width)', async () => {
    const out = (await both((s) =>
      s.analytics.latencyPercentiles(range, { by: 'none', percentiles: [0.5, 0.95] }),
    )) as any;
    const [p50, p95] = out.rows[0].percentiles;
    // Latencies 100..2490 ms uniform: exact p50 ≈ 1290, p95 ≈ 2370; buckets are ~19 % wide.
    expect(Math.abs(p50 - 1290) / 1290).toBeLessThan(0.2);
    expect(Math.abs(p95 - 2370) / 2370).toBeLessThan(0.2);
  });

  it('weekday × hour heatmap in the requested zone', async () => {
    const out = (await both((s) => s.analytics.heatmap(range, { timeZone: 'UTC' }))) as any;
    const thu0 = out.cells.find((c: any) => c.weekday === 4 && c.hour === 0);
    expect(thu0.requests).toBe(3);
    expect(out.cells.reduce((n: number, c: any) => n + c.requests, 0)).toBe(240);
  });

  it('event list: newest first, keyset pages, every filter, text search, same via cache', async () => {
    const s = await open();
    await s.insertBatch(dataset());
    const collect = async (f: Parameters<Store['events']['list']>[0]) => {
      const ids: number[] = [];
      let cursor: string | null = null;
      do {
        const p = await s.events.list(f, { limit: 7, cursor });
        ids.push(...p.events.map((e) => e.id));
        cursor = p.nextCursor;
      } while (cursor);
      return ids;
    };
    const cases = [
      {},
      { apiKeyHash: 'b'.repeat(64), model: 'gpt-5' },
      { authIndex: 'acc2', status: 'failure' as const },
      { provider: 'claude', minLatencyMs: 2000 },
      { status: 502 },
      { search: 'a00000e' },
      { search: 'SONNET', from: T0 + 10 * H, to: T0 + 20 * H },
    ];
    const cold = await Promise.all(cases.map(collect));
    await s.warmCache();
    const warm = await Promise.all(cases.map(collect));
    expect(warm).toEqual(cold);
    expect(cold[0]!.length).toBe(240);
    expect(cold[1]!.length).toBe(40);
    expect(cold[2]!.length).toBe(8);
    expect(cold[4]!.length).toBe(12);
    expect(cold[5]!.length).toBe(16); // a00000e0..a00000ef
    expect(cold[6]!.length).toBe(10);
    const first = (await s.events.list({}, { limit: 3 })).events;
    expect(first[0]!.timestampMs).toBeGreaterThan(first[1]!.timestampMs);
    await expect(s.events.list({}, { cursor: '!!' })).rejects.toThrowError(
      expect.objectContaining({ code: 'invalid_query' }),
    );
  });

  it('block-skipping scans agree with SQL over many blocks and out-of-order timestamps', async () => {
    const s = await open();
    // 10,000 events; every 7th arrives late (older timestamp) so blocks overlap in time.
    const evs = Array.from({ length: 10_000 }, (_, i) =>
      makeEvent({
        timestampMs: T0 + (i % 7 === 0 ? i - 5000 : i) * 60_000,
        authIndex: `a${i % 13}`,
        failed: i % 11 === 0,
        statusCode: i % 11 === 0 ? 500 : 200,
      }),
    );
    for (let i = 0; i < evs.length; i += 500) await s.insertBatch(evs.slice(i, i + 500));
    const r = { from: T0 + 2000 * 60_000, to: T0 + 2500 * 60_000 };
    const q = async () => {
      const pages: number[] = [];
      let cursor: string | null = null;
      do {
        const p = await s.events.list({ ...r, authIndex: 'a3' }, { limit: 9, cursor });
        pages.push(...p.events.map((e) => e.id));
        cursor = p.nextCursor;
      } while (cursor);
      return {
        t: (await s.analytics.totals(r)).requests,
        f: (await s.analytics.totals({ ...r, status: 'failure' })).requests,
        pages,
      };
    };
    const cold = await q();
    await s.warmCache();
    expect(await q()).toEqual(cold);
    expect(cold.t).toBe(500);
  });

  it('keeps the cache current on insert after it is warm', async () => {
    const s = await open();
    await s.insertBatch(dataset().slice(0, 100));
    await s.warmCache();
    await s.insertBatch(dataset().slice(100));
    expect(await s.analytics.engine()).toBe('cache');
    expect((await s.analytics.totals(range)).requests).toBe(240);
  });
});
