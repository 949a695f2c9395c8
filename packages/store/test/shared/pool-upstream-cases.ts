// The pool with several CPAs (issue #21 item 2), on both dialects: the event log's evidence rows name their
// CPA, and the pool keeps the same auth_index of two CPAs as two accounts (the server keys another CPA's
// account as `<upstream>~<auth_index>`, packages/server/src/pool/pool-key.ts).
import { describe, expect, it } from 'vitest';
import { upstreamDedupKey, type PgStoreRepositories } from '../../src/index';
import { makeEvent } from '../helpers/events';

const T0 = Date.UTC(2026, 10, 16, 10, 0);

const acc = (authIndex: string, email: string) => ({
  authIndex,
  fileName: 'codex-1.json',
  provider: 'codex',
  email,
  plan: 'plus',
  chatgptAccountId: null,
  disabled: false,
  cpaStatus: 'active',
  statusMessage: null,
});
const win = (used: number, at: number) => ({
  window: '5h',
  usedPercent: used,
  remainingPercent: 100 - used,
  resetAtMs: T0 + 3_600_000,
  windowSeconds: 18000,
  source: 'inspection' as const,
  observedAtMs: at,
});

export function definePoolUpstreamCases(
  fresh: (opts?: { now?: () => number }) => Promise<PgStoreRepositories>,
): void {
  describe('pool per CPA', () => {
    it('names the CPA of every evidence row; the same auth_index of two CPAs is two pool accounts', async () => {
      // A stopped clock: both syncs below happen "in the same millisecond" (a sync marked nothing missing then).
      const s = await fresh({ now: () => T0 });
      const start = await s.events.maxId();
      const limit = makeEvent({
        requestId: 'r1',
        authIndex: 'idx1',
        failed: true,
        statusCode: 429,
        failBody: '{"error":{"type":"usage_limit_reached"}}',
      });
      await s.insertBatch([
        limit,
        { ...limit, upstream: 'east', dedupKey: upstreamDedupKey('east', limit.dedupKey) },
      ]);
      const rows = await s.events.evidenceAfter(start, 10);
      expect(rows.map((r) => [r.authIndex, r.upstream, r.statusCode])).toEqual([
        ['idx1', 'default', 429],
        ['idx1', 'east', 429],
      ]);

      const pool = s.pool;
      expect(await pool.syncAccounts([acc('idx1', 'main@x.test'), acc('east~idx1', 'east@x.test')])).toEqual({
        upserted: 2,
        missing: 0,
      });
      await pool.recordWindows('idx1', [win(10, T0)]);
      await pool.recordWindows('east~idx1', [win(80, T0)]);
      await pool.setAccountDisabled('east~idx1', true);
      const listed = (await pool.listAccounts()).map((a) => [a.authIndex, a.email, a.disabled]).sort();
      expect(listed).toEqual([
        ['east~idx1', 'east@x.test', true],
        ['idx1', 'main@x.test', false],
      ]);
      expect((await pool.windows('east~idx1')).map((w) => w.usedPercent)).toEqual([80]);
      expect((await pool.windows('idx1')).map((w) => w.usedPercent)).toEqual([10]);
      // A sync that lists only one CPA's account marks the other deleted (the server re-submits a CPA it cannot read).
      expect(await pool.syncAccounts([acc('idx1', 'main@x.test')])).toEqual({ upserted: 1, missing: 1 });
    });

    it('inspection runs record their CPA; the list per CPA holds its runs and the runs over every CPA', async () => {
      const { pool } = await fresh({ now: () => T0 });
      const all = await pool.createRun({ trigger: 'schedule', total: 3, dryRun: false });
      const east = await pool.createRun({ trigger: 'manual', total: 1, dryRun: false, upstream: 'east' });
      const main = await pool.createRun({ trigger: 'manual', total: 2, dryRun: true, upstream: 'default' });
      expect([all.upstream, east.upstream, main.upstream]).toEqual([null, 'east', 'default']);
      const ids = (runs: { id: number }[]) => runs.map((r) => r.id);
      expect(ids(await pool.listRuns(10))).toEqual([main.id, east.id, all.id]);
      expect(ids(await pool.listRuns(10, { upstream: 'east' }))).toEqual([east.id, all.id]);
      expect(ids(await pool.listRuns(1, { upstream: 'default' }))).toEqual([main.id]);
      expect(ids(await pool.listRuns(10, { upstream: 'west' }))).toEqual([all.id]);
      // Updates keep it.
      expect((await pool.updateRun(east.id, { state: 'done', done: 1 })).upstream).toBe('east');
      expect((await pool.getRun(east.id))?.upstream).toBe('east');
    });

    it('splits the results of a run over every CPA by CPA (read off each pool key)', async () => {
      const s = await fresh({ now: () => T0 });
      const run = await s.pool.createRun({ trigger: 'manual', total: 4, dryRun: false });
      const result = (authIndex: string, kind: 'ok' | 'exhausted') => ({
        runId: run.id,
        authIndex,
        fileName: null,
        provider: 'codex',
        result: kind,
        httpStatus: 200,
        detail: kind,
        windows: [],
        suggestedAction: 'none' as const,
        atMs: T0,
      });
      await s.pool.addResults([
        result('idx1', 'ok'),
        result('east~idx1', 'exhausted'),
        result('east~idx2', 'ok'),
        result('west_2~idx1', 'ok'),
      ]);
      expect(await s.pool.resultCountsByUpstream(run.id)).toEqual([
        { upstream: 'default', result: 'ok', n: 1 },
        { upstream: 'east', result: 'exhausted', n: 1 },
        { upstream: 'east', result: 'ok', n: 1 },
        { upstream: 'west_2', result: 'ok', n: 1 },
      ]);
      const keys = async (opts: { upstream?: string; result?: 'ok' }) =>
        (await s.pool.listResults(run.id, { limit: 10, offset: 0, ...opts })).items.map((r) => r.authIndex);
      expect(await keys({ upstream: 'east' })).toEqual(['east~idx2', 'east~idx1']);
      expect(await keys({ upstream: 'default' })).toEqual(['idx1']);
      expect(await keys({ upstream: 'east', result: 'ok' })).toEqual(['east~idx2']);
      expect(await keys({ upstream: 'nowhere' })).toEqual([]);
      expect((await s.pool.listResults(run.id, { limit: 1, offset: 0, upstream: 'east' })).total).toBe(2);
    });
  });
}
