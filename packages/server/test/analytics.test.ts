import { join } from 'node:path';
import { normalizeRecord, type UsageEvent } from '@cpamp/collector';
import { StoreError, openStore, type Store } from '@cpamp/store';
import Fastify from 'fastify';
import { errorHandler } from '../src/testing';
import { generateUsage } from '@cpamp/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startTestApp, tempDir, type TestApp } from './helpers';

const END = Date.UTC(2026, 7, 22, 16);
const DAY = 86_400_000;
const BASE = '/v0/management/analytics';

let t: TestApp;
let store: Store;
let storeDir: { path: string; cleanup(): void };
let events: UsageEvent[];

const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

beforeAll(async () => {
  storeDir = tempDir('cpamp-analytics-');
  store = await openStore({ path: join(storeDir.path, 'usage.sqlite') });
  events = [];
  for (const raw of generateUsage({ seed: 6, events: 400, days: 30, end: END, keys: 5, accounts: 8, models: 4, failureRate: 0.1 })) {
    const r = normalizeRecord(raw);
    if (r.ok) events.push(r.event);
  }
  expect(events.length).toBeGreaterThan(350);
  expect((await store.insertBatch(events)).inserted).toBe(events.length);
  t = await startTestApp({}, { store, collector: false, now: () => END });
});

afterAll(async () => {
  await t?.close();
  await store?.close();
  storeDir?.cleanup();
});

async function get(url: string, auth = true) {
  return t.app.inject({ url, headers: auth ? bearer(t.adminKey) : {} });
}

