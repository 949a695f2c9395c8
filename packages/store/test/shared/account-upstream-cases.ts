// Several CPAs, by-account views from the (account, CPA) pairs (analytics/account-cpas.ts): accounts on one CPA come
// from the unsplit view (rollups over long ranges) tagged with their CPA, only accounts on two or more CPAs from
// raw events split by CPA. Every view must equal the raw split exactly, which here is the union of the same view
// filtered by each CPA (an upstream filter always reads raw events). Both dialects; on SQLite once from the warm
// column cache and once from SQL (a cache window that holds none of the range: rollups plus raw edges).
import { describe, expect, it } from 'vitest';
import { upstreamDedupKey, type PgStoreRepositories, type UsageEventInput } from '../../src/index';
import { makeEvent } from '../helpers/events';
import { H, T0 } from './dataset';
import { warmIfCached } from '../helpers/warm-cache';

const DAY = 24 * H;
const CPAS = ['default', 'east', 'west'];

/**
 * acc1 on default and east (the collision), acc2 and acc5 on east, acc3 on default, acc4 on west: one event every
 * 5 h 7 min over ~12 days, two models, some failures.
 */
function traffic(): UsageEventInput[] {
  const plan: [string, string][] = [
    ['default', 'acc1'],
    ['east', 'acc1'],
    ['east', 'acc2'],
    ['default', 'acc3'],
    ['west', 'acc4'],
    ['east', 'acc5'],
    ['east', 'acc2'],
  ];
  return Array.from({ length: 56 }, (_, i) => {
    const [upstream, authIndex] = plan[i % plan.length]!;
    const e = makeEvent({
      dedupKey: `au-${i}`.padEnd(32, '0'),
      requestId: `au${i}`,
      timestampMs: T0 + i * (5 * H + 7 * 60_000),
      authIndex,
      model: i % 3 === 0 ? 'claude-x' : 'gpt-5',
      provider: i % 3 === 0 ? 'claude' : 'codex',
      failed: i % 9 === 0,
      statusCode: i % 9 === 0 ? 502 : 200,
      inputTokens: 100 + i,
      outputTokens: 10 + i,
    });
    return upstream === 'default' ? e : { ...e, upstream, dedupKey: upstreamDedupKey(upstream, e.dedupKey) };
  });
}


type Row = [string, string | undefined, number, number, number, number, number];
const sorted = (rows: Row[]) => [...rows].sort((a, b) => `${a[0]}~${a[1]}`.localeCompare(`${b[0]}~${b[1]}`));

