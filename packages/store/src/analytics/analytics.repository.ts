import type Database from 'better-sqlite3';
import type { DictionaryCache } from '../dictionary/dictionary-cache';
import type { TokenCounts } from '../events/event-tokens';
import {
  aggregateCache,
  countDimsCache,
  type AggSource,
  type AggSpec,
  type Dim,
  type ResolvedFilter,
} from './aggregate';
import type { AggGroup, AggGroups } from './aggregate-query';
import { addAggGroups, splitAtCacheFloor } from './cache-tail';
import { checkTimeRange, filterNames, findIds, resolvedFilter, type FilterDim } from './analytics-filter';
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
} from './analytics-views';
import type { ColumnCache } from './column-cache';
import { DAY_MS } from '../rollups/rollup-batch';
import { pickZoneRollup, planAggregateRanges } from '../rollups/rollup-choice';
import { foldCut } from '../rollups/fold-tier';
import { readFoldMarks } from '../rollups/fold-sqlite';
import { aggregateSql } from './sqlite-aggregate';
import type { BucketMap, TimeZones } from './time-zone';
import { SPLIT_CACHE_MAX_PAIRS, seriesSplitCache } from './series-split-cache';
import { MATRIX_CACHE_MAX_PAIRS, matrixCache } from './matrix-cache';
import { seriesOfZoneSplit, topModelIds, zoneSplitPlan, type ZoneSplitPlan } from './zone-split';
import { matrixOf, type MatrixGroups, type MatrixOptions, type MatrixView } from './matrix-view';
import { accountSplitSpec, splitNames } from './account-split';
import {
  accountCpasOf,
  cpaFilterRedundant,
  mergeTwoStep,
  selectsSeveral,
  severalCpaAccounts,
  splitOfAccounts,
  twoStepSplit,
  withoutCpaFilter,
  type AccountCpas,
} from './account-cpas';

export interface AnalyticsFilter {
  /** Inclusive start, UTC epoch ms. */
  from: number;
  /** Exclusive end, UTC epoch ms. */
  to: number;
  apiKeyHash?: string | string[];
  authIndex?: string | string[];
  model?: string | string[];
  provider?: string | string[];
  /** The CPA (upstream name) events came from. */
  upstream?: string | string[];
  /** 'success', 'failure' or an exact HTTP status code. */
  status?: 'success' | 'failure' | number;
}

/** The six token buckets and their sum. */
export interface TokenTotals extends TokenCounts {
  total: number;
}

export interface Totals {
  requests: number;
  successes: number;
  failures: number;
  successRate: number | null;
  tokens: TokenTotals;
  costMicros: number;
  /** Requests whose model had no price: their cost is unknown, not 0. */
  unpricedRequests: number;
  source: AggSource;
}

export interface SeriesPoint {
  label: string;
  startMs: number;
  requests: number;
  failures: number;
  tokens: number;
  costMicros: number;
}

export interface BreakdownRow {
  id: number;
  /** Model / provider name, key hash, or auth index. */
  name: string;
  /** Masked key label, key alias, or account email/label. */
  label: string;
  requests: number;
  failures: number;
  tokens: TokenTotals;
  costMicros: number;
  unpricedRequests: number;
  lastSeenMs: number;
  /** By account, when the store holds several CPAs: the account's CPA (`id` then stands for the pair). */
  upstream?: string;
}

export type BreakdownBy = 'model' | 'key' | 'account' | 'provider';
export type BreakdownSort = 'requests' | 'failures' | 'tokens' | 'cost' | 'lastSeen' | 'name';

