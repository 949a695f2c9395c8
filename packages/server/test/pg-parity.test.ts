// The same app on SQLite and on Postgres answers the same: one set of events goes into both stores, then
// the same requests (reads of analytics, the legacy /usage payload, and writes + reads of prices, aliases,
// settings, jobs, budgets and saved views) go to both apps through app.inject, and the bodies must match.
// Only what names the engine (`source`: column cache vs SQL) is left out of the comparison.
import { join } from 'node:path';
import { normalizeRecord, type UsageEvent } from '@cpamp/collector';
import { openPgStore, openStore } from '@cpamp/store';
import { generateUsage, pgTestsDisabled, startTestPostgres, type TestPostgres } from '@cpamp/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerStore } from '../src/server-store';
import { bearer, startTestApp, tempDir, type TestApp } from './helpers';

const END = Date.UTC(2026, 7, 22, 16);
const DATA_KEY = 'a'.repeat(64);
const A = '/v0/management/analytics';
const EVENTS: UsageEvent[] = [...generateUsage({ seed: 11, events: 300, days: 30, end: END, keys: 4, accounts: 5, models: 4, failureRate: 0.1 })].flatMap((raw) => {
  const r = normalizeRecord(raw);
  return r.ok ? [r.event] : [];
});
// Every third event from a second CPA: views filtered by CPA read the column cache on SQLite, SQL on Postgres.
const STORED = EVENTS.map((e, i) => (i % 3 === 0 ? { ...e, upstream: 'east' } : e));

interface Side {
  store: ServerStore;
  app: TestApp;
}

/**
 * Drops what legitimately differs between engines: which engine answered (`source`), the per-database
 * dictionary ids of models / keys / accounts (`id` beside a `name` or `hash`), the order of rows that tie
 * on the sort key (compared as multisets), and the keys a step names in `loose`.
 */
function comparable(v: unknown, loose: readonly string[] = []): unknown {
  if (Array.isArray(v)) {
    const items = v.map((x) => comparable(x, loose));
    const dictionaryRows = items.length > 1 && items.every((x) => x && typeof x === 'object' && ('name' in x || 'hash' in x));
    return dictionaryRows ? items.map((x) => JSON.stringify(x)).sort() : items;
  }
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const dictionary = 'name' in o || 'hash' in o;
    return Object.fromEntries(
      Object.entries(o)
        .filter(([k]) => k !== 'source' && k !== 'engine' && !loose.includes(k) && !(dictionary && k === 'id'))
        .map(([k, x]) => [k, comparable(x, loose)]),
    );
  }
  return v;
}

const REPRICE_COUNTS = ['message', 'matched', 'missingPrice', 'updated', 'lastId', 'maxId'];

interface Step {
  name: string;
  method?: 'GET' | 'PUT' | 'POST' | 'DELETE';
  url: string;
  payload?: unknown;
  /** Keys whose values differ by design (said at the step). */
  loose?: string[];
}

