// One repository suite for both stores: every call is awaited, so the synchronous SQLite store and
// the Promise-based Postgres store run the same assertions on the same hand-computed data.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isStoreError, type PgStoreRepositories, type StoredEventSummary } from '../../src/index';
import { everyFieldEvent, makeEvent } from '../helpers/events';
import { defineAnalyticsCases } from './analytics-cases';
import { defineBudgetsCases } from './budgets-cases';
import { definePoolCases } from './pool-cases';
import { defineAlertsCases } from './alerts-cases';
import { defineIoMaintenanceCases } from './io-maintenance-cases';
import { defineTtftCases } from './ttft-cases';
import { defineUpstreamCases } from './upstream-cases';
import { definePoolUpstreamCases } from './pool-upstream-cases';
import { defineMatrixCases } from './matrix-cases';
import { defineRollupDayCases } from './rollup-day-cases';
import { defineUpstreamViewCases } from './upstream-view-cases';
import { defineAccountCpaCases } from './account-cpa-cases';
import { defineAccountUpstreamCases } from './account-upstream-cases';
import { defineRepriceVersionCases } from './reprice-version-cases';
import { defineZoneHourCases } from './zone-hour-cases';
import { defineDayDimsCases } from './day-dims-cases';
import { definePgDimsCases } from './pg-dims-cases';
import { defineFoldTierCases } from './fold-tier-cases';
import { defineHeaderCases } from './header-cases';
import { defineRepriceFoldCases } from './reprice-fold-cases';
import { dataset, GPT5_PRICE, KEY_A, KEY_B, T0 } from './dataset';

const PRICE_FIXTURE = fileURLToPath(new URL('../fixtures/litellm-prices.json', import.meta.url));
export const DATA_KEY = '11'.repeat(32);
export const OTHER_KEY = '22'.repeat(32);

export interface SuiteOpenOptions {
  dataKey?: string;
  now?: () => number;
  /** Open this existing database (a location returned by an earlier open) instead of a new one. */
  location?: string;
  /** SQLite: the column cache's window (openStore columnCacheMaxEvents); Postgres has no cache. */
  columnCacheMaxEvents?: number;
}

export interface RepositorySuiteBackend {
  open(opts: SuiteOpenOptions): Promise<{ store: PgStoreRepositories; location: string }>;
}