export interface AnalyticsRepository {
  totals(filter: AnalyticsFilter): Totals;
  timeSeries(
    filter: AnalyticsFilter,
    opts: { granularity: 'hour' | 'day'; timeZone?: string; splitTopModels?: number },
  ): {
    points: SeriesPoint[];
    byModel: { model: string; points: SeriesPoint[] }[];
    source: AggSource;
  };
  breakdown(
    filter: AnalyticsFilter,
    opts: { by: BreakdownBy; sort?: BreakdownSort; order?: 'asc' | 'desc'; limit?: number; offset?: number },
  ): { rows: BreakdownRow[]; total: number; source: AggSource };
  filterOptions(filter: AnalyticsFilter): {
    keys: { hash: string; label: string; alias: string | null; count: number }[];
    /** `upstream`: the account's CPA, when the store holds several CPAs (filter by `<upstream>~<authIndex>`). */
    accounts: { authIndex: string; label: string; count: number; upstream?: string }[];
    models: { name: string; count: number }[];
    providers: { name: string; count: number }[];
    /** Upstream (CPA) names, in the order they were first stored. */
    upstreams: { name: string }[];
  };
  latencyPercentiles(
    filter: AnalyticsFilter,
    opts?: { by?: 'model' | 'none'; percentiles?: number[]; metric?: 'latency' | 'ttft' },
  ): { rows: { name: string; count: number; percentiles: (number | null)[] }[]; source: AggSource };
  heatmap(
    filter: AnalyticsFilter,
    opts?: { timeZone?: string },
  ): {
    cells: { weekday: number; hour: number; requests: number; tokens: number }[];
    source: AggSource;
  };
  /** Which engine answers now: the warm column cache, or rollups + SQL. */
  engine(): 'cache' | 'sql';
  /** Top entities × top models with per-cell and total requests, tokens, cost and failures (one scan). */
  matrix(filter: AnalyticsFilter, opts: MatrixOptions): MatrixView;
}

const DEFAULT_CACHE_SCAN_LIMIT = 1_000_000;