describe('analytics API', () => {
  it('summary: the store totals for the range, and filters change them (answered locally, not proxied)', async () => {
    const res = await get(`${BASE}/summary?range=30d`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.range).toEqual({ from: END - 30 * DAY, to: END, tz: 'UTC' });
    const expected = await store.analytics.totals({ from: END - 30 * DAY, to: END });
    expect(body).toMatchObject(plain(expected) as object);
    expect(body.requests).toBe(events.length);

    const model = events[0]!.model;
    const byModel = (await get(`${BASE}/summary?range=30d&model=${encodeURIComponent(model)}`)).json();
    expect(byModel.requests).toBe((await store.analytics.totals({ from: END - 30 * DAY, to: END, model })).requests);
    expect(byModel.requests).toBeLessThan(body.requests);
    expect(byModel.requests).toBe(events.filter((e) => e.model === model).length);

    const failures = (await get(`${BASE}/summary?range=30d&status=failure`)).json();
    expect(failures.requests).toBe(body.failures);
    expect(failures.requests).toBeGreaterThan(0);

    const key = events[0]!.apiKeyHash;
    const both = (await get(`${BASE}/summary?from=${END - 7 * DAY}&to=${END}&key=${key}&model=${encodeURIComponent(model)}`)).json();
    expect(both.requests).toBe((await store.analytics.totals({ from: END - 7 * DAY, to: END, apiKeyHash: key, model })).requests);
  });

  it('timeline: hourly by default over 7 d, daily in a time zone when asked', async () => {
    const hourly = (await get(`${BASE}/timeline?range=7d`)).json();
    expect(hourly.granularity).toBe('hour');
    expect(hourly.points).toEqual(plain((await store.analytics.timeSeries({ from: END - 7 * DAY, to: END }, { granularity: 'hour', timeZone: 'UTC' })).points));

    const daily = await get(`${BASE}/timeline?range=30d&tz=Asia/Kolkata&granularity=day&splitTopModels=2`);
    expect(daily.statusCode).toBe(200);
    const expected = await store.analytics.timeSeries({ from: END - 30 * DAY, to: END }, { granularity: 'day', timeZone: 'Asia/Kolkata', splitTopModels: 2 });
    expect(daily.json()).toMatchObject(plain(expected) as object);
    expect(daily.json().byModel).toHaveLength(2);
  });

  it('breakdown by model, key, account and provider: sorted and paged as the store does', async () => {
    for (const dimension of ['model', 'key', 'account', 'provider'] as const) {
      const res = await get(`${BASE}/breakdown/${dimension}?range=30d&sort=requests&order=desc&limit=3`);
      expect(res.statusCode, dimension).toBe(200);
      const expected = await store.analytics.breakdown({ from: END - 30 * DAY, to: END }, { by: dimension, sort: 'requests', order: 'desc', limit: 3, offset: 0 });
      expect(res.json(), dimension).toMatchObject(plain(expected) as object);
    }
    const page2 = (await get(`${BASE}/breakdown/account?range=30d&sort=name&order=asc&limit=2&offset=2`)).json();
    expect(page2.rows).toEqual(plain((await store.analytics.breakdown({ from: END - 30 * DAY, to: END }, { by: 'account', sort: 'name', order: 'asc', limit: 2, offset: 2 })).rows));
    const bad = await get(`${BASE}/breakdown/colour`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatch(/dimension/);
  });

  it('matrix: top entities × top models in one request, cells as the store computes them', async () => {
    const range = { from: END - 30 * DAY, to: END };
    const res = await get(`${BASE}/matrix?range=30d&by=account&sort=tokens&rows=3&columns=2`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject(plain(await store.analytics.matrix(range, { by: 'account', sort: 'tokens', rows: 3, columns: 2 })) as object);
    expect(body.rows).toHaveLength(3);
    expect(body.columns).toHaveLength(2);
    expect(body.total.requests).toBe(events.length);
    // A cell is the account's requests of that model.
    const [row] = body.rows as { name: string; cells: { requests: number }[] }[];
    const model = (body.columns as { name: string }[])[0]!.name;
    expect(row!.cells[0]!.requests).toBe(events.filter((e) => e.authIndex === row!.name && e.model === model).length);
    // Defaults: keys by requests, 10 × 6.
    const dflt = (await get(`${BASE}/matrix?range=30d`)).json();
    expect(dflt).toMatchObject({ by: 'key', sort: 'requests' });
    expect(dflt.rows).toHaveLength(5);
    expect((await get(`${BASE}/matrix?by=model`)).statusCode).toBe(400);
    expect((await get(`${BASE}/matrix?columns=31`)).statusCode).toBe(400);
  });

  it('filter options, latency percentiles and heatmap', async () => {
    const range = { from: END - 30 * DAY, to: END };
    expect((await get(`${BASE}/filter-options?range=30d`)).json()).toMatchObject(plain(await store.analytics.filterOptions(range)) as object);

    const lat = (await get(`${BASE}/latency-percentiles?range=7d&percentiles=50,95,99`)).json();
    expect(lat.percentiles).toEqual([50, 95, 99]);
    expect(lat.rows).toEqual(plain((await store.analytics.latencyPercentiles({ from: END - 7 * DAY, to: END }, { by: 'model', percentiles: [0.5, 0.95, 0.99] })).rows));
    expect((await get(`${BASE}/latency-percentiles?percentiles=0,50`)).statusCode).toBe(400);
    // Time to first token: its own histogram, requests without a reported ttft left out.
    const ttft = (await get(`${BASE}/latency-percentiles?range=7d&metric=ttft&by=none`)).json();
    expect(ttft.metric).toBe('ttft');
    const ttftStore = await store.analytics.latencyPercentiles({ from: END - 7 * DAY, to: END }, { by: 'none', metric: 'ttft' });
    expect(ttft.rows).toEqual(plain(ttftStore.rows));
    expect(ttft.rows[0].count).toBe(events.filter((e) => e.timestampMs >= END - 7 * DAY && e.ttftMs > 0).length);
    expect((await get(`${BASE}/latency-percentiles?metric=speed`)).statusCode).toBe(400);

    const heat = (await get(`${BASE}/heatmap?range=30d&tz=Europe/Berlin`)).json();
    expect(heat.cells).toEqual(plain((await store.analytics.heatmap(range, { timeZone: 'Europe/Berlin' })).cells));
    const total = (heat.cells as { requests: number }[]).reduce((s, c) => s + c.requests, 0);
    expect(total).toBe(events.length);
  });

  it('events: newest first with a keyset cursor, filters apply', async () => {
    const p1 = (await get(`${BASE}/events?limit=100`)).json();
    expect(p1.events).toHaveLength(100);
    expect(p1.events).toEqual(plain((await store.events.list({}, { limit: 100 })).events));
    const p2 = (await get(`${BASE}/events?limit=100&cursor=${p1.nextCursor}`)).json();
    expect(p2.events).toEqual(plain((await store.events.list({}, { limit: 100, cursor: p1.nextCursor })).events));
    const ids1 = new Set((p1.events as { id: number }[]).map((e) => e.id));
    expect((p2.events as { id: number }[]).some((e) => ids1.has(e.id))).toBe(false);
    expect(p2.events[0].timestampMs).toBeLessThanOrEqual(p1.events[99].timestampMs);

    const failed = (await get(`${BASE}/events?status=failure&limit=1000`)).json();
    expect(failed.events.length).toBe(events.filter((e) => e.failed).length);
    expect((failed.events as { failed: boolean }[]).every((e) => e.failed)).toBe(true);

    const bad = await get(`${BASE}/events?cursor=not-a-cursor`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('invalid_query');
  });

  it('bad params → 400 naming the param', async () => {
    const cases: [string, RegExp][] = [
      [`${BASE}/summary?tz=Mars/Olympus`, /tz/],
      [`${BASE}/heatmap?tz=Not/AZone`, /tz/],
      [`${BASE}/summary?from=abc`, /from/],
      [`${BASE}/summary?from=${END}&to=${END - DAY}`, /from/],
      [`${BASE}/summary?range=2w`, /range/],
      [`${BASE}/summary?status=maybe`, /status/],
      [`${BASE}/events?limit=100000`, /limit/],
      [`${BASE}/breakdown/model?sort=colour`, /sort/],
    ];
    const tz = (await get(`${BASE}/summary?tz=Mars/Olympus`)).json();
    expect(tz).toEqual({ error: expect.stringMatching(/^Invalid querystring: querystring\.tz: unknown time zone/), code: 'bad_request' });
    for (const [url, name] of cases) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error, url).toMatch(name);
    }
  });

  it('every analytics route needs the admin key', async () => {
    for (const path of ['summary', 'timeline', 'breakdown/model', 'filter-options', 'latency-percentiles', 'heatmap', 'matrix', 'events']) {
      const res = await get(`${BASE}/${path}`, false);
      expect(res.statusCode, path).toBe(401);
      expect(res.json().code).toBe('invalid_admin_key');
    }
  });
});

describe('compatible usage reads (local, streamed)', () => {
  it('GET /v0/management/usage: the legacy snapshot from the store', async () => {
    const res = await get('/v0/management/usage');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.total_requests).toBe(events.length);
    expect(body.failure_count).toBe(events.filter((e) => e.failed).length);
    expect(body.success_count + body.failure_count).toBe(body.total_requests);
    let details = 0;
    for (const api of Object.values(body.apis as Record<string, { models: Record<string, { details: unknown[] }> }>)) {
      for (const m of Object.values(api.models)) details += m.details.length;
    }
    expect(details).toBe(events.length);
    const recent = (await get(`/v0/management/usage?from=${END - DAY}&to=${END}`)).json();
    expect(recent.total_requests).toBe(events.filter((e) => e.timestampMs >= END - DAY && e.timestampMs < END).length);
    expect((await get('/v0/management/usage?limit=10')).json().total_requests).toBe(10);
    expect((await get('/v0/management/usage?limit=none')).statusCode).toBe(400);
  });

  it('GET /v0/management/usage/export: every event as JSONL, as an attachment', async () => {
    const res = await get('/v0/management/usage/export');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/x-ndjson/);
    expect(res.headers['content-disposition']).toMatch(/attachment/);
    const lines = res.body.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(events.length);
    const parsed = lines.map((l) => JSON.parse(l) as { dedupKey: string; timestampMs: number; totalTokens: number });
    const oldest = Math.min(...events.map((e) => e.timestampMs));
    expect(parsed[0]!.timestampMs).toBe(oldest);
    expect(parsed.reduce((s, e) => s + e.totalTokens, 0)).toBe(events.reduce((s, e) => s + e.totalTokens, 0));
    expect(new Set(parsed.map((e) => e.dedupKey)).size).toBe(events.length);
    const ranged = (await get(`/v0/management/usage/export?from=${END - 7 * DAY}&to=${END}`)).body.split('\n').filter((l) => l !== '');
    expect(ranged).toHaveLength(events.filter((e) => e.timestampMs >= END - 7 * DAY).length);
  });

  it('GET /v0/management/usage/export takes the analytics filters (key, account, model, provider, status)', async () => {
    const lines = async (qs: string) => (await get(`/v0/management/usage/export?${qs}`)).body.split('\n').filter((l) => l !== '');
    const e0 = events[0]!;
    expect(await lines(`model=${encodeURIComponent(e0.model)}`)).toHaveLength(events.filter((e) => e.model === e0.model).length);
    expect(await lines(`key=${e0.apiKeyHash}&provider=${encodeURIComponent(e0.provider)}`)).toHaveLength(
      events.filter((e) => e.apiKeyHash === e0.apiKeyHash && e.provider === e0.provider).length,
    );
    expect(await lines(`account=${encodeURIComponent(e0.authIndex)}&format=jsonl`)).toHaveLength(events.filter((e) => e.authIndex === e0.authIndex).length);
    expect(await lines('status=failure')).toHaveLength(events.filter((e) => e.failed).length);
    expect(await lines('status=success')).toHaveLength(events.filter((e) => !e.failed).length);
    expect(await lines('model=no-such-model')).toHaveLength(0);
    expect((await get('/v0/management/usage/export?status=teapot')).statusCode).toBe(400);
  });

  it('needs the admin key', async () => {
    expect((await get('/v0/management/usage', false)).statusCode).toBe(401);
    expect((await get('/v0/management/usage/export', false)).statusCode).toBe(401);
  });
});