const steps = (events: UsageEvent[]): Step[] => {
  const key = events[0]!.apiKeyHash;
  const model = events[0]!.model;
  return [
    { name: 'analytics summary', url: `${A}/summary?range=30d` },
    { name: 'analytics summary, one model', url: `${A}/summary?range=30d&model=${encodeURIComponent(model)}` },
    { name: 'analytics timeline (day, Berlin)', url: `${A}/timeline?range=30d&granularity=day&tz=Europe/Berlin` },
    { name: 'analytics timeline (hour)', url: `${A}/timeline?range=7d&granularity=hour` },
    { name: 'analytics breakdown by model', url: `${A}/breakdown/model?range=30d` },
    { name: 'analytics breakdown by key, failures', url: `${A}/breakdown/key?range=30d&status=failure` },
    { name: 'analytics breakdown by account', url: `${A}/breakdown/account?range=30d&sort=requests&limit=3` },
    { name: 'analytics filter options', url: `${A}/filter-options?range=30d` },
    { name: 'analytics latency percentiles', url: `${A}/latency-percentiles?range=30d&by=model` },
    { name: 'analytics heatmap', url: `${A}/heatmap?range=30d` },
    { name: 'analytics events page', url: `${A}/events?range=30d&limit=25` },
    { name: 'analytics dashboard', url: `${A}/dashboard?range=7d` },
    { name: 'analytics summary, one CPA', url: `${A}/summary?range=30d&upstream=east` },
    { name: 'analytics timeline, one CPA (day, Berlin)', url: `${A}/timeline?range=30d&granularity=day&tz=Europe/Berlin&upstream=default` },
    { name: 'analytics breakdown by key, one CPA', url: `${A}/breakdown/key?range=30d&upstream=east` },
    { name: 'analytics latency percentiles, one CPA', url: `${A}/latency-percentiles?range=30d&by=model&upstream=east` },
    { name: 'analytics heatmap, one CPA', url: `${A}/heatmap?range=30d&upstream=east` },
    { name: 'analytics filter options, one CPA', url: `${A}/filter-options?range=30d&upstream=east` },
    { name: 'analytics events page, one CPA', url: `${A}/events?range=30d&limit=25&upstream=east` },
    { name: 'legacy /usage payload', url: '/v0/management/usage' },
    { name: 'usage export (jsonl)', url: '/v0/management/usage/export' },
    {
      name: 'prices: set one (re-priced from all history, waited for)',
      method: 'PUT',
      url: '/v0/management/model-prices?applyFrom=all&wait=true',
      payload: { model, price: { input: 1.25, output: 10, cacheRead: 0.125 } },
      // Postgres re-prices the whole range in one step (pg-events.repository repriceChunk), so its job
      // counts every event of the range, SQLite only the model's; the costs after it are compared below.
      loose: REPRICE_COUNTS,
    },
    { name: 'prices: list', url: '/v0/management/model-prices' },
    { name: 'prices: versions', url: `/v0/management/model-prices/${encodeURIComponent(model)}/versions` },
    { name: 'analytics summary after re-pricing', url: `${A}/summary?range=30d` },
    { name: 'jobs: list', url: '/v0/management/jobs', loose: REPRICE_COUNTS },
    {
      name: 'aliases: set',
      method: 'PUT',
      url: '/v0/management/api-key-aliases',
      payload: { items: [{ apiKeyHash: key, alias: 'team-a' }] },
    },
    { name: 'aliases: list', url: '/v0/management/api-key-aliases' },
    { name: 'analytics breakdown by key with the alias', url: `${A}/breakdown/key?range=30d` },
    { name: 'settings: retention set', method: 'PUT', url: '/v0/management/retention', payload: { rawDays: 90 } },
    { name: 'settings: retention read', url: '/v0/management/retention' },
    {
      name: 'budgets: set',
      method: 'PUT',
      url: `/v0/management/budgets/${key}`,
      payload: { period: 'month', limitMicros: 5_000_000, enforce: false },
    },
    { name: 'budgets: list', url: '/v0/management/budgets' },
    {
      name: 'views: save',
      method: 'POST',
      url: `${A}/views`,
      payload: { name: 'last week, one model', state: { range: '7d', model } },
    },
    { name: 'views: list', url: `${A}/views` },
    { name: 'views: delete', method: 'DELETE', url: `${A}/views/1` },
    { name: 'views: list after delete', url: `${A}/views` },
    // Storage sizes are the engine's own; both must answer, with the same event count.
    { name: 'storage report', url: '/v0/management/storage', loose: ['fileBytes', 'walBytes', 'pageSize', 'pageCount', 'freePages', 'objects', 'bytesPerEvent', 'memory'] },
    {
      name: 'alerts: create a rule',
      method: 'POST',
      url: '/v0/management/alerts/rules',
      payload: { name: 'quota low', kind: 'quota-low', params: { remainingPercentBelow: 15 } },
    },
    { name: 'alerts: list rules', url: '/v0/management/alerts/rules' },
    { name: 'alerts: incidents', url: '/v0/management/alerts/incidents' },
    { name: 'alerts: mutes', url: '/v0/management/alerts/mutes' },
    { name: 'pool: accounts', url: '/v0/management/pool/accounts' },
    { name: 'pool: inspection runs', url: '/v0/management/pool/inspections' },
  ];
};

const suite = pgTestsDisabled() ? describe.skip : describe;

suite('the app on Postgres answers as on SQLite', () => {
  let pg: TestPostgres | undefined;
  let dir: { path: string; cleanup(): void };
  let sqlite: Side | undefined;
  let postgres: Side | undefined;
  const events = EVENTS;

  beforeAll(async () => {
    dir = tempDir('cpamp-parity-');
    pg = await startTestPostgres();
    const stores: ServerStore[] = await Promise.all([
      openStore({ path: join(dir.path, 'parity.sqlite'), dataKey: DATA_KEY, now: () => END }),
      openPgStore({ connectionString: pg.url, schema: `parity_${process.pid}`, dataKey: DATA_KEY, poolSize: 4, now: () => END }),
    ]);
    const sides: Side[] = [];
    for (const store of stores) {
      expect((await store.insertBatch(STORED)).inserted).toBe(events.length);
      // No budget timer and no retention timer: only the requests below change state.
      const app = await startTestApp({}, { store, collector: false, now: () => END, budgetsTickMs: 0, retentionSchedule: false });
      sides.push({ store, app });
    }
    [sqlite, postgres] = sides;
  }, 120_000);

  afterAll(async () => {
    for (const side of [sqlite, postgres]) {
      await side?.app.close();
      await side?.store.close();
    }
    await pg?.stop();
    dir?.cleanup();
  });

  it('has the same events on both', async () => {
    expect(await postgres!.store.events.count()).toBe(await sqlite!.store.events.count());
    expect(postgres!.store.kind).toBe('postgres');
  });

  // Steps run in order: the writes come before the reads that must see them.
  for (const step of steps(EVENTS)) {
    it(step.name, async () => {
      const call = (side: Side) =>
        side.app.app.inject({
          method: step.method ?? 'GET',
          url: step.url,
          headers: bearer(side.app.adminKey),
          ...(step.payload !== undefined ? { payload: step.payload as object } : {}),
        });
      const [a, b] = [await call(sqlite!), await call(postgres!)];
      expect(a.statusCode, a.body).toBeLessThan(300);
      expect(b.statusCode, b.body).toBe(a.statusCode);
      const type = a.headers['content-type'] ?? '';
      if (String(type).includes('ndjson')) {
        const lines = (body: string) => body.split('\n').filter(Boolean).map((l) => comparable(JSON.parse(l), step.loose));
        expect(lines(b.body)).toEqual(lines(a.body));
      } else if (String(type).includes('json')) expect(comparable(b.json(), step.loose)).toEqual(comparable(a.json(), step.loose));
      else expect(b.body).toBe(a.body);
    });
  }
});
