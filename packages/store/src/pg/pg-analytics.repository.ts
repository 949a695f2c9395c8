import { sql } from 'kysely';
import type { AggSpec, ResolvedFilter } from '../analytics/aggregate';
import {
  NAME_COLUMN,
  checkTimeRange,
  filterNames,
  resolvedFilter,
  type FilterDim,
  type PerDim,
} from '../analytics/analytics-filter';
import type { AnalyticsFilter } from '../analytics/analytics.repository';
import {
  breakdownOf,
  filterOptionsOf,
  heatmapOf,
  latencyRowsOf,
  seriesOf,
  totalsOf,
  NO_NAMES,
  type DimNames,
  type NameOf,
} from '../analytics/analytics-views';
import type { TimeZones } from '../analytics/time-zone';
import { matrixIds, matrixOf } from '../analytics/matrix-view';
import type { AnalyticsRepository } from '../repositories';
import { seriesOfZoneSplit, topModelIds, zoneSplitPlan } from '../analytics/zone-split';
import { aggregatePg } from './pg-aggregate';
import { rows, type PgDb } from './pg-connection';
import { accountSplitSpec, splitAccountId, splitNames } from '../analytics/account-split';
import {
  accountCpasOf,
  cpaFilterRedundant,
  mergeTwoStep,
  selectsSeveral,
  severalCpaAccounts,
  splitOfAccounts,
  twoStepSplit,
  withoutCpaFilter,
} from '../analytics/account-cpas';