export function defineAccountUpstreamCases(
  fresh: (opts?: { columnCacheMaxEvents?: number }) => Promise<PgStoreRepositories>,
): void {
  describe('by-account views from the accounts per CPA', () => {
    const check = async (s: PgStoreRepositories, range: { from: number; to: number }, extra = {}) => {
      const f = { ...range, ...extra };
      const rowsOf = async (filter: typeof f & { upstream?: string }) =>
        (await s.analytics.breakdown(filter, { by: 'account', sort: 'name', limit: 100 })).rows.map(
          (r): Row => [
            r.name,
            r.upstream,
            r.requests,
            r.failures,
            r.tokens.input,
            r.costMicros,
            r.lastSeenMs,
          ],
        );
      const raw: Row[] = [];
      for (const upstream of CPAS)
        raw.push(
          ...(await rowsOf({ ...f, upstream })).map((r): Row => [r[0], upstream, ...r.slice(2)] as Row),
        );
      const split = await rowsOf(f);
      expect(sorted(split)).toEqual(sorted(raw));
      expect(split.length).toBeGreaterThan(0);

      const opts = async (filter: typeof f & { upstream?: string }) =>
        (await s.analytics.filterOptions(filter)).accounts.map((o) => [o.authIndex, o.upstream, o.count]);
      const rawOpts: unknown[][] = [];
      for (const upstream of CPAS)
        rawOpts.push(...(await opts({ ...f, upstream })).map((o) => [o[0], upstream, o[2]]));
      const key = (x: unknown[]) => `${String(x[0])}~${String(x[1])}`;
      expect((await opts(f)).sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
        rawOpts.sort((a, b) => key(a).localeCompare(key(b))),
      );

      const cells = async (filter: typeof f & { upstream?: string }) =>
        (await s.analytics.matrix(filter, { by: 'account', rows: 50, columns: 10 })).rows.map((r) => [
          r.name,
          r.upstream,
          r.total.requests,
          r.total.failures,
          r.total.tokens,
          r.total.costMicros,
        ]);
      const rawCells: unknown[][] = [];
      for (const upstream of CPAS)
        rawCells.push(...(await cells({ ...f, upstream })).map((c) => [c[0], upstream, ...c.slice(2)]));
      const byCell = (a: unknown[], b: unknown[]) => JSON.stringify(a).localeCompare(JSON.stringify(b));
      expect((await cells(f)).sort(byCell)).toEqual(rawCells.sort(byCell));
      return split;
    };

    const run = async (opts: { columnCacheMaxEvents?: number }) => {
      // No account on two CPAs: every by-account view comes from the unsplit one.
      const apart = await fresh(opts);
      await apart.insertBatch(traffic().filter((e) => !(e.authIndex === 'acc1' && !e.upstream)));
      await warmIfCached(apart);
      const rows = await check(apart, { from: T0, to: T0 + 13 * DAY });
      expect(rows.map((r) => `${r[0]}~${r[1]}`)).toEqual([
        'acc1~east',
        'acc2~east',
        'acc3~default',
        'acc4~west',
        'acc5~east',
      ]);
      await check(apart, { from: T0 + 3 * H + 1, to: T0 + 11 * DAY - 5 * H });

      const s = await fresh(opts);
      await s.insertBatch(traffic());
      await warmIfCached(s);
      // Whole days (daily rollups), ragged edges (raw edges), one day, and an account filter.
      const all = await check(s, { from: T0, to: T0 + 13 * DAY });
      expect(
        all
          .filter((r) => r[0] === 'acc1')
          .map((r) => r[1])
          .sort(),
      ).toEqual(['default', 'east']);
      expect(all.find((r) => r[0] === 'acc4')?.[1]).toBe('west');
      await check(s, { from: T0 + 3 * H + 1, to: T0 + 11 * DAY - 5 * H });
      await check(s, { from: T0 + 2 * DAY, to: T0 + 3 * DAY });
      await check(s, { from: T0, to: T0 + 13 * DAY }, { authIndex: ['acc1', 'acc3'] });
      await check(s, { from: T0, to: T0 + 13 * DAY }, { authIndex: 'acc4', status: 'success' });
      // Only single-CPA accounts: nothing from the colliding one.
      const singles = await check(s, { from: T0, to: T0 + 13 * DAY }, { authIndex: ['acc2', 'acc5'] });
      expect(singles.map((r) => r[1])).toEqual(['east', 'east']);
      // An account filter naming one CPA's account.
      const east = await check(s, { from: T0, to: T0 + 13 * DAY }, { authIndex: 'east~acc1' });
      expect(east.map((r) => [r[0], r[1]])).toEqual([['acc1', 'east']]);
      // A later batch gives acc3 a second CPA: it splits from then on.
      const e = makeEvent({
        dedupKey: 'au-late'.padEnd(32, '0'),
        timestampMs: T0 + 12 * DAY + H,
        authIndex: 'acc3',
      });
      await s.insertBatch([{ ...e, upstream: 'west', dedupKey: upstreamDedupKey('west', e.dedupKey) }]);
      await warmIfCached(s);
      const later = await check(s, { from: T0, to: T0 + 13 * DAY });
      expect(
        later
          .filter((r) => r[0] === 'acc3')
          .map((r) => r[1])
          .sort(),
      ).toEqual(['default', 'west']);
    };

    it('equal the raw split by CPA, with one account on two CPAs', async () => {
      await run({});
    });

    it('the same from SQL when the cache window holds none of the range (rollups)', async () => {
      if (!('warmCache' in (await fresh()))) return;
      await run({ columnCacheMaxEvents: 1 });
    });
  });
}