export function createAnalyticsRepository(deps: {
  reader: () => Database.Database;
  dict: DictionaryCache;
  cache: ColumnCache;
  zones: TimeZones;
  accountLabels: () => Map<number, string>;
  useCache: () => boolean;
  /** Raw events before this instant were removed by retention: such ranges come from rollups. */
  rawFloorMs: () => number;
  /** See OpenStoreOptions.cacheScanLimit. */
  cacheScanLimit?: number;
}): AnalyticsRepository {
  const scanLimit = deps.cacheScanLimit ?? DEFAULT_CACHE_SCAN_LIMIT;
  const { dict, zones } = deps;

  const resolve = (f: AnalyticsFilter): ResolvedFilter => {
    checkTimeRange(f);
    const r = resolvedFilter(
      f,
      findIds(filterNames(f), (dim, name) => dict.findId(dim, name)),
      dict.entries('upstream').length >= 2,
    );
    return r.severalCpas && r.accountIds && cpaFilterRedundant(r, accountCpas()) ? withoutCpaFilter(r) : r;
  };

  const sizeOf = (dim: Dim): number =>
    dim === 'model'
      ? dict.size('model')
      : dim === 'key'
        ? dict.size('api_key')
        : dim === 'account'
          ? dict.size('account')
          : dim === 'provider'
            ? dict.size('provider')
            : 1;

  /** Groups of a spec's dim (× CPAs for a by-account split; see account-split.ts). */
  const groupsOf = (spec: AggSpec): number => sizeOf(spec.dim) * (spec.byUpstream ?? 1);
  const upstreamIds = () => dict.entries('upstream').map((x) => x.id);
  /** By account: keeps two CPAs' accounts with one auth_index apart when the store holds several CPAs. */
  // A range reaching below retention's raw floor keeps one row per auth_index from the rollups (complete history
  // over the CPA split, which raw events alone would cut at the floor).
  const split = (spec: AggSpec): AggSpec =>
    spec.filter.from < deps.rawFloorMs() ? spec : accountSplitSpec(spec, upstreamIds());
  const splitNamesOf = (spec: AggSpec, dim: FilterDim): NameOf =>
    dim === 'account' ? splitNames(spec, namesOf('account'), (id) => dict.name('upstream', id)) : namesOf(dim);

  const accountCpas = (): AccountCpas =>
    accountCpasOf(
      deps.reader().prepare('SELECT account_id, upstream_id FROM account_upstream').all() as {
        account_id: number;
        upstream_id: number;
      }[],
    );
  /**
   * A split by-account spec (`spec`, of the unsplit `whole`): `whole` as before (rollups) for the accounts on one
   * CPA, raw events only for those on two or more (see account-cpas.ts). When the cache answers `whole` in one scan,
   * the split spec in that one scan instead (two scans cost more), unless `whole` is already at hand (`wholeIsFree`).
   */
  const runSplit = <G extends Pick<AggGroup, 'g' | 'n'>>(
    spec: AggSpec,
    whole: AggSpec,
    runWhole: () => { groups: G[]; source: AggSource },
    runRaw: (s: AggSpec) => { groups: G[]; source: AggSource },
    wholeIsFree = false,
  ): { groups: G[]; source: AggSource } => {
    if (!twoStepSplit(spec, whole) || (!wholeIsFree && cacheWhole(whole))) return runRaw(spec);
    const cpas = accountCpas();
    if (selectsSeveral(whole, cpas)) return runRaw(spec);
    const w = runWhole();
    const ids = severalCpaAccounts(w, cpas);
    return mergeTwoStep(spec, w, cpas, ids ? runRaw(splitOfAccounts(spec, ids)) : null);
  };

  /** The column cache answers the unsplit spec in one scan: the split one costs the same scan (no second step). */
  const cacheWhole = (whole: AggSpec) => viaCache(whole.filter) && !rollupsCheaper(whole) && !zoneTierCheaper(whole);

  const viaCache = (f: ResolvedFilter) =>
    deps.useCache() && deps.cache.warm && f.from >= deps.rawFloorMs() && deps.cache.covers(f.from);

  /** A rollup plan's raw-event pieces from the column cache where it holds them (aggregateSql's `edges`). */
  const cacheEdges =
    (spec: AggSpec) =>
    (from: number, to: number): AggGroups | null => {
      const filter = { ...spec.filter, from, to };
      if (!viaCache(filter)) return null;
      return aggregateCache(deps.cache, { ...spec, filter }, groupsOf(spec), spec.dim2 ? Math.max(1, sizeOf('model')) : 1);
    };

  /** The column cache when it is warm and covers the range, else rollups + SQL (raw edges still from the cache). */
  const run = (spec: AggSpec): AggGroups => {
    if (!viaCache(spec.filter) || rollupsCheaper(spec) || zoneTierCheaper(spec)) return sqlRun(spec);
    const size = spec.dim === 'time' ? spec.buckets!.labels.length : groupsOf(spec);
    return aggregateCache(deps.cache, spec, size, spec.dim2 ? Math.max(1, sizeOf('model')) : 1);
  };

  /**
   * SQL for a spec the column cache does not answer whole. When no rollup fits (a key × account view, percentiles
   * under a key / account filter: raw events over the whole range), the part from the cache's floor on comes from
   * the cache: SQL then scans only the events older than its window (a year at 10M: ~7M rows instead of 10M).
   */
  const sqlRun = (spec: AggSpec): AggGroups => {
    const whole = () => aggregateSql(deps.reader(), spec, cacheEdges(spec));
    if (!deps.useCache() || !deps.cache.warm || deps.cache.floorMs < deps.rawFloorMs()) return whole();
    const parts = splitAtCacheFloor(spec, deps.cache.floorMs);
    if (!parts || planAggregateRanges(spec).table !== null) return whole();
    const size = spec.dim === 'time' ? spec.buckets!.labels.length : groupsOf(spec);
    return addAggGroups(
      aggregateSql(deps.reader(), parts.head, cacheEdges(parts.head)),
      aggregateCache(deps.cache, parts.tail, size, spec.dim2 ? Math.max(1, sizeOf('model')) : 1),
    );
  };

  // Split: one pass grouped by time × model gives the totals, the top models and their series.
  const splitRun = (f: ResolvedFilter, buckets: BucketMap, top: number): AggGroups =>
    run(top > 0 ? { filter: f, dim: 'time', dim2: 'model', buckets } : { filter: f, dim: 'time', buckets });

  /**
   * A long range that daily rollups answer exactly reads far fewer rows from them than from the cache (a year:
   * ~20k rollup_day rows vs 10M cached events): above scanLimit scanned rows, rollups win.
   */
  const rollupsCheaper = (spec: AggSpec): boolean => {
    const f = spec.filter;
    if (f.to - f.from < 2 * DAY_MS || deps.cache.rowsIn(f.from, f.to) <= scanLimit) return false;
    // With the fold watermarks: a deferred tier's days count only below its cut (day-dims, zone tiers).
    const { table, ranges } = planAggregateRanges(spec, readFoldMarks(deps.reader()));
    if (!table) return false;
    // Only when whole days carry the bulk of the range (raw-event edges stay under a day at each end).
    const daily = ranges.filter((r) => r.kind === 'rollup' && (r.table ?? table).unit === DAY_MS);
    return daily.reduce((t, r) => t + r.to - r.from, 0) >= (f.to - f.from) / 2;
  };

  /**
   * A time view a zone hour tier answers (rollups/zone-rollups.ts) reads a few rows per hour there, against every
   * cached event of the range: from a day up, the tier wins (30 days: ~2k rows vs ~800k cached events at 10M).
   */
  const zoneTierCheaper = (spec: AggSpec): boolean => {
    const f = spec.filter;
    const tier = f.to - f.from >= DAY_MS ? pickZoneRollup(spec) : null;
    if (!tier) return false;
    // A deferred tier the fold has not reached over most of the range (right after a bulk load): the cache.
    return !tier.fold || foldCut(tier, readFoldMarks(deps.reader()), f.from, f.to) - f.from >= (f.to - f.from) / 2;
  };

  /** A split series in a non-UTC zone from the zone tiers (see zone-split.ts); always SQL: a few small reads. */
  const zoneSplit = (plan: ZoneSplitPlan, buckets: BucketMap, top: number) => {
    const ids = topModelIds(aggregateSql(deps.reader(), plan.ranking), top);
    const split = ids.length ? aggregateSql(deps.reader(), plan.split(ids)) : { groups: [], source: 'rollup' as const };
    return seriesOfZoneSplit(buckets, aggregateSql(deps.reader(), plan.totals), ids, split);
  };

  const namesOf = (dim: FilterDim): NameOf => {
    if (dim === 'model' || dim === 'provider') return (id) => ({ ...NO_NAMES, name: dict.name(dim, id) });
    if (dim === 'key')
      return (id) => {
        const k = dict.key(id);
        const alias = k?.alias ?? null;
        return { name: k?.hash ?? '', label: alias ?? k?.label ?? '', alias, keyLabel: k?.label ?? '' };
      };
    const labels = deps.accountLabels();
    return (id): DimNames => ({ ...NO_NAMES, name: dict.authIndex(id), label: labels.get(id) ?? '' });
  };

  const repo: AnalyticsRepository = {
    engine: () => (deps.useCache() && deps.cache.warm ? 'cache' : 'sql'),

    totals: (filter) => totalsOf(run({ filter: resolve(filter), dim: 'none' })),

    timeSeries(filter, opts) {
      const f = resolve(filter);
      const buckets = zones.bucketMap(opts.timeZone ?? 'UTC', f.from, f.to, opts.granularity);
      const top = opts.splitTopModels ?? 0;
      const models = sizeOf('model');
      const zs = top > 0 && f.to - f.from >= DAY_MS ? zoneSplitPlan(f, buckets, opts.timeZone) : null;
      // Split from the warm cache: one flat pass of the four figures a point shows (see series-split-cache).
      const cacheSplit =
        top > 0 &&
        viaCache(f) &&
        buckets.labels.length * models <= SPLIT_CACHE_MAX_PAIRS &&
        (zs !== null || !rollupsCheaper({ filter: f, dim: 'time', dim2: 'model', buckets }));
      // With the cache at hand, the zone tiers only where the background fold has reached them: right after a bulk
      // load, an import or an upgrade the plan would read the range's raw events from SQL (30 days at 1M: ~0.6 s;
      // the cache: ~20 ms).
      const zoneFolded = (plan: ZoneSplitPlan) =>
        zoneTierCheaper(plan.totals) && zoneTierCheaper({ ...plan.totals, dim2: 'model' });
      const s =
        zs && (!cacheSplit || zoneFolded(zs))
          ? zoneSplit(zs, buckets, top)
          : cacheSplit
            ? seriesSplitCache(deps.cache, f, buckets, top, models)
            : seriesOf(buckets, splitRun(f, buckets, top), top);
      const model = namesOf('model');
      return { ...s, byModel: s.byModel.map((m) => ({ model: model(m.id).name, points: m.points })) };
    },

    breakdown(filter, opts) {
      const whole: AggSpec = { filter: resolve(filter), dim: opts.by };
      const spec = split(whole);
      const r = runSplit(spec, whole, () => run(whole), run);
      return { ...breakdownOf(r.groups, splitNamesOf(spec, opts.by), opts), source: r.source };
    },

    filterOptions(filter) {
      const f = resolve(filter);
      // One cache pass counts all four; rollups only when each of the four has a daily one for the range.
      const viaRollups = () =>
        (['key', 'account', 'model', 'provider'] as const).every((dim) => rollupsCheaper({ filter: f, dim }));
      const counts = viaCache(f) && !viaRollups()
        ? countDimsCache(deps.cache, f, {
            key: sizeOf('key'),
            account: sizeOf('account'),
            model: sizeOf('model'),
            provider: sizeOf('provider'),
          })
        : null;
      const groups = (dim: Exclude<FilterDim, 'upstream'>): Pick<AggGroup, 'g' | 'n'>[] =>
        counts ? counts[dim] : sqlRun({ filter: f, dim, countOnly: true }).groups;
      const accounts = split({ filter: f, dim: 'account', countOnly: true });
      return filterOptionsOf(
        {
          key: groups('key'),
          account: accounts.byUpstream
            ? runSplit<Pick<AggGroup, 'g' | 'n'>>(
                accounts,
                { filter: f, dim: 'account', countOnly: true },
                () => ({ groups: groups('account'), source: 'cache' }),
                run,
                true,
              ).groups
            : groups('account'),
          model: groups('model'),
          provider: groups('provider'),
        },
        (dim) => splitNamesOf(accounts, dim),
        dict
          .entries('upstream')
          .sort((a, b) => a.id - b.id)
          .map((x) => x.name),
      );
    },

    latencyPercentiles(filter, opts = {}) {
      const byModel = (opts.by ?? 'model') === 'model';
      const metric = opts.metric ?? 'latency';
      const r = run({ filter: resolve(filter), dim: byModel ? 'model' : 'none', histogram: true, histMetric: metric });
      return latencyRowsOf(r, opts.percentiles ?? [0.5, 0.95], byModel ? namesOf('model') : null, metric);
    },

    heatmap(filter, opts = {}) {
      const f = resolve(filter);
      const buckets = zones.bucketMap(opts.timeZone ?? 'UTC', f.from, f.to, 'weekdayHour');
      return heatmapOf(run({ filter: f, dim: 'time', buckets }));
    },

    matrix(filter, opts) {
      const spec = split({ filter: resolve(filter), dim: opts.by, dim2: 'model' });
      const f = spec.filter;
      const sizes = { entities: groupsOf(spec), models: sizeOf('model') };
      // Past the flat arrays' bound (tens of thousands of keys × models), SQL's sparse GROUP BY answers.
      const r: MatrixGroups =
        viaCache(f) && sizes.entities * sizes.models <= MATRIX_CACHE_MAX_PAIRS
          ? matrixCache(deps.cache, f, opts, sizes, spec.byUpstream)
          : aggregateSql(deps.reader(), spec);
      return matrixOf(r, opts, splitNamesOf(spec, opts.by), namesOf('model'));
    },
  };
  return repo;
}