/** Analytics in SQL over rollups + raw events (no column cache), same results as the SQLite store. */
export function createPgAnalyticsRepository(deps: {
  db: PgDb;
  zones: TimeZones;
  assertOpen: () => void;
}): AnalyticsRepository {
  const { db, zones } = deps;

  const accountCpas = async () =>
    accountCpasOf(
      await rows(
        db,
        sql<{
          account_id: number;
          upstream_id: number;
        }>`SELECT account_id, upstream_id FROM account_upstream`,
      ),
    );

  const resolve = async (f: AnalyticsFilter): Promise<ResolvedFilter> => {
    deps.assertOpen();
    checkTimeRange(f);
    const ids: PerDim<number[]> = {};
    for (const [dim, names] of Object.entries(filterNames(f)) as [FilterDim, string[]][]) {
      const [table, col] = NAME_COLUMN[dim];
      ids[dim] = (
        await rows(
          db,
          sql<{
            id: number;
          }>`SELECT id FROM ${sql.table(table)} WHERE ${sql.ref(col)} = ANY(${names}::text[])`,
        )
      ).map((r) => r.id);
    }
    // Only a CPA filter needs to know whether the store holds several CPAs (see ResolvedFilter.severalCpas).
    const several =
      ids.upstream !== undefined &&
      Number((await rows(db, sql<{ n: number }>`SELECT count(*) AS n FROM upstream`))[0]?.n ?? 0) >= 2;
    const r = resolvedFilter(f, ids, several);
    return r.severalCpas && r.accountIds && cpaFilterRedundant(r, await accountCpas())
      ? withoutCpaFilter(r)
      : r;
  };

  const run = (spec: AggSpec) => aggregatePg(db, spec);

  /** Display names of the ids of one dimension. */
  const namesOf = async (dim: FilterDim, ids: number[]): Promise<NameOf> => {
    const out = new Map<number, DimNames>();
    if (ids.length === 0) return () => NO_NAMES;
    if (dim === 'model' || dim === 'provider') {
      for (const r of await rows(
        db,
        sql<{
          id: number;
          name: string;
        }>`SELECT id, name FROM ${sql.table(dim)} WHERE id = ANY(${ids}::int[])`,
      ))
        out.set(r.id, { ...NO_NAMES, name: r.name });
    } else if (dim === 'key') {
      for (const r of await rows(
        db,
        sql<{ id: number; hash: string; label: string; alias: string | null }>`
          SELECT id, hash, label, alias FROM api_key WHERE id = ANY(${ids}::int[])`,
      ))
        out.set(r.id, { name: r.hash, label: r.alias ?? r.label, alias: r.alias, keyLabel: r.label });
    } else {
      for (const r of await rows(
        db,
        sql<{
          id: number;
          auth_index: string;
          email: string | null;
          label: string | null;
          file_name: string | null;
        }>`
          SELECT id, auth_index, email, label, file_name FROM account WHERE id = ANY(${ids}::int[])`,
      ))
        out.set(r.id, { ...NO_NAMES, name: r.auth_index, label: r.email || r.label || r.file_name || '' });
    }
    return (id) => out.get(id) ?? NO_NAMES;
  };
  const live = (groups: { g: number; n: number }[]) => groups.filter((x) => x.n > 0).map((x) => x.g);
  const upstreams = async () =>
    new Map(
      (await rows(db, sql<{ id: number; name: string }>`SELECT id, name FROM upstream`)).map((r) => [
        r.id,
        r.name,
      ]),
    );
  /** By account: keeps two CPAs' accounts with one auth_index apart when the store holds several CPAs. */
  const split = async (spec: AggSpec, known?: Map<number, string>) => {
    const ups = known ?? (await upstreams());
    return { spec: accountSplitSpec(spec, [...ups.keys()]), ups };
  };
  /**
   * A split by-account spec (`spec`, of the unsplit `whole`): `whole` as before (rollups) for the accounts on one
   * CPA, raw events only for those on two or more (see analytics/account-cpas.ts).
   */
  const runSplit = async (spec: AggSpec, whole: AggSpec) => {
    if (!twoStepSplit(spec, whole)) return run(spec);
    const cpas = await accountCpas();
    if (selectsSeveral(whole, cpas)) return run(spec);
    const w = await run(whole);
    const ids = severalCpaAccounts(w, cpas);
    return mergeTwoStep(spec, w, cpas, ids ? await run(splitOfAccounts(spec, ids)) : null);
  };
  /** Display names of a (possibly split) spec's live groups. */
  const splitNamesOf = async (spec: AggSpec, ups: Map<number, string>, groups: { g: number; n: number }[]) =>
    splitNames(
      spec,
      await namesOf(
        spec.dim as FilterDim,
        live(groups).map((g) => splitAccountId(spec, g)),
      ),
      (id) => ups.get(id) ?? '',
    );

  const repo: AnalyticsRepository = {
    engine: async () => 'sql',

    totals: async (filter) => totalsOf(await run({ filter: await resolve(filter), dim: 'none' })),

    async timeSeries(filter, opts) {
      const f = await resolve(filter);
      const buckets = zones.bucketMap(opts.timeZone ?? 'UTC', f.from, f.to, opts.granularity);
      const top = opts.splitTopModels ?? 0;
      // Split in a non-UTC zone: three small reads from the zone tiers (see analytics/zone-split.ts).
      const zs = top > 0 && f.to - f.from >= 86_400_000 ? zoneSplitPlan(f, buckets, opts.timeZone, true) : null;
      const ids = zs ? topModelIds(await run(zs.ranking), top) : [];
      const s = zs
        ? seriesOfZoneSplit(
            buckets,
            await run(zs.totals),
            ids,
            ids.length ? await run(zs.split(ids)) : { groups: [], source: 'rollup' },
          )
        : // Split: one query grouped by time × model gives the totals, the top models and their series.
          seriesOf(
            buckets,
            await run(
              top > 0
                ? { filter: f, dim: 'time', dim2: 'model', buckets }
                : { filter: f, dim: 'time', buckets },
            ),
            top,
          );
      const model = await namesOf(
        'model',
        s.byModel.map((m) => m.id),
      );
      return { ...s, byModel: s.byModel.map((m) => ({ model: model(m.id).name, points: m.points })) };
    },

    async breakdown(filter, opts) {
      const whole: AggSpec = { filter: await resolve(filter), dim: opts.by };
      const { spec, ups } = await split(whole);
      const r = await runSplit(spec, whole);
      return { ...breakdownOf(r.groups, await splitNamesOf(spec, ups, r.groups), opts), source: r.source };
    },

    async filterOptions(filter) {
      const f = await resolve(filter);
      const counts = {} as Record<Exclude<FilterDim, 'upstream'>, { g: number; n: number }[]>;
      const names = {} as Record<FilterDim, NameOf>;
      const known = await upstreams();
      for (const dim of ['key', 'account', 'model', 'provider'] as const) {
        const whole: AggSpec = { filter: f, dim, countOnly: true };
        const { spec, ups } = await split(whole, known);
        counts[dim] = (await runSplit(spec, whole)).groups;
        names[dim] = await splitNamesOf(spec, ups, counts[dim]);
      }
      return filterOptionsOf(
        counts,
        (dim) => names[dim],
        [...known].sort((a, b) => a[0] - b[0]).map((x) => x[1]),
      );
    },

    async latencyPercentiles(filter, opts = {}) {
      const perModel = (opts.by ?? 'model') === 'model';
      const r = await run({
        filter: await resolve(filter),
        dim: perModel ? 'model' : 'none',
        histogram: true,
        histMetric: opts.metric ?? 'latency',
      });
      const names = perModel ? await namesOf('model', live(r.groups)) : null;
      return latencyRowsOf(r, opts.percentiles ?? [0.5, 0.95], names, opts.metric ?? 'latency');
    },

    async heatmap(filter, opts = {}) {
      const f = await resolve(filter);
      const buckets = zones.bucketMap(opts.timeZone ?? 'UTC', f.from, f.to, 'weekdayHour');
      return heatmapOf(await run({ filter: f, dim: 'time', buckets }));
    },

    async matrix(filter, opts) {
      // One GROUP BY entity, model over the rollup that has both (provider × model: hourly) or raw events.
      const whole: AggSpec = { filter: await resolve(filter), dim: opts.by, dim2: 'model' };
      const { spec, ups } = await split(whole);
      const r = await runSplit(spec, whole);
      const { rowIds, columnIds } = matrixIds(r, opts);
      const rows = splitNames(
        spec,
        await namesOf(
          opts.by,
          rowIds.map((g) => splitAccountId(spec, g)),
        ),
        (id) => ups.get(id) ?? '',
      );
      return matrixOf(r, opts, rows, await namesOf('model', columnIds));
    },
  };
  return repo;
}