describe('StoreError → HTTP', () => {
  it('bad input is a 400 with the store message; failures are 500/503 without details', async () => {
    const app = Fastify({ logger: false });
    app.setErrorHandler(errorHandler);
    const throwing = new Map<string, StoreError>([
      ['/tz', new StoreError('invalid_time_zone', 'Unknown time zone "X": use an IANA name.')],
      ['/write', new StoreError('write_failed', 'SQLITE_FULL at /secret/path/usage.sqlite')],
      ['/closed', new StoreError('store_closed', 'closed at /secret/path')],
    ]);
    for (const [url, error] of throwing) {
      app.get(url, async () => {
        throw error;
      });
    }
    try {
      const tz = await app.inject({ url: '/tz' });
      expect(tz.statusCode).toBe(400);
      expect(tz.json()).toEqual({ error: 'Unknown time zone "X": use an IANA name.', code: 'invalid_time_zone' });
      const write = await app.inject({ url: '/write' });
      expect(write.statusCode).toBe(500);
      expect(write.json().code).toBe('request_failed');
      expect(write.body).not.toContain('/secret');
      const closed = await app.inject({ url: '/closed' });
      expect(closed.statusCode).toBe(503);
      expect(closed.json().code).toBe('store_unavailable');
      expect(closed.body).not.toContain('/secret');
    } finally {
      await app.close();
    }
  });
});

