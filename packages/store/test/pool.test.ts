import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/index';

const H = 3_600_000;
let t = Date.UTC(2026, 10, 16, 10, 0);
let store: Store | null = null;
afterEach(async () => {
  await store?.close();
  store = null;
});

const acc = (i: number, disabled = false) => ({
  authIndex: `idx${i}`,
  fileName: `codex-${i}.json`,
  provider: 'codex',
  email: `u${i}@x.test`,
  plan: 'plus',
  chatgptAccountId: `acc-${i}`,
  disabled,
  cpaStatus: disabled ? 'disabled' : 'active',
  statusMessage: null,
});

describe('pool repository', () => {
  it('syncs accounts and marks missing ones deleted', async () => {
    store = await openStore({ path: ':memory:', now: () => t });
    const pool = store.pool;
    expect(await pool.syncAccounts([acc(1), acc(2)])).toEqual({ upserted: 2, missing: 0 });
    t += 1000;
    expect((await pool.syncAccounts([acc(1, true)])).missing).toBe(1);
    expect((await pool.listAccounts()).map((a) => [a.authIndex, a.disabled])).toEqual([['idx1', true]]);
    expect((await pool.getAccount('idx2'))?.deletedMs).toBe(t);
  });

  it('keeps the newest window and a thinned, bounded history', async () => {
    store = await openStore({ path: ':memory:', now: () => t });
    const pool = store.pool;
    const w = (used: number, at: number) => ({ window: '5h', usedPercent: used, remainingPercent: 100 - used, resetAtMs: t + 5 * H, windowSeconds: 18000, source: 'inspection' as const, observedAtMs: at });
    await pool.recordWindows('idx1', [w(10, t)]);
    await pool.recordWindows('idx1', [w(10.2, t + 1000)]); // same value within 5 min: no history row
    await pool.recordWindows('idx1', [w(30, t + 2000)]);
    await pool.recordWindows('idx1', [w(5, t - 1000)]); // older observation never overwrites the current one
    expect((await pool.windows('idx1'))[0]!.usedPercent).toBe(30);
    // ...but it is history (late traffic evidence), in time order.
    expect((await pool.windowHistory('idx1', 0)).map((p) => p.usedPercent)).toEqual([5, 10, 30]);
    t += 20 * 24 * H;
    expect((await pool.prune()).history).toBe(3);
  });

  it('runs, results, issues (deduplicated), actions (paged) and ownership', async () => {
    store = await openStore({ path: ':memory:', now: () => t });
    const pool = store.pool;
    await pool.syncAccounts([acc(1)]);
    const run = await pool.createRun({ trigger: 'manual', total: 1, dryRun: false });
    await pool.addResults([{ runId: run.id, authIndex: 'idx1', fileName: 'codex-1.json', provider: 'codex', result: 'exhausted', httpStatus: 429, detail: 'x', windows: [], suggestedAction: 'disable', atMs: t }]);
    const done = await pool.updateRun(run.id, { done: 1, counts: { ok: 0, unauthorized: 0, exhausted: 1, banned: 0, error: 0 }, state: 'done' });
    expect(done).toMatchObject({ state: 'done', done: 1, finishedAtMs: t });
    expect((await pool.listResults(run.id, { result: 'exhausted', limit: 10, offset: 0 })).total).toBe(1);
    expect(await pool.getAccount('idx1')).toMatchObject({ lastResult: 'exhausted', lastInspectionMs: t });

    const a = await pool.upsertIssue({ authIndex: 'idx1', fileName: null, provider: 'codex', issue: 'unauthorized', detail: 'one' });
    const b = await pool.upsertIssue({ authIndex: 'idx1', fileName: null, provider: 'codex', issue: 'unauthorized', detail: 'two' });
    expect(b).toMatchObject({ id: a.id, count: 2, detail: 'two', state: 'open' });
    await pool.setIssueState(a.id, 'resolved');
    expect((await pool.upsertIssue({ authIndex: 'idx1', fileName: null, provider: 'codex', issue: 'unauthorized', detail: 'three' })).id).not.toBe(a.id);
    await pool.upsertIssue({ authIndex: 'idx1', fileName: null, provider: 'codex', issue: 'exhausted', detail: 'quota' });
    await pool.upsertIssue({ authIndex: 'idx2', fileName: null, provider: 'codex', issue: 'exhausted', detail: 'quota' });
    expect(await pool.openIssueCounts()).toEqual(new Map([['idx1', 2], ['idx2', 1]]));
    expect(await pool.openIssueCounts(['unauthorized', 'expired', 'banned'])).toEqual(new Map([['idx1', 1]]));
    expect(await pool.openIssueCounts(['exhausted'])).toEqual(new Map([['idx1', 1], ['idx2', 1]]));
    expect(await pool.openIssueCounts([])).toEqual(new Map());

    for (let i = 0; i < 5; i++) await pool.logAction({ authIndex: 'idx1', fileName: null, action: 'disable', actor: 'cpamp', reason: `r${i}`, dryRun: false, ok: true, error: null });
    const first = await pool.listActions({ limit: 2 });
    expect(first.map((x) => x.reason)).toEqual(['r4', 'r3']);
    expect((await pool.listActions({ limit: 2, beforeId: first[1]!.id })).map((x) => x.reason)).toEqual(['r2', 'r1']);

    await pool.setOwnership({ authIndex: 'idx1', fileName: 'codex-1.json', provider: 'codex', kind: 'quota', reason: 'limit', window: '5h', disabledAtMs: t, recoverAtMs: t + H });
    expect(await pool.listOwnership()).toHaveLength(1);
    expect(await pool.dropOwnership('idx1')).toBe(true);
    expect(await pool.getOwnership('idx1')).toBeUndefined();
  });

  it('reads header and failure evidence of usage rows after a watermark', async () => {
    store = await openStore({ path: ':memory:', now: () => t });
    const base = {
      requestId: 'abcd1234', provider: 'codex', executorType: 'codex', model: 'gpt-5', alias: 'gpt-5', endpoint: '/v1/responses',
      authType: 'oauth', authIndex: 'idx1', source: 'u1@x.test', apiKeyHash: '', apiKeyLabel: '', clientIp: '', userAgent: '',
      latencyMs: 10, ttftMs: 5, reasoningEffort: '', serviceTier: '', responseServiceTier: '', generate: true,
      inputTokens: 1, cacheReadTokens: 0, cacheCreationTokens: 0, outputTokens: 1, reasoningTokens: 0, unclassifiedTokens: 0, totalTokens: 2,
      tokenQuality: 'complete' as const,
    };
    const start = await store.events.maxId();
    await store.insertBatch([
      { ...base, dedupKey: 'a'.repeat(64), timestampMs: t, failed: false, statusCode: 200, failBody: '', rateLimitHeaders: { 'x-codex-primary-used-percent': '40' } },
      { ...base, dedupKey: 'b'.repeat(64), timestampMs: t + 1, failed: false, statusCode: 200, failBody: '' },
      { ...base, dedupKey: 'c'.repeat(64), timestampMs: t + 2, failed: true, statusCode: 429, failBody: '{"error":{"type":"usage_limit_reached"}}' },
    ]);
    const rows = await store.events.evidenceAfter(start, 10);
    expect(rows.map((r) => [r.authIndex, r.statusCode, r.failed, r.headers?.['x-codex-primary-used-percent'] ?? null])).toEqual([
      ['idx1', 200, false, '40'],
      ['idx1', 429, true, null],
    ]);
    expect(await store.events.evidenceAfter(rows[1]!.eventId, 10)).toEqual([]);
  });
});