/** Runs `fn` and returns what it threw (sync or async), or undefined. */
export async function caught(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

export const codeOf = (e: unknown) => (isStoreError(e) ? e.code : `not a StoreError: ${String(e)}`);

export function defineRepositorySuite(name: string, backend: RepositorySuiteBackend): void {
  const open: { store: PgStoreRepositories }[] = [];
  const openStore = async (opts: SuiteOpenOptions = {}) => {
    const r = await backend.open({ dataKey: DATA_KEY, ...opts });
    open.push(r);
    return r;
  };
  const fresh = async (opts: SuiteOpenOptions = {}) => (await openStore(opts)).store;
  afterEach(async () => {
    for (const r of open.splice(0)) await r.store.close();
  });

  describe(`repository suite: ${name}`, () => {
    describe('events', () => {
      it('stores the same record once; retries sharing a request_id are each stored', async () => {
        const s = await fresh();
        const a = makeEvent({ requestId: 'deadbeef', failed: true, statusCode: 429 });
        const b = makeEvent({ requestId: 'deadbeef', authIndex: 'other' });
        expect(await s.insertBatch([a, b, a])).toEqual({ inserted: 2, duplicates: 1 });
        expect(await s.insertBatch([a, b])).toEqual({ inserted: 0, duplicates: 2 });
        expect(await s.events.count()).toBe(2);
        const page = await s.events.list({ search: 'deadbeef' });
        expect(page.events.map((e) => e.requestId)).toEqual(['deadbeef', 'deadbeef']);
        expect(page.events.map((e) => e.authIndex).sort()).toEqual([a.authIndex, 'other'].sort());
      });

      it('stores every field and reads it back (list and get)', async () => {
        const s = await fresh();
        const e = everyFieldEvent();
        await s.insertBatch([e]);
        const got = (await s.events.list({})).events[0]!;
        const { id, costMicros, priceVersion, priceMissing, costEstimated: _ce, ...fields } = got;
        expect(fields).toEqual({ ...e, dedupKey: e.dedupKey.slice(0, 16), upstream: 'default' });
        expect(priceMissing).toBe(true);
        expect(costMicros).toBeNull();
        expect(priceVersion).toBe(1);
        expect(await s.events.get(id)).toEqual(got);
        expect(await s.events.get(id + 1000)).toBeUndefined();
      });

      it('rejects a malformed event with a typed error and stores nothing of the batch', async () => {
        const s = await fresh();
        const bad = { ...makeEvent(), inputTokens: -1 };
        const err = await caught(() => s.insertBatch([makeEvent(), bad]));
        expect(codeOf(err)).toBe('invalid_event');
        expect(await s.events.count()).toBe(0);
      });

      it('tells onInserted listeners about new events only', async () => {
        const s = await fresh();
        const seen: StoredEventSummary[] = [];
        const off = await s.events.onInserted((batch) => seen.push(...batch));
        const a = makeEvent({ model: 'gpt-5' });
        await s.insertBatch([a]);
        await s.insertBatch([a]);
        expect(seen.map((x) => [x.model, x.timestampMs, x.failed])).toEqual([
          ['gpt-5', a.timestampMs, false],
        ]);
        off();
        await s.insertBatch([makeEvent()]);
        expect(seen).toHaveLength(1);
      });

      it('pages newest first with a keyset cursor and applies every filter', async () => {
        const s = await fresh();
        await s.insertBatch(dataset());
        const ids = async (f: Parameters<typeof s.events.list>[0], limit = 50) =>
          (await s.events.list(f, { limit })).events.map((e) => e.requestId.slice(-1));
        const p1 = await s.events.list({}, { limit: 4 });
        expect(p1.events.map((e) => e.requestId.slice(-1))).toEqual(['6', '5', '4', '3']);
        expect(p1.nextCursor).not.toBeNull();
        const p2 = await s.events.list({}, { limit: 4, cursor: p1.nextCursor });
        expect(p2.events.map((e) => e.requestId.slice(-1))).toEqual(['2', '1']);
        expect(p2.nextCursor).toBeNull();
        expect(await ids({ model: 'claude-x' })).toEqual(['5', '3']);
        expect(await ids({ status: 'failure' })).toEqual(['5', '3']);
        expect(await ids({ status: 'success' })).toEqual(['6', '4', '2', '1']);
        expect(await ids({ status: 502 })).toEqual(['3']);
        expect(await ids({ apiKeyHash: KEY_B })).toEqual(['4', '3']);
        expect(await ids({ authIndex: ['acc2'] })).toEqual(['4', '3']);
        expect(await ids({ provider: 'codex', apiKeyHash: [KEY_A, KEY_B] })).toEqual(['6', '4', '2', '1']);
        expect(await ids({ minLatencyMs: 800 })).toEqual(['6', '5', '4']);
        expect(await ids({ from: T0 + 15 * 60_000, to: T0 + 2 * 3_600_000 })).toEqual(['4', '3', '2']);
        expect(await ids({ search: 'CLAUDE' })).toEqual(['5', '3']);
        expect(await ids({ search: 'c0000004' })).toEqual(['4']);
        expect(await ids({ model: 'no-such-model' })).toEqual([]);
        expect(codeOf(await caught(() => s.events.list({}, { cursor: 'garbage' })))).toBe('invalid_query');
      });

      it('follows the log by id: maxId, then the rows with headers or a failure body after it', async () => {
        const s = await fresh();
        expect(await s.events.maxId()).toBe(0);
        await s.insertBatch([makeEvent({ requestId: '01' })]);
        const start = await s.events.maxId();
        expect(start).toBeGreaterThan(0);
        await s.insertBatch([
          makeEvent({ requestId: '02', authIndex: 'idx1', rateLimitHeaders: { 'x-codex-primary-used-percent': '40' } }),
          makeEvent({ requestId: '03', authIndex: 'idx1' }),
          makeEvent({ requestId: '04', authIndex: 'idx1', failed: true, statusCode: 429, failBody: '{"error":{"type":"usage_limit_reached"}}' }),
        ]);
        const rows = await s.events.evidenceAfter(start, 10);
        expect(rows.map((r) => [r.authIndex, r.statusCode, r.failed, r.headers?.['x-codex-primary-used-percent'] ?? null, r.failBody])).toEqual([
          ['idx1', 200, false, '40', null],
          ['idx1', 429, true, null, '{"error":{"type":"usage_limit_reached"}}'],
        ]);
        expect(rows[0]!.eventId).toBeGreaterThan(start);
        expect(await s.events.evidenceAfter(rows[0]!.eventId, 10)).toHaveLength(1);
        expect(await s.events.evidenceAfter(rows[1]!.eventId, 10)).toEqual([]);
        expect(await s.events.maxId()).toBe(start + 3);
      });

      it('refuses writes after close with store_closed', async () => {
        const { store } = await openStore();
        await store.close();
        expect(codeOf(await caught(() => store.insertBatch([makeEvent()])))).toBe('store_closed');
      });
    });

    describe('cost at insert', () => {
      const priced = {
        input: 2,
        output: 8,
        cacheRead: 0.5,
        cacheCreation: 2.5,
        inputAbove200k: 4,
        outputAbove200k: 12,
        cacheReadAbove200k: 1,
      };
      const cases = () => [
        // 1000·2 + 4000·0.5 + 100·8
        makeEvent({
          model: 'cost-model',
          alias: 'cost-model',
          inputTokens: 1000,
          cacheReadTokens: 4000,
          outputTokens: 100,
        }),
        // 1000·2 + 2000·2.5
        makeEvent({
          model: 'cost-model',
          alias: 'cost-model',
          inputTokens: 1000,
          cacheCreationTokens: 2000,
          outputTokens: 0,
        }),
        // prompt 210k > 200k: 150000·4 + 60000·1 + 1000·12
        makeEvent({
          model: 'cost-model',
          alias: 'cost-model',
          inputTokens: 150_000,
          cacheReadTokens: 60_000,
          outputTokens: 1000,
        }),
        // codex fast mode: (1000·2 + 100·8) × 2
        makeEvent({
          model: 'cost-model',
          alias: 'cost-model',
          serviceTier: 'priority',
          inputTokens: 1000,
          outputTokens: 100,
        }),
        makeEvent({ model: 'no-price-model', alias: 'no-price-model', inputTokens: 1000, outputTokens: 100 }),
      ];

      it('prices cache read, cache write, >200k and priority exactly; a missing price is missing, not 0', async () => {
        const s = await fresh();
        await s.prices.set('cost-model', priced);
        expect(await s.prices.currentVersion()).toBe(2);
        const input = cases();
        await s.insertBatch(input);
        const byDedup = new Map((await s.events.list({})).events.map((e) => [e.dedupKey, e]));
        const got = input.map((e) => byDedup.get(e.dedupKey.slice(0, 16))!);
        expect(got.map((e) => e.costMicros)).toEqual([4800, 7000, 672_000, 5600, null]);
        expect(got.map((e) => e.priceMissing)).toEqual([false, false, false, false, true]);
        expect(got.map((e) => e.costEstimated)).toEqual([false, false, false, false, false]);
        expect(got.map((e) => e.priceVersion)).toEqual([2, 2, 2, 2, 2]);
        const t = await s.analytics.totals({ from: 0, to: Date.UTC(2100, 0, 1) });
        expect(t.costMicros).toBe(4800 + 7000 + 672_000 + 5600);
        expect(t.unpricedRequests).toBe(1);
      });

      it('re-prices a range with the current prices and rebuilds its rollups', async () => {
        const s = await fresh();
        await s.prices.set('cost-model', priced);
        const input = cases();
        await s.insertBatch(input);
        await s.prices.set('no-price-model', { input: 1, output: 1 });
        const ts = input[0]!.timestampMs;
        expect(await s.events.repriceRange({ from: ts - 1000, to: ts + 1000 })).toEqual({
          updated: 5,
          missingPrice: 0,
          version: 3,
        });
        const e = (await s.events.list({ model: 'no-price-model' })).events[0]!;
        expect([e.costMicros, e.priceMissing, e.priceVersion]).toEqual([1100, false, 3]);
        const day = Math.floor(ts / 86_400_000) * 86_400_000;
        const t = await s.analytics.totals({ from: day, to: day + 86_400_000 });
        expect(t.source).toBe('rollup');
        expect([t.costMicros, t.unpricedRequests]).toEqual([4800 + 7000 + 672_000 + 5600 + 1100, 0]);
      });

      it('lists, looks up (name variants, alias) and deletes prices, validating rates', async () => {
        const s = await fresh();
        await s.prices.set('gpt-5', GPT5_PRICE);
        expect((await s.prices.list()).map((p) => [p.model, p.input, p.manual])).toEqual([
          ['gpt-5', 1, true],
        ]);
        expect((await s.prices.get('GPT-5'))?.output).toBe(10);
        expect((await s.prices.lookup('openai/gpt-5(high)', ''))?.model).toBe('gpt-5');
        expect((await s.prices.lookup('unknown', 'gpt-5'))?.model).toBe('gpt-5');
        expect(await s.prices.lookup('unknown', 'other')).toBeUndefined();
        expect(codeOf(await caught(() => s.prices.set('bad', { input: -1 })))).toBe('invalid_price');
        expect(await s.prices.delete('gpt-5')).toBe(true);
        expect(await s.prices.delete('gpt-5')).toBe(false);
        expect(await s.prices.list()).toEqual([]);
        expect(await s.prices.currentVersion()).toBe(3);
      });
    });

    it('syncs LiteLLM prices: manual prices kept, known models by default, no new version when nothing changed', async () => {
      const s = await fresh();
      await s.prices.set('gpt-5', { input: 1, output: 2 });
      const r = await s.prices.sync(
        { file: PRICE_FIXTURE },
        { models: ['gpt-5', 'gpt-4.1', 'my-private-model'] },
      );
      expect(r).toMatchObject({
        version: 3,
        matched: [{ model: 'gpt-4.1', sourceModelId: 'gpt-4.1' }],
        unmatched: ['my-private-model'],
        preservedManual: ['gpt-5'],
      });
      expect(await s.prices.get('gpt-5')).toMatchObject({ input: 1, output: 2, manual: true });
      expect((await s.prices.get('gpt-4.1'))?.manual).toBe(false);
      const none = await s.prices.sync({ file: PRICE_FIXTURE }, { models: ['my-private-model'] });
      expect([none.version, await s.prices.currentVersion()]).toEqual([3, 3]);
      await s.insertBatch([makeEvent({ model: 'claude-sonnet-4-5-20250929', alias: 'claude-sonnet-4-5' })]);
      const known = await s.prices.sync({ file: PRICE_FIXTURE });
      expect(known.matched.map((m) => m.model)).toContain('claude-sonnet-4-5-20250929');
      expect(codeOf(await caught(() => s.prices.sync({ json: { sample_spec: {} } })))).toBe(
        'price_source_failed',
      );
    });

    defineAnalyticsCases(fresh);
    defineTtftCases(fresh);
    defineBudgetsCases(fresh, openStore);
    definePoolCases(fresh);
    defineAlertsCases(fresh, openStore);
    defineIoMaintenanceCases(fresh);
    defineUpstreamCases(fresh);
    definePoolUpstreamCases(fresh);
    defineMatrixCases(fresh);
    defineRollupDayCases(fresh);
    defineUpstreamViewCases((o) => fresh(o ?? {}));
    defineRepriceVersionCases(fresh);
    defineZoneHourCases(fresh);
    defineDayDimsCases(fresh);
    definePgDimsCases(name, fresh);
    defineFoldTierCases(fresh);
    defineAccountCpaCases((o) => fresh(o ?? {}));
    defineHeaderCases(fresh);
    defineRepriceFoldCases(fresh);
    defineAccountUpstreamCases((o) => fresh(o ?? {}));

    describe('api keys and accounts', () => {
      it('keeps key aliases by hash; breakdowns and filter options show them', async () => {
        const s = await fresh();
        await s.insertBatch(dataset());
        await s.apiKeys.setAlias(KEY_A, 'Team A');
        await s.apiKeys.setAlias('c'.repeat(64), 'Unseen');
        expect(await s.apiKeys.list()).toEqual([
          { hash: KEY_A, label: 'sk-a…', alias: 'Team A' },
          { hash: KEY_B, label: 'sk-b…', alias: null },
          { hash: 'c'.repeat(64), label: '', alias: 'Unseen' },
        ]);
        const range = { from: T0, to: T0 + 2 * 86_400_000 };
        const rows = (await s.analytics.breakdown(range, { by: 'key' })).rows;
        expect(rows.map((r) => [r.name, r.label])).toEqual([
          [KEY_A, 'Team A'],
          [KEY_B, 'sk-b…'],
        ]);
        const opts = await s.analytics.filterOptions(range);
        expect(opts.keys[0]).toEqual({ hash: KEY_A, label: 'sk-a…', alias: 'Team A', count: 4 });
        await s.apiKeys.setAlias(KEY_A, null);
        expect((await s.apiKeys.list())[0]).toEqual({ hash: KEY_A, label: 'sk-a…', alias: null });
        const after = (await s.analytics.breakdown(range, { by: 'key' })).rows;
        expect(after[0]!.label).toBe('sk-a…');
      });

      it('records account snapshots: only non-empty fields overwrite; missing accounts keep history', async () => {
        let clock = 1000;
        const s = await fresh({ now: () => clock });
        const e = makeEvent({ authIndex: 'acc1', source: 'one@example.com', provider: 'codex' });
        await s.insertBatch([e]);
        expect(await s.accounts.get('acc1')).toMatchObject({
          authIndex: 'acc1',
          provider: 'codex',
          label: 'one@example.com',
          email: null,
          firstSeenMs: e.timestampMs,
          snapshotMs: null,
          deletedMs: null,
        });
        await s.accounts.upsertSnapshot({
          authIndex: 'acc1',
          email: 'a@x.io',
          plan: 'pro',
          fileName: 'codex-a.json',
        });
        clock = 2000;
        const acc9 = await s.accounts.upsertSnapshot({
          authIndex: 'acc9',
          email: '',
          fileName: 'f.json',
          provider: 'claude',
        });
        expect(acc9).toMatchObject({
          email: null,
          fileName: 'f.json',
          provider: 'claude',
          firstSeenMs: 2000,
          snapshotMs: 2000,
        });
        const again = await s.accounts.upsertSnapshot({ authIndex: 'acc1', email: '', plan: null });
        expect(again).toMatchObject({
          email: 'a@x.io',
          plan: 'pro',
          fileName: 'codex-a.json',
          snapshotMs: 2000,
        });
        clock = 3000;
        expect(await s.accounts.markMissing(['acc1'])).toBe(1);
        expect(await s.accounts.markMissing(['acc1'])).toBe(0);
        expect((await s.accounts.get('acc9'))?.deletedMs).toBe(3000);
        expect((await s.accounts.upsertSnapshot({ authIndex: 'acc9' })).deletedMs).toBeNull();
        expect((await s.accounts.list()).map((a) => a.authIndex)).toEqual(['acc1', 'acc9']);
        expect([...(await s.accounts.labels()).values()].sort()).toEqual(['a@x.io', 'f.json']);
        expect(await s.accounts.get('nope')).toBeUndefined();
      });
    });

    describe('settings', () => {
      it('stores JSON values and deletes them', async () => {
        const s = await fresh();
        await s.settings.set('ui', { theme: 'dark', n: 3 });
        expect(await s.settings.get('ui')).toEqual({ theme: 'dark', n: 3 });
        await s.settings.delete('ui');
        expect(await s.settings.get('ui')).toBeUndefined();
      });

      it('encrypts the management key with the data key and refuses another key on reopen', async () => {
        const { store: s, location } = await openStore();
        await s.settings.setManagementKey('secret-management-key');
        expect(await s.settings.getManagementKey()).toBe('secret-management-key');
        const stored = (await s.settings.get('cpa_management_key')) as string;
        expect(stored).toMatch(/^v1:/);
        expect(stored).not.toContain('secret');
        await s.close();
        const err = await caught(() => backend.open({ location, dataKey: OTHER_KEY }));
        expect(codeOf(err)).toBe('data_key_mismatch');
        const s2 = await fresh({ location });
        expect(await s2.settings.getManagementKey()).toBe('secret-management-key');
        await s2.settings.clearManagementKey();
        expect(await s2.settings.getManagementKey()).toBeUndefined();
      });

      it('seals named secrets (a CPA added in the panel) with the data key; survives a reopen', async () => {
        const { store: s, location } = await openStore();
        expect(await s.settings.getSecret('upstream_key.east')).toBeUndefined();
        await s.settings.setSecret('upstream_key.east', 'east-management-key');
        expect(await s.settings.getSecret('upstream_key.east')).toBe('east-management-key');
        const stored = (await s.settings.get('secret:upstream_key.east')) as string;
        expect(stored).toMatch(/^v1:/);
        expect(stored).not.toContain('east-management');
        await s.close();
        const s2 = await fresh({ location });
        expect(await s2.settings.getSecret('upstream_key.east')).toBe('east-management-key');
        await s2.settings.deleteSecret('upstream_key.east');
        expect(await s2.settings.getSecret('upstream_key.east')).toBeUndefined();
      });
    });

    describe('jobs', () => {
      it('creates, moves through states with timestamps, keeps JSON params, progress, cursor and result', async () => {
        let clock = 1_000;
        const s = await fresh({ now: () => clock });
        const job = await s.jobs.create({ kind: 'reprice', params: { from: 5, models: ['a', 'b'] } });
        expect(job).toEqual({
          id: job.id,
          kind: 'reprice',
          state: 'queued',
          params: { from: 5, models: ['a', 'b'] },
          progress: { done: 0, total: null, message: null },
          result: null,
          error: null,
          cursor: null,
          cancelRequested: false,
          createdMs: 1_000,
          startedMs: null,
          updatedMs: 1_000,
          finishedMs: null,
        });
        clock = 2_000;
        await s.jobs.update(job.id, { state: 'running', progress: { done: 0, total: 40 } });
        clock = 3_000;
        const mid = await s.jobs.update(job.id, {
          progress: { done: 12.5, message: 'day 3 of 8' },
          cursor: { day: '2026-08-03', n: 12 },
        });
        expect(mid).toMatchObject({
          state: 'running',
          progress: { done: 12.5, total: 40, message: 'day 3 of 8' },
          startedMs: 2_000,
          updatedMs: 3_000,
          finishedMs: null,
        });
        expect((await s.jobs.get(job.id))?.cursor).toEqual({ day: '2026-08-03', n: 12 });
        clock = 4_000;
        await s.jobs.update(job.id, { state: 'succeeded', progress: { done: 40 }, result: { repriced: 40 } });
        expect(await s.jobs.get(job.id)).toMatchObject({
          state: 'succeeded',
          progress: { done: 40, total: 40, message: 'day 3 of 8' },
          result: { repriced: 40 },
          cursor: { day: '2026-08-03', n: 12 },
          startedMs: 2_000,
          finishedMs: 4_000,
        });
        expect(await s.jobs.get(job.id + 1000)).toBeUndefined();
        expect(await s.jobs.update(job.id + 1000, { state: 'failed' })).toBeUndefined();
      });

      it('records a coded error, flags cancel requests only on unfinished jobs', async () => {
        const s = await fresh();
        const a = await s.jobs.create({ kind: 'import' });
        expect(a.params).toBeNull();
        const failed = await s.jobs.update(a.id, {
          state: 'failed',
          error: { code: 'import_parse_error', message: 'line 3 is not JSON' },
        });
        expect(failed?.error).toEqual({ code: 'import_parse_error', message: 'line 3 is not JSON' });
        expect((await s.jobs.requestCancel(a.id))?.cancelRequested).toBe(false);
        const b = await s.jobs.create({ kind: 'import' });
        await s.jobs.update(b.id, { state: 'running' });
        expect((await s.jobs.requestCancel(b.id))?.cancelRequested).toBe(true);
        // A later progress write keeps the flag; a cleared error reads back as null.
        const after = await s.jobs.update(b.id, { progress: { done: 1 }, error: null });
        expect((await s.jobs.get(b.id))?.cancelRequested).toBe(true);
        expect(after?.error).toBeNull();
        expect(await s.jobs.requestCancel(9_999_999)).toBeUndefined();
      });

      it('lists newest first with state, kind and paging filters; prunes old finished jobs', async () => {
        const s = await fresh();
        const ids: number[] = [];
        for (let i = 0; i < 6; i += 1) ids.push((await s.jobs.create({ kind: i % 2 ? 'odd' : 'even', params: i })).id);
        await s.jobs.update(ids[0]!, { state: 'succeeded' });
        await s.jobs.update(ids[1]!, { state: 'failed' });
        await s.jobs.update(ids[2]!, { state: 'cancelled' });
        await s.jobs.update(ids[3]!, { state: 'running' });
        const all = await s.jobs.list();
        expect(all.map((j) => j.id)).toEqual([...ids].reverse());
        expect((await s.jobs.list({ states: ['queued', 'running'] })).map((j) => j.params)).toEqual([5, 4, 3]);
        expect((await s.jobs.list({ kind: 'odd' })).map((j) => j.params)).toEqual([5, 3, 1]);
        expect((await s.jobs.list({ beforeId: ids[3]!, limit: 2 })).map((j) => j.params)).toEqual([2, 1]);
        expect(codeOf(await caught(() => s.jobs.list({ limit: 0 })))).toBe('invalid_query');
        expect(await s.jobs.prune({ keep: 1 })).toBe(2);
        expect((await s.jobs.list()).map((j) => j.params)).toEqual([5, 4, 3, 2]);
      });

      it('survives a reopen (what the runner resumes from)', async () => {
        const { store: s, location } = await openStore();
        const j = await s.jobs.create({ kind: 'retention' });
        await s.jobs.update(j.id, { state: 'running', cursor: { step: 1 } });
        await s.close();
        const s2 = await fresh({ location });
        expect(await s2.jobs.list({ states: ['running'] })).toMatchObject([
          { id: j.id, kind: 'retention', cursor: { step: 1 } },
        ]);
      });
    });

    describe('saved views', () => {
      it('saves by name (a second save replaces the state), lists by name, deletes, validates, survives a reopen', async () => {
        let t = 1_000;
        const { store: s, location } = await openStore({ now: () => t });
        const a = await s.savedViews.save('Week by key', { range: '7d', tab: 'key' });
        t = 2_000;
        await s.savedViews.save('All failures', { status: 'failure' });
        t = 3_000;
        const a2 = await s.savedViews.save(' Week by key ', { range: '7d', tab: 'key', sort: 'cost' });
        expect(a2).toMatchObject({ id: a.id, createdMs: 1_000, updatedMs: 3_000, state: { range: '7d', tab: 'key', sort: 'cost' } });
        expect((await s.savedViews.list()).map((v) => v.name)).toEqual(['All failures', 'Week by key']);
        expect(codeOf(await caught(() => s.savedViews.save('  ', {})))).toBe('invalid_query');
        expect(codeOf(await caught(() => s.savedViews.save('x'.repeat(81), {})))).toBe('invalid_query');
        await s.close();
        const s2 = await fresh({ location });
        const views = await s2.savedViews.list();
        expect(views).toHaveLength(2);
        expect(await s2.savedViews.delete(views[0]!.id)).toBe(true);
        expect(await s2.savedViews.delete(views[0]!.id)).toBe(false);
        expect((await s2.savedViews.list()).map((v) => v.name)).toEqual(['Week by key']);
      });
    });
  });
}