describe('account history', () => {
  it('snapshot, totals, series and recent requests of one account; unknown → 404', async () => {
    const authIndex = events[0]!.authIndex;
    const res = await get(`${BASE}/accounts/${encodeURIComponent(authIndex)}?range=30d&granularity=day&recent=5`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const filter = { from: END - 30 * DAY, to: END, authIndex };
    expect(body.account).toEqual(plain(await store.accounts.get(authIndex)));
    expect(body.totals).toEqual(plain(await store.analytics.totals(filter)));
    expect(body.totals.requests).toBe(events.filter((e) => e.authIndex === authIndex).length);
    expect(body.points).toEqual(plain((await store.analytics.timeSeries(filter, { granularity: 'day', timeZone: 'UTC' })).points));
    expect(body.recent).toEqual(plain((await store.events.list(filter, { limit: 5 })).events));
    const missing = await get(`${BASE}/accounts/no-such-account`);
    expect(missing.statusCode).toBe(404);
    expect((await get(`${BASE}/accounts/x`, false)).statusCode).toBe(401);
  });
});

describe('analytics dashboard view', () => {
  it('answers the dashboard in one request: today, yesterday so far, rate, 24 hourly points, tops, failures, collector', async () => {
    const res = await get(`${BASE}/dashboard`);
    expect(res.statusCode).toBe(200);
    const d = res.json();
    expect(d.nowMs).toBe(END);
    expect(d.todayStartMs).toBe(Date.UTC(2026, 7, 22));
    expect(d.today.requests).toBe((await store.analytics.totals({ from: d.todayStartMs, to: END + 1 })).requests);
    expect(d.series).toHaveLength(24);
    expect(d.topModels.length).toBeGreaterThan(0);
    const counts = d.topModels.map((m: { requests: number }) => m.requests);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(d.recentFailures.every((f: { statusCode: number }) => f.statusCode === 0 || f.statusCode >= 400)).toBe(true);
    expect(d.collector).toHaveProperty('state');
    expect((await get(`${BASE}/dashboard?tz=Mars/Olympus`)).statusCode).toBe(400);
    expect((await get(`${BASE}/dashboard`, false)).statusCode).toBe(401);
  });
});

describe('saved analytics views', () => {
  it('saves, lists, replaces by name, deletes; bad input is a 400', async () => {
    const post = (body: unknown) => t.app.inject({ method: 'POST', url: `${BASE}/views`, headers: { ...bearer(t.adminKey), 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    const a = await post({ name: 'Week by key', state: { range: '7d', tab: 'key' } });
    expect(a.statusCode).toBe(201);
    const id = a.json().view.id as number;
    expect((await post({ name: 'Week by key', state: { range: '7d', tab: 'key', sort: 'cost' } })).json().view).toMatchObject({ id, state: { sort: 'cost' } });
    expect((await get(`${BASE}/views`)).json().views.map((v: { name: string }) => v.name)).toEqual(['Week by key']);
    expect((await post({ name: '', state: {} })).statusCode).toBe(400);
    expect((await post({ name: 'x', state: { 'bad key!': '1' } })).statusCode).toBe(400);
    const del = await t.app.inject({ method: 'DELETE', url: `${BASE}/views/${id}`, headers: bearer(t.adminKey) });
    expect(del.statusCode).toBe(200);
    expect((await t.app.inject({ method: 'DELETE', url: `${BASE}/views/${id}`, headers: bearer(t.adminKey) })).statusCode).toBe(404);
    expect((await get(`${BASE}/views`, false)).statusCode).toBe(401);
  });
});
