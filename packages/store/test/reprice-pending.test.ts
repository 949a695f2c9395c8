// SQLite chunked re-pricing holds its rollup deltas until it writes them in slices (events/reprice-pending.ts).
// A store closed mid-job writes them at close; a process that stopped before writing them left the range in
// settings, and the next open rebuilds that range's rollups from raw events. Either way every view afterwards
// equals the raw-event answer (an upstream filter forces the raw path).
import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import type { AnalyticsFilter, Store, UsageEventInput } from '../src/index';
import { REPRICE_PENDING_KEY } from '../src/events/reprice-pending';
import { REPRICE_IDLE_MS } from '../src/events/event-reprice-chunk';
import { hash } from './helpers/events';
import { scaleEvents, skKeys, twoModels, TWO_PROVIDERS } from './helpers/scale-events';
import { tempStores } from './helpers/temp-stores';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 7, 1);
const NOW = T0 + 40 * DAY;
const temp = tempStores();

/** One event every 53 minutes over 30 days: three keys, four accounts, two models. */
const events = (): UsageEventInput[] =>
  scaleEvents(815, {
    start: T0,
    stepMs: 53 * 60_000,
    models: twoModels('claude-x'),
    providers: TWO_PROVIDERS,
    keys: skKeys(3),
    accounts: 4,
    tokens: 'cycling',
  });

function open(path: string): Promise<Store> {
  return temp.open({ path, now: () => NOW, foldIntervalMs: 0, cacheSnapshot: false });
}

/** Views the tiers answer (keys, accounts, models over days, span blocks) equal the raw answer. */
async function expectExact(s: Store, what: string): Promise<void> {
  const f: AnalyticsFilter = { from: T0 + 5 * 3_600_000, to: T0 + 33 * DAY };
  const raw = { ...f, upstream: 'default' };
  const same = <T extends object>(a: T): T => ({ ...a, source: 'x' });
  for (const by of ['model', 'key', 'account'] as const) {
    const tier = await s.analytics.breakdown(f, { by });
    expect(tier.source).not.toBe('events');
    expect(same(tier), `${what} by ${by}`).toEqual(same(await s.analytics.breakdown(raw, { by })));
  }
  const keyed = { ...f, apiKeyHash: hash('sk-key-1') };
  expect(same(await s.analytics.breakdown(keyed, { by: 'model' })), `${what} key × model`).toEqual(
    same(await s.analytics.breakdown({ ...keyed, upstream: 'default' }, { by: 'model' })),
  );
  expect(same(await s.analytics.heatmap(keyed, { timeZone: 'Asia/Shanghai' })), `${what} heatmap`).toEqual(
    same(await s.analytics.heatmap({ ...keyed, upstream: 'default' }, { timeZone: 'Asia/Shanghai' })),
  );
}

/** A folded store and a price change whose re-pricing is stopped after a few chunks (deltas still pending). */
async function halfRepriced(): Promise<{ path: string; s: Store }> {
  const path = temp.path('cpamp-reprice-pending-', 'store.sqlite');
  const s = await open(path);
  await s.prices.apply('gpt-5', { input: 1, output: 10, cacheRead: 0.1 }, { effectiveFrom: null });
  await s.insertBatch(events());
  await s.maintenance.foldRollups();
  await s.prices.apply('gpt-5', { input: 3, output: 7, cacheRead: 0.2 }, { effectiveFrom: T0 + 6 * DAY });
  await s.prices.apply('claude-x', { input: 2, output: 5, cacheRead: 0.2 }, { effectiveFrom: null });
  let afterId = 0;
  for (let i = 0; i < 4; i++) {
    const r = await s.events.repriceChunk({
      models: ['gpt-5', 'claude-x'],
      fromMs: null,
      afterId,
      span: 150,
    });
    expect(r.done).toBe(false);
    afterId = r.lastId;
  }
  return { path, s };
}

const marker = (path: string): unknown => {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(REPRICE_PENDING_KEY);
  } finally {
    db.close();
  }
};

describe('chunked re-pricing: pending rollup deltas', () => {
  it('are written at close when a job stops between chunks', async () => {
    const { path, s } = await halfRepriced();
    expect(marker(path)).toBeDefined();
    await s.close();
    expect(marker(path)).toBeUndefined();
    await expectExact(await open(path), 'after close');
  });

  it('left by a cancelled job are written by the fold tick once no chunk came for a while', async () => {
    const { path, s } = await halfRepriced();
    await s.close();
    // The same state, opened with the background fold on and a clock the test moves.
    let clock = NOW;
    const again = await temp.open({ path, now: () => clock, foldIntervalMs: 20, cacheSnapshot: false });
    await again.prices.apply('gpt-5', { input: 5, output: 9, cacheRead: 0.3 }, { effectiveFrom: null });
    let afterId = 0;
    for (let i = 0; i < 3; i++)
      afterId = (await again.events.repriceChunk({ models: ['gpt-5'], fromMs: null, afterId, span: 150 }))
        .lastId;
    expect(marker(path)).toBeDefined();
    // While the job might still come back the deltas stay (the tick's own check); past the idle time the
    // background fold tick writes them.
    clock += REPRICE_IDLE_MS - 1000;
    const idle = again.events as unknown as { flushRepricingIfIdle(nowMs: number): Promise<boolean> };
    expect(await idle.flushRepricingIfIdle(clock)).toBe(false);
    expect(marker(path)).toBeDefined();
    clock += 2000;
    await vi.waitFor(() => expect(marker(path)).toBeUndefined(), { timeout: 10_000, interval: 20 });
    await expectExact(again, 'after the idle flush');
  });

  it('lost by a stopped process: the next open rebuilds their range from raw events', async () => {
    const { path, s } = await halfRepriced();
    await s.close();
    // What a crash leaves: events with their new cost, rollups without the deltas (here: off by a constant),
    // and the range in settings.
    const db = new Database(path);
    for (const t of ['rollup_day_key', 'rollup_hour_account', 'rollup_day_key_model', 'rollup_span_key'])
      db.prepare(`UPDATE ${t} SET cost = cost + 1234567`).run();
    db.prepare('INSERT INTO settings(key, value, updated_ms) VALUES (?, ?, 0)').run(
      REPRICE_PENDING_KEY,
      JSON.stringify({ from: T0, to: T0 + 31 * DAY }),
    );
    db.close();
    const again = await open(path);
    expect(marker(path)).toBeUndefined();
    await expectExact(again, 'after the repair');
    // The job resumes and finishes: still exact.
    for (let afterId = 0, done = false; !done;) {
      const r = await again.events.repriceChunk({ models: null, fromMs: null, afterId, span: 300 });
      afterId = r.lastId;
      done = r.done;
    }
    await expectExact(again, 'after the job');
  });
});
