// Price changes reach history: a price added for a model with unpriced events prices all of them, a change
// "from <date>" leaves earlier events alone; summaries (column cache and SQL), rollups and the event list
// agree afterwards. Totals are computed by hand below each step.
import { join } from 'node:path';
import { openStore, type Store } from '@cpamp/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvent } from '../../store/test/helpers/events';
import { bearer, startTestApp, tempDir, type TestApp } from './helpers';

const P = '/v0/management/model-prices';
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 9, 1, 12); // 1 Oct 2026, 12:00 UTC
const RANGE = `from=${T0 - DAY}&to=${T0 + 10 * DAY}`;

let t: TestApp;
let store: Store;
let dir: { path: string; cleanup(): void };

beforeAll(async () => {
  dir = tempDir('cpamp-reprice-');
  store = await openStore({ path: join(dir.path, 'usage.sqlite') });
  t = await startTestApp({}, { store, collector: false });
});

afterAll(async () => {
  await t?.close();
  await store?.close();
  dir?.cleanup();
});

const call = (method: 'GET' | 'PUT' | 'POST', url: string, payload?: unknown) =>
  t.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }), headers: bearer(t.adminKey) });

const summary = async (extra = '') => (await call('GET', `/v0/management/analytics/summary?${RANGE}${extra}`)).json();

describe('price changes reach history', () => {
  it('3 unpriced events → add a price → the summary shows the exact cost and 0 unpriced', async () => {
    // Three events on three days of model "acme-1" (no price): 1000 in + 200 out, 500 in + 100 out (+ 2000 cache read), 2000 in.
    await store.insertBatch([
      makeEvent({ model: 'acme-1', alias: 'acme-1', provider: 'openai', timestampMs: T0, inputTokens: 1000, outputTokens: 200 }),
      makeEvent({ model: 'acme-1', alias: 'acme-1', provider: 'openai', timestampMs: T0 + DAY, inputTokens: 500, cacheReadTokens: 2000, outputTokens: 100 }),
      makeEvent({ model: 'acme-1', alias: 'acme-1', provider: 'openai', timestampMs: T0 + 2 * DAY, inputTokens: 2000, outputTokens: 0 }),
    ]);
    await store.warmCache();
    const before = await summary();
    expect(before).toMatchObject({ requests: 3, unpricedRequests: 3, costMicros: 0 });

    // 2 $/1M in, 8 $/1M out, 0.5 $/1M cache read:
    //   1000·2 + 200·8 = 3600;  500·2 + 2000·0.5 + 100·8 = 2800;  2000·2 = 4000  → 10,400 µ$
    const put = await call('PUT', `${P}?wait=true`, { model: 'acme-1', price: { input: 2, output: 8, cacheRead: 0.5 } });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().reprice.targets).toEqual([{ model: 'acme-1', fromMs: null }]);
    expect(put.json().reprice.job).toMatchObject({ kind: 'reprice', state: 'succeeded', result: { updated: 3 } });

    expect(await summary()).toMatchObject({ requests: 3, unpricedRequests: 0, costMicros: 10_400 });
    // The same from rollups + SQL (a filter the cache answers too, and the per-day rollups by key).
    const byDay = (await call('GET', `/v0/management/analytics/timeline?${RANGE}&granularity=day`)).json();
    expect(byDay.points.reduce((n: number, p: { costMicros: number }) => n + p.costMicros, 0)).toBe(10_400);
    const keys = (await call('GET', `/v0/management/analytics/breakdown/key?${RANGE}`)).json();
    expect(keys.rows.reduce((n: number, r: { costMicros: number }) => n + r.costMicros, 0)).toBe(10_400);
    const events = (await call('GET', '/v0/management/analytics/events?limit=10')).json().events as { costMicros: number | null }[];
    expect(events.map((e) => e.costMicros).sort((a, b) => a! - b!)).toEqual([2800, 3600, 4000]);
  });

  it('a change "from <date>" leaves earlier events alone', async () => {
    // Double both rates from day 2 (T0 + 1 day, 00:00 UTC) on: the first event keeps 3600,
    //   500·4 + 2000·0.5 + 100·16 = 4600;  2000·4 = 8000  → 3600 + 4600 + 8000 = 16,200 µ$
    const from = new Date(T0 + DAY - 12 * 3_600_000).toISOString();
    const put = await call('PUT', `${P}?wait=true`, { model: 'acme-1', price: { input: 4, output: 16 }, applyFrom: from });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().reprice.job).toMatchObject({ state: 'succeeded', result: { updated: 2 } });
    expect(await summary()).toMatchObject({ requests: 3, unpricedRequests: 0, costMicros: 16_200 });

    const versions = (await call('GET', `${P}/acme-1/versions`)).json().versions as { fromMs: number | null; toMs: number | null }[];
    expect(versions.map((v) => [v.fromMs, v.toMs])).toEqual([
      [null, Date.parse(from)],
      [Date.parse(from), null],
    ]);
  });

  it('a changed price applies from now by default; an event imported later for an old day gets that day\'s price', async () => {
    const put = await call('PUT', `${P}?wait=true`, { model: 'acme-1', price: { input: 3 } });
    expect(put.json().reprice.targets[0].fromMs).toBeGreaterThan(T0 + 10 * DAY);
    expect(await summary()).toMatchObject({ costMicros: 16_200 });
    // Day 1 (old version, 2 $/1M): 100·2 = 200 µ$.
    await store.insertBatch([makeEvent({ model: 'acme-1', alias: 'acme-1', provider: 'openai', timestampMs: T0 + 3_600_000, inputTokens: 100, outputTokens: 0 })]);
    expect(await summary()).toMatchObject({ requests: 4, costMicros: 16_400 });
  });

  it('PUT takes CPA Manager Plus\'s body; GET carries Plus\'s fields beside cpamp\'s', async () => {
    const put = await call('PUT', `${P}?wait=true`, {
      prices: {
        'gpt-5': {
          prompt: 1.25,
          completion: 10,
          cacheRead: 0.125,
          promptConfigured: true,
          completionConfigured: true,
          cacheReadConfigured: true,
          contextTiers: [{ thresholdTokens: 272000, prompt: 2.5, completion: 15, promptConfigured: true, completionConfigured: true }],
          serviceTiers: [{ mode: 'fast', serviceTier: 'priority', prompt: 2.5, completion: 20, promptConfigured: true, completionConfigured: true }],
        },
      },
    });
    expect(put.statusCode, put.body).toBe(200);
    const p = (await call('GET', P)).json().prices['gpt-5'];
    expect(p).toMatchObject({
      input: 1.25,
      output: 10,
      cacheRead: 0.125,
      cacheCreation: null,
      prompt: 1.25,
      completion: 10,
      promptConfigured: true,
      completionConfigured: true,
      cacheReadConfigured: true,
      cacheCreationConfigured: false,
      tierPrices: { priority: { input: 2.5, output: 20 } },
      contextTiers: [{ thresholdTokens: 272000, input: 2.5, output: 15, prompt: 2.5, completion: 15, promptConfigured: true }],
    });
  });

  it('400 for an applyFrom that is not a date', async () => {
    const res = await call('PUT', P, { model: 'acme-1', price: { input: 3 }, applyFrom: 'yesterday-ish' });
    expect(res.statusCode).toBe(400);
  });
});
