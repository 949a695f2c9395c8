// The account pool: the same assertions on SQLite and Postgres (order, nulls, thinning, dedup of issues).
import { describe, expect, it } from 'vitest';
import type { PgStoreRepositories } from '../../src/index';
import type { SuiteOpenOptions } from './repository-suite';

const H = 3_600_000;
const DAY = 24 * H;
const T0 = Date.UTC(2026, 10, 16, 10, 0);

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
const win = (used: number | null, at: number, extra: { window?: string; resetAtMs?: number | null; windowSeconds?: number | null } = {}) => ({
  window: extra.window ?? '5h',
  usedPercent: used,
  remainingPercent: used === null ? null : 100 - used,
  resetAtMs: extra.resetAtMs === undefined ? T0 + 5 * H : extra.resetAtMs,
  windowSeconds: extra.windowSeconds === undefined ? 18000 : extra.windowSeconds,
  source: 'inspection' as const,
  observedAtMs: at,
});
const issue = (authIndex: string, kind: 'unauthorized' | 'exhausted', detail: string, fileName: string | null = null) => ({
  authIndex,
  fileName,
  provider: 'codex',
  issue: kind,
  detail,
});

export function definePoolCases(fresh: (opts?: SuiteOpenOptions) => Promise<PgStoreRepositories>): void {
  describe('pool', () => {
    it('syncs accounts, marks missing ones deleted and brings a returning one back', async () => {
      let t = T0;
      const { pool } = await fresh({ now: () => t });
      expect(await pool.syncAccounts([acc(1), acc(2), acc(3)])).toEqual({ upserted: 3, missing: 0 });
      t += 1000;
      expect(await pool.syncAccounts([acc(1, true), acc(3)])).toEqual({ upserted: 2, missing: 1 });
      expect((await pool.listAccounts()).map((a) => [a.authIndex, a.disabled])).toEqual([
        ['idx1', true],
        ['idx3', false],
      ]);
      expect((await pool.listAccounts({ includeDeleted: true })).map((a) => a.authIndex)).toEqual(['idx1', 'idx2', 'idx3']);
      expect(await pool.getAccount('idx2')).toEqual({
        authIndex: 'idx2', fileName: 'codex-2.json', provider: 'codex', email: 'u2@x.test', plan: 'plus',
        chatgptAccountId: 'acc-2', disabled: false, cpaStatus: 'active', statusMessage: null,
        lastInspectionMs: null, lastResult: null, syncedMs: T0, deletedMs: T0 + 1000,
      });
      expect(await pool.getAccount('nope')).toBeUndefined();
      await pool.setAccountDisabled('idx3', true);
      expect((await pool.getAccount('idx3'))?.disabled).toBe(true);
      t += 1000;
      // A repeated auth_index in one sync: the later snapshot wins.
      await pool.syncAccounts([acc(2), { ...acc(2), email: 'later@x.test' }]);
      expect(await pool.getAccount('idx2')).toMatchObject({ email: 'later@x.test', deletedMs: null, syncedMs: T0 + 2000 });
      expect((await pool.listAccounts()).map((a) => a.authIndex)).toEqual(['idx2']);
    });

    it('keeps the newest window and a thinned, bounded history', async () => {
      let t = T0;
      const { pool } = await fresh({ now: () => t });
      await pool.recordWindows('idx1', [win(10, t)]);
      await pool.recordWindows('idx1', [win(10.2, t + 1000)]); // same value within 5 min: no history row
      await pool.recordWindows('idx1', [win(30, t + 2000)]);
      await pool.recordWindows('idx1', [win(5, t - 1000)]); // an older observation never overwrites the current one
      expect((await pool.windows('idx1'))[0]!.usedPercent).toBe(30);
      // ...but it is history (late traffic evidence), in time order.
      expect((await pool.windowHistory('idx1', 0)).map((p) => p.usedPercent)).toEqual([5, 10, 30]);
      expect((await pool.windowHistory('idx1', t)).map((p) => p.tMs)).toEqual([t, t + 2000]);
      // Far too old (beyond the 5-minute gap behind the last point): not history either.
      await pool.recordWindows('idx1', [win(50, t - 10 * 60_000)]);
      // A null reading updates the window but is never history.
      await pool.recordWindows('idx1', [win(null, t + 3000, { windowSeconds: null })]);
      expect(await pool.windows('idx1')).toEqual([
        { window: '5h', usedPercent: null, remainingPercent: null, resetAtMs: T0 + 5 * H, windowSeconds: 18000, source: 'inspection', observedAtMs: t + 3000 },
      ]);
      expect(await pool.windowHistory('idx1', 0)).toHaveLength(3);
      // After the gap the same value is recorded again; a new cycle (reset moved) at once.
      await pool.recordWindows('idx1', [win(30, t + 6 * 60_000)]);
      await pool.recordWindows('idx1', [win(30, t + 6 * 60_000 + 1000, { resetAtMs: T0 + 10 * H })]);
      expect((await pool.windowHistory('idx1', 0)).map((p) => [p.usedPercent, p.resetAtMs])).toEqual([
        [5, T0 + 5 * H],
        [10, T0 + 5 * H],
        [30, T0 + 5 * H],
        [30, T0 + 5 * H],
        [30, T0 + 10 * H],
      ]);
      t += 20 * DAY;
      expect((await pool.prune()).history).toBe(5);
      expect(await pool.windowHistory('idx1', 0)).toEqual([]);
    });

    it('records windows of many accounts at once; reads them all, history and buckets in order', async () => {
      const t = T0;
      const { pool } = await fresh({ now: () => t });
      await pool.syncAccounts([acc(1), acc(2), { ...acc(3), provider: 'claude', plan: null }]);
      await pool.recordWindowsBatch([
        { authIndex: 'idx2', windows: [win(50, t)] },
        { authIndex: 'idx1', windows: [win(20, t, { window: '7d', resetAtMs: null }), win(10, t)] },
        // The same account and window twice in one batch: applied in order, the newer observation wins.
        { authIndex: 'idx1', windows: [win(30, t + 2000)] },
        { authIndex: 'idx3', windows: [win(40, t + H)] },
        { authIndex: 'idx9', windows: [win(90, t)] }, // not a synced account: no bucket
      ]);
      const all = await pool.allWindows();
      expect([...all.keys()]).toEqual(['idx1', 'idx2', 'idx3', 'idx9']);
      expect(all.get('idx1')!.map((w) => [w.window, w.usedPercent, w.resetAtMs])).toEqual([
        ['5h', 30, T0 + 5 * H],
        ['7d', 20, null],
      ]);
      expect((await pool.windows('idx1')).map((w) => w.window)).toEqual(['5h', '7d']);
      expect((await pool.historySince(t + 1)).map((p) => [p.authIndex, p.usedPercent, p.tMs])).toEqual([
        ['idx1', 30, t + 2000],
        ['idx3', 40, t + H],
      ]);
      expect(await pool.historyBuckets(0, H)).toEqual([
        { provider: 'codex', plan: 'plus', accounts: 2, window: '5h', tMs: T0, remainingPercent: 70 },
        { provider: 'codex', plan: 'plus', accounts: 1, window: '7d', tMs: T0, remainingPercent: 80 },
        { provider: 'claude', plan: null, accounts: 1, window: '5h', tMs: T0 + H, remainingPercent: 60 },
      ]);
      const starts = await pool.cycleStarts(0);
      expect(starts.get('idx1\u00005h')).toEqual({ tMs: t, usedPercent: 10, resetAtMs: T0 + 5 * H });
      expect(starts.get('idx1\u00007d')).toEqual({ tMs: t, usedPercent: 20, resetAtMs: null });
      expect(starts.size).toBe(5);
      expect((await pool.cycleStarts(t + 1)).get('idx1\u00005h')).toEqual({ tMs: t + 2000, usedPercent: 30, resetAtMs: T0 + 5 * H });
    });

    it('runs, results, issues (deduplicated), actions (paged) and ownership', async () => {
      const t = T0;
      const { pool } = await fresh({ now: () => t });
      await pool.syncAccounts([acc(1)]);
      const run = await pool.createRun({ trigger: 'manual', total: 1, dryRun: false });
      expect(run).toEqual({
        id: run.id, trigger: 'manual', state: 'running', startedAtMs: t, finishedAtMs: null, total: 1, done: 0, dryRun: false,
        counts: { ok: 0, unauthorized: 0, exhausted: 0, banned: 0, error: 0 }, error: null, upstream: null,
      });
      await pool.addResults([{ runId: run.id, authIndex: 'idx1', fileName: 'codex-1.json', provider: 'codex', result: 'exhausted', httpStatus: 429, detail: 'x', windows: [], suggestedAction: 'disable', atMs: t }]);
      const done = await pool.updateRun(run.id, { done: 1, counts: { ok: 0, unauthorized: 0, exhausted: 1, banned: 0, error: 0 }, state: 'done' });
      expect(done).toMatchObject({ state: 'done', done: 1, finishedAtMs: t, counts: { exhausted: 1 } });
      expect((await pool.listResults(run.id, { result: 'exhausted', limit: 10, offset: 0 })).total).toBe(1);
      expect(await pool.getAccount('idx1')).toMatchObject({ lastResult: 'exhausted', lastInspectionMs: t });

      const a = await pool.upsertIssue(issue('idx1', 'unauthorized', 'one', 'codex-1.json'));
      const b = await pool.upsertIssue(issue('idx1', 'unauthorized', 'two'));
      expect(b).toEqual({ ...a, count: 2, detail: 'two', fileName: 'codex-1.json' });
      await pool.setIssueState(a.id, 'resolved');
      expect((await pool.upsertIssue(issue('idx1', 'unauthorized', 'three'))).id).not.toBe(a.id);
      await pool.upsertIssue(issue('idx1', 'exhausted', 'quota'));
      await pool.upsertIssue(issue('idx2', 'exhausted', 'quota'));
      expect(await pool.openIssueCounts()).toEqual(new Map([['idx1', 2], ['idx2', 1]]));
      expect(await pool.openIssueCounts(['unauthorized', 'expired', 'banned'])).toEqual(new Map([['idx1', 1]]));
      expect(await pool.openIssueCounts(['exhausted'])).toEqual(new Map([['idx1', 1], ['idx2', 1]]));
      expect(await pool.openIssueCounts([])).toEqual(new Map());

      for (let i = 0; i < 5; i++) await pool.logAction({ authIndex: 'idx1', fileName: null, action: 'disable', actor: 'cpamp', reason: `r${i}`, dryRun: false, ok: true, error: null });
      await pool.logAction({ authIndex: 'idx2', fileName: 'f', action: 'enable', actor: 'user', reason: 'x', dryRun: true, ok: false, error: 'boom' });
      const first = await pool.listActions({ limit: 2, authIndex: 'idx1' });
      expect(first.map((x) => x.reason)).toEqual(['r4', 'r3']);
      expect((await pool.listActions({ limit: 2, beforeId: first[1]!.id })).map((x) => x.reason)).toEqual(['r2', 'r1']);
      const [latest] = await pool.listActions({ limit: 1 });
      expect(latest).toEqual({ id: latest!.id, atMs: t, authIndex: 'idx2', fileName: 'f', action: 'enable', actor: 'user', reason: 'x', dryRun: true, ok: false, error: 'boom' });

      await pool.setOwnership({ authIndex: 'idx1', fileName: 'codex-1.json', provider: 'codex', kind: 'quota', reason: 'limit', window: '5h', disabledAtMs: t, recoverAtMs: t + H });
      expect(await pool.listOwnership()).toHaveLength(1);
      expect(await pool.dropOwnership('idx1')).toBe(true);
      expect(await pool.dropOwnership('idx1')).toBe(false);
      expect(await pool.getOwnership('idx1')).toBeUndefined();
    });

    it('an ignored issue stays ignored; re-opening one resolves its twin; resolveIssuesOf takes only open ones', async () => {
      let t = T0;
      const { pool } = await fresh({ now: () => t });
      const a = await pool.upsertIssue(issue('idx1', 'unauthorized', 'one'));
      expect(await pool.setIssueState(a.id, 'ignored')).toMatchObject({ id: a.id, state: 'ignored' });
      t += 10;
      expect(await pool.upsertIssue(issue('idx1', 'unauthorized', 'again'))).toMatchObject({
        id: a.id, state: 'ignored', count: 2, firstSeenMs: T0, lastSeenMs: T0 + 10, detail: 'again',
      });
      expect(await pool.openIssueCounts()).toEqual(new Map());
      const ex = await pool.upsertIssue(issue('idx1', 'exhausted', 'quota'));
      expect((await pool.resolveIssuesOf('idx1')).map((i) => [i.id, i.state])).toEqual([[ex.id, 'resolved']]);
      expect((await pool.getIssue(a.id))?.state).toBe('ignored');
      // Resolve the ignored one, let a new one open, then re-open the old one: the new one is resolved.
      await pool.setIssueState(a.id, 'resolved');
      const c = await pool.upsertIssue(issue('idx1', 'unauthorized', 'new'));
      expect(c.id).not.toBe(a.id);
      expect(await pool.setIssueState(a.id, 'open')).toMatchObject({ id: a.id, state: 'open' });
      expect((await pool.getIssue(c.id))?.state).toBe('resolved');
      expect(await pool.setIssueState(9999, 'open')).toBeUndefined();
      const d = await pool.upsertIssue(issue('idx1', 'exhausted', 'again'));
      expect(await pool.resolveIssuesOf('idx1', ['banned'])).toEqual([]);
      expect(await pool.resolveIssuesOf('idx1', [])).toEqual([]);
      expect((await pool.resolveIssuesOf('idx1', ['exhausted', 'unauthorized'])).map((i) => i.id)).toEqual([a.id, d.id]);
      expect((await pool.listIssues('resolved')).map((i) => i.id)).toEqual([d.id, c.id, ex.id, a.id]);
      expect((await pool.listIssues(undefined, 2)).map((i) => i.id)).toEqual([d.id, c.id]);
    });

    it('pages results, keeps the last result per account, interrupts and prunes runs', async () => {
      let t = T0;
      const { pool } = await fresh({ now: () => t });
      await pool.syncAccounts([acc(1), acc(2)]);
      const r1 = await pool.createRun({ trigger: 'schedule', total: 2, dryRun: true });
      const result = (authIndex: string, kind: 'ok' | 'exhausted', atMs: number) => ({
        runId: r1.id, authIndex, fileName: null, provider: 'codex', result: kind, httpStatus: kind === 'ok' ? 200 : null,
        detail: kind, windows: kind === 'ok' ? [win(1, atMs)] : [], suggestedAction: 'none' as const, atMs,
      });
      await pool.addResults([result('idx1', 'ok', t), result('idx1', 'exhausted', t + 1), result('idx2', 'ok', t + 2)]);
      expect(await pool.getAccount('idx1')).toMatchObject({ lastResult: 'exhausted', lastInspectionMs: t + 1 });
      const page = await pool.listResults(r1.id, { limit: 1, offset: 1 });
      expect(page.total).toBe(3);
      expect(page.items).toEqual([{ ...result('idx1', 'exhausted', t + 1), httpStatus: null, windows: [] }]);
      expect((await pool.listResults(r1.id, { result: 'ok', limit: 10, offset: 0 })).items.map((r) => r.authIndex)).toEqual(['idx2', 'idx1']);
      expect((await pool.resultsFor('idx1', 10)).map((r) => r.result)).toEqual(['exhausted', 'ok']);
      expect((await pool.resultsFor('idx1', 10))[1]!.windows).toEqual([win(1, t)]);
      expect(await pool.updateRun(r1.id, { total: 3, error: 'partial', state: 'failed' })).toMatchObject({ total: 3, error: 'partial', dryRun: true, trigger: 'schedule' });
      t += 1000;
      const r2 = await pool.createRun({ trigger: 'manual', total: 0, dryRun: false });
      const r3 = await pool.createRun({ trigger: 'manual', total: 0, dryRun: false });
      expect(await pool.interruptRunningRuns()).toBe(2);
      expect(await pool.getRun(r3.id)).toMatchObject({ state: 'failed', error: 'interrupted by a restart', finishedAtMs: t });
      expect(await pool.getRun(9999)).toBeUndefined();
      expect((await pool.listRuns(2)).map((r) => r.id)).toEqual([r3.id, r2.id]);
      await pool.createRun({ trigger: 'manual', total: 0, dryRun: false }); // still running: never pruned
      expect(await pool.prune({ keepRuns: 2 })).toEqual({ history: 0, runs: 2, actions: 0, issues: 0 });
      expect((await pool.listRuns(10)).map((r) => r.id)).not.toContain(r1.id);
      expect(await pool.listResults(r1.id, { limit: 10, offset: 0 })).toEqual({ items: [], total: 0 });
    });

    it('prunes old actions, old resolved issues and history beyond its row cap', async () => {
      let t = T0;
      const { pool } = await fresh({ now: () => t });
      await pool.logAction({ authIndex: 'idx1', fileName: null, action: 'delete', actor: 'user', reason: 'old', dryRun: false, ok: true, error: null });
      const old = await pool.upsertIssue(issue('idx1', 'exhausted', 'q'));
      await pool.setIssueState(old.id, 'resolved');
      await pool.upsertIssue(issue('idx2', 'exhausted', 'still open'));
      for (let i = 0; i < 4; i++) await pool.recordWindows('idx1', [win(i * 10, t + i)]);
      t += 40 * DAY;
      await pool.logAction({ authIndex: 'idx1', fileName: null, action: 'delete', actor: 'user', reason: 'new', dryRun: false, ok: true, error: null });
      await pool.recordWindows('idx1', [win(90, t)]);
      await pool.recordWindows('idx1', [win(95, t + 10 * 60_000)]);
      expect(await pool.prune({ historyDays: 60, historyMaxRows: 3, actionDays: 30 })).toEqual({ history: 3, runs: 0, actions: 1, issues: 1 });
      expect((await pool.historySince(0)).map((p) => p.usedPercent)).toEqual([30, 90, 95]);
      expect((await pool.listActions({ limit: 10 })).map((a) => a.reason)).toEqual(['new']);
      expect((await pool.listIssues()).map((i) => i.detail)).toEqual(['still open']);
    });

    it('keeps the first disable time of an owned disable and links identities (a re-link moves the index)', async () => {
      let t = T0;
      const { pool } = await fresh({ now: () => t });
      const o = { authIndex: 'idx2', fileName: 'b.json', provider: 'codex', kind: 'quota' as const, reason: 'r1', window: '5h', disabledAtMs: 5, recoverAtMs: null };
      expect(await pool.setOwnership(o)).toEqual({ ...o, updatedAtMs: T0 });
      t += 1;
      expect(await pool.setOwnership({ ...o, kind: 'auth-issue', reason: 'r2', window: null, disabledAtMs: 9, recoverAtMs: 50 })).toEqual({
        ...o, kind: 'auth-issue', reason: 'r2', window: null, disabledAtMs: 5, recoverAtMs: 50, updatedAtMs: T0 + 1,
      });
      await pool.setOwnership({ ...o, authIndex: 'idx1', disabledAtMs: 7 });
      expect((await pool.listOwnership()).map((x) => x.authIndex)).toEqual(['idx2', 'idx1']);

      expect(await pool.identities()).toEqual(new Map());
      await pool.linkIdentities([
        { authIndex: 'idx1', accountKey: 'k1', provider: 'codex' },
        { authIndex: 'idx2', accountKey: 'k1', provider: null },
        { authIndex: 'idx1', accountKey: 'k2', provider: 'codex' },
      ]);
      await pool.linkIdentities([]);
      expect(await pool.identities()).toEqual(new Map([['idx1', 'k2'], ['idx2', 'k1']]));
    });
  });
}
