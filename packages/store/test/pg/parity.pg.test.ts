// The same seeded random data in a SQLite store and a Postgres store: every analytics answer and every
// event page must be identical (ids aside), across DST, half-hour zones and ranges cut mid-hour.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openPgStore,
  openStore,
  type PgStoreRepositories,
  type UsageEventInput,
  type AnalyticsFilter,
} from '../../src/index';
import { makeEvent } from '../helpers/events';
import { pgTestsDisabled, startTestPostgres, type TestPostgres } from '@cpamp/testkit';
import { DATA_KEY } from '../shared/repository-suite';

const suite = pgTestsDisabled() ? describe.skip : describe;
const H = 3_600_000;
// Berlin switches to summer time on 2026-03-29 01:00 UTC: the data straddles it.
const START = Date.UTC(2026, 2, 27, 0, 0, 0);

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomEvents(n: number): UsageEventInput[] {
  const r = mulberry32(42);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const out: UsageEventInput[] = [];
  for (let i = 0; i < n; i++) {
    const model = pick(['gpt-5', 'gpt-5-codex', 'claude-sonnet-4-5', 'gemini-2.5-pro', 'unpriced-model']);
    const failed = r() < 0.1;
    out.push(
      makeEvent({
        dedupKey: `${i.toString(16).padStart(8, '0')}${'ef'.repeat(12)}`,
        requestId: (0xd0000000 + i).toString(16),
        timestampMs: START + Math.floor(r() * 4 * 24 * H),
        model,
        alias: model,
        provider: model.startsWith('claude') ? 'claude' : model.startsWith('gemini') ? 'gemini' : 'codex',
        apiKeyHash: pick(['1', '2', '3', '4']).repeat(64),
        apiKeyLabel: 'sk-…',
        authIndex: pick(['acc-a', 'acc-b', 'acc-c', 'acc-d', 'acc-e']),
        source: pick(['a@example.com', 'b@example.com']),
        failed,
        statusCode: failed ? pick([429, 500, 502, 400]) : 200,
        latencyMs: Math.floor(50 + r() * 20_000),
        serviceTier: r() < 0.2 ? 'priority' : 'auto',
        inputTokens: Math.floor(r() * 300_000),
        cacheReadTokens: Math.floor(r() * 5000),
        cacheCreationTokens: r() < 0.3 ? Math.floor(r() * 3000) : 0,
        outputTokens: Math.floor(r() * 4000),
        reasoningTokens: Math.floor(r() * 1000),
      }),
    );
  }
  return out;
}

const byName = <T extends { name: string }>(rows: T[]) =>
  [...rows].sort((a, b) => a.name.localeCompare(b.name));
const noId = <T extends { id: number }>(rows: T[]) => rows.map(({ id: _id, ...rest }) => rest);

async function snapshot(s: PgStoreRepositories, f: AnalyticsFilter) {
  const a = s.analytics;
  const series = async (granularity: 'hour' | 'day', timeZone: string) => {
    const r = await a.timeSeries(f, { granularity, timeZone, splitTopModels: 99 });
    return { ...r, byModel: [...r.byModel].sort((x, y) => x.model.localeCompare(y.model)) };
  };
  const opts = await a.filterOptions(f);
  return {
    totals: await a.totals(f),
    hourBerlin: await series('hour', 'Europe/Berlin'),
    dayKolkata: await series('day', 'Asia/Kolkata'),
    heatmapBerlin: await a.heatmap(f, { timeZone: 'Europe/Berlin' }),
    breakdowns: await Promise.all(
      (['model', 'key', 'account', 'provider'] as const).map(async (by) => {
        const r = await a.breakdown(f, { by, limit: 100 });
        return { ...r, rows: byName(noId(r.rows)) };
      }),
    ),
    filterOptions: {
      keys: [...opts.keys].sort((x, y) => x.hash.localeCompare(y.hash)),
      accounts: [...opts.accounts].sort((x, y) => x.authIndex.localeCompare(y.authIndex)),
      models: byName(opts.models),
      providers: byName(opts.providers),
    },
    percentiles: byName((await a.latencyPercentiles(f, { percentiles: [0.5, 0.9, 0.99] })).rows),
  };
}

suite('postgres and sqlite give the same answers', () => {
  let server: TestPostgres | undefined;
  const stores: PgStoreRepositories[] = [];
  let sqlite: PgStoreRepositories;
  let postgres: PgStoreRepositories;
  beforeAll(async () => {
    server = await startTestPostgres();
    sqlite = await openStore({ path: ':memory:', dataKey: DATA_KEY });
    postgres = await openPgStore({
      connectionString: server.url,
      dataKey: DATA_KEY,
      schema: `parity_${process.pid}`,
    });
    stores.push(sqlite, postgres);
    const events = randomEvents(600);
    for (const s of stores) {
      await s.prices.set('gpt-5', { input: 1.25, output: 10, cacheRead: 0.125, inputAbove200k: 2.5 });
      await s.prices.set('gpt-5-codex', { input: 1.25, output: 10 });
      await s.prices.set('claude-sonnet-4-5', { input: 3, output: 15, cacheRead: 0.3, cacheCreation: 3.75 });
      await s.prices.set('gemini-2.5-pro', { input: 1.25, output: 10, priorityMultiplier: 1.8 });
      for (let i = 0; i < events.length; i += 100) await s.insertBatch(events.slice(i, i + 100));
    }
  }, 60_000);
  afterAll(async () => {
    for (const s of stores) await s.close();
    await server?.stop();
  });

  it.each([
    ['whole days (rollups)', { from: START, to: START + 4 * 24 * H }],
    [
      'cut mid-hour (rollups + edge events)',
      { from: START + 17 * 60_000 + 5, to: START + 70 * H + 41 * 60_000 },
    ],
    [
      'one key and one model (raw events)',
      { from: START, to: START + 96 * H, apiKeyHash: '2'.repeat(64), model: 'gpt-5' },
    ],
    ['failures with a status filter', { from: START, to: START + 96 * H, status: 'failure' as const }],
    ['exact status 429', { from: START, to: START + 96 * H, status: 429 }],
  ])('analytics: %s', async (_name, f) => {
    const [a, b] = [await snapshot(sqlite, f), await snapshot(postgres, f)];
    expect(a.totals.requests).toBeGreaterThan(0);
    expect(b).toEqual(a);
  });

  it('event pages, filters and search', async () => {
    const page = async (s: PgStoreRepositories, f: Parameters<PgStoreRepositories['events']['list']>[0]) => {
      const out: unknown[] = [];
      let cursor: string | null = null;
      do {
        const p: Awaited<ReturnType<PgStoreRepositories['events']['list']>> = await s.events.list(f, {
          limit: 70,
          cursor,
        });
        out.push(...p.events.map(({ id: _id, ...rest }) => rest));
        cursor = p.nextCursor;
      } while (cursor);
      return out;
    };
    for (const f of [
      {},
      { model: ['gpt-5', 'gemini-2.5-pro'], status: 'success' as const },
      { search: 'd00001' },
    ]) {
      const [a, b] = [await page(sqlite, f), await page(postgres, f)];
      expect(a.length).toBeGreaterThan(0);
      expect(b).toEqual(a);
    }
    expect(await postgres.events.count()).toBe(await sqlite.events.count());
  });
});
