import type Database from 'better-sqlite3';
import type { DictionaryCache } from '../dictionary/dictionary-cache';
import { StoreError } from '../errors';
import { percentileFromHistogram, LATENCY_BUCKETS } from '../events/latency-buckets';
import {
  aggregateCache,
  aggregateSql,
  countDimsCache,
  type AggResult,
  type AggSpec,
  type Dim,
  type ResolvedFilter,
} from './aggregate';
import type { ColumnCache } from './column-cache';
import type { TimeZones } from './time-zone';

export interface AnalyticsFilter {
  /** Inclusive start, UTC epoch ms. */
  from: number;
  /** Exclusive end, UTC epoch ms. */
  to: number;
  apiKeyHash?: string | string[];
  authIndex?: string | string[];
  model?: string | string[];
  provider?: string | string[];
  /** 'success', 'failure' or an exact HTTP status code. */
  status?: 'success' | 'failure' | number;
}

export interface TokenTotals {
  input: number;
  cacheRead: number;
  cacheCreation: number;
  output: number;
  reasoning: number;
  unclassified: number;
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
  source: AggResult['source'];
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
    source: AggResult['source'];
  };
  breakdown(
    filter: AnalyticsFilter,
    opts: { by: BreakdownBy; sort?: BreakdownSort; order?: 'asc' | 'desc'; limit?: number; offset?: number },
  ): { rows: BreakdownRow[]; total: number; source: AggResult['source'] };
  filterOptions(filter: AnalyticsFilter): {
    keys: { hash: string; label: string; alias: string | null; count: number }[];
    accounts: { authIndex: string; label: string; count: number }[];
    models: { name: string; count: number }[];
    providers: { name: string; count: number }[];
  };
  latencyPercentiles(
    filter: AnalyticsFilter,
    opts?: { by?: 'model' | 'none'; percentiles?: number[] },
  ): { rows: { name: string; count: number; percentiles: (number | null)[] }[]; source: AggResult['source'] };
  heatmap(
    filter: AnalyticsFilter,
    opts?: { timeZone?: string },
  ): {
    cells: { weekday: number; hour: number; requests: number; tokens: number }[];
    source: AggResult['source'];
  };
  /** Which engine answers now: the warm column cache, or rollups + SQL. */
  engine(): 'cache' | 'sql';
}

export function createAnalyticsRepository(deps: {
  reader: () => Database.Database;
  dict: DictionaryCache;
  cache: ColumnCache;
  zones: TimeZones;
  accountLabels: () => Map<number, string>;
  useCache: () => boolean;
  /** Raw events before this instant were removed by retention: such ranges come from rollups. */
  rawFloorMs: () => number;
}): AnalyticsRepository {
  const { dict, zones } = deps;
  const list = (v: string | string[] | undefined) =>
    v === undefined ? undefined : Array.isArray(v) ? v : [v];
  const ids = (vals: string[] | undefined, find: (s: string) => number | undefined) =>
    vals?.map(find).filter((x): x is number => x !== undefined);

  const resolve = (f: AnalyticsFilter): ResolvedFilter => {
    if (!Number.isFinite(f.from) || !Number.isFinite(f.to) || f.to < f.from) {
      throw new StoreError(
        'invalid_query',
        `Invalid time range from=${f.from} to=${f.to}: both must be epoch ms with from <= to.`,
      );
    }
    const r: ResolvedFilter = { from: f.from, to: f.to };
    const k = ids(list(f.apiKeyHash), (h) => dict.keyByHash(h)?.id);
    if (k) r.keyIds = k;
    const a = ids(list(f.authIndex), (x) => dict.findAccount(x));
    if (a) r.accountIds = a;
    const m = ids(list(f.model), (x) => dict.find('model', x));
    if (m) r.modelIds = m;
    const p = ids(list(f.provider), (x) => dict.find('provider', x));
    if (p) r.providerIds = p;
    if (f.status !== undefined) r.status = f.status;
    return r;
  };

  const run = (spec: AggSpec): AggResult =>
    deps.useCache() && deps.cache.warm && spec.filter.from >= deps.rawFloorMs()
      ? aggregateCache(deps.cache, spec)
      : aggregateSql(deps.reader(), spec);

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

  const tokens = (r: AggResult, g: number): TokenTotals => {
    const t = {
      input: r.input[g]!,
      cacheRead: r.cacheRead[g]!,
      cacheCreation: r.cacheCreation[g]!,
      output: r.output[g]!,
      reasoning: r.reasoning[g]!,
      unclassified: r.unclassified[g]!,
      total: 0,
    };
    t.total = t.input + t.cacheRead + t.cacheCreation + t.output + t.reasoning + t.unclassified;
    return t;
  };
  const totalTokens = (r: AggResult, g: number) =>
    r.input[g]! + r.cacheRead[g]! + r.cacheCreation[g]! + r.output[g]! + r.reasoning[g]! + r.unclassified[g]!;

  const nameOf = (
    by: BreakdownBy,
    id: number,
    labels: Map<number, string> | null,
  ): { name: string; label: string } => {
    if (by === 'model') return { name: dict.name('model', id), label: '' };
    if (by === 'provider') return { name: dict.name('provider', id), label: '' };
    if (by === 'key') {
      const k = dict.key(id);
      return { name: k?.hash ?? '', label: k?.alias ?? k?.label ?? '' };
    }
    return { name: dict.authIndex(id), label: labels?.get(id) ?? '' };
  };

  const repo: AnalyticsRepository = {
    engine: () => (deps.useCache() && deps.cache.warm ? 'cache' : 'sql'),

    totals(filter) {
      const r = run({ filter: resolve(filter), dim: 'none', size: 1 });
      const requests = r.n[0]!;
      const failures = r.failures[0]!;
      return {
        requests,
        successes: requests - failures,
        failures,
        successRate: requests ? (requests - failures) / requests : null,
        tokens: tokens(r, 0),
        costMicros: Math.round(r.cost[0]!),
        unpricedRequests: r.unpriced[0]!,
        source: r.source,
      };
    },

    timeSeries(filter, opts) {
      const tz = opts.timeZone ?? 'UTC';
      const f = resolve(filter);
      const buckets = zones.bucketMap(tz, f.from, f.to, opts.granularity);
      const size = buckets.labels.length;
      const point = (res: AggResult, g: number, b: number): SeriesPoint => ({
        label: buckets.labels[b]!,
        startMs: buckets.starts[b]!,
        requests: res.n[g]!,
        failures: res.failures[g]!,
        tokens: totalTokens(res, g),
        costMicros: Math.round(res.cost[g]!),
      });
      const top = opts.splitTopModels ?? 0;
      const byModel: { model: string; points: SeriesPoint[] }[] = [];
      if (top <= 0) {
        const r = run({ filter: f, dim: 'time', size, buckets });
        return { points: buckets.labels.map((_, b) => point(r, b, b)), byModel, source: r.source };
      }
      // One pass grouped by time × model gives the totals, the top models and their series.
      const size2 = Math.max(1, sizeOf('model'));
      const r = run({ filter: f, dim: 'time', dim2: 'model', size, size2, buckets });
      const METRICS = [
        'n',
        'failures',
        'input',
        'cacheRead',
        'cacheCreation',
        'output',
        'reasoning',
        'unclassified',
        'cost',
        'unpriced',
      ] as const;
      const perTime = { ...r, size } as AggResult;
      for (const k of METRICS) perTime[k] = new Float64Array(size);
      const perModel = new Float64Array(size2);
      for (let b = 0; b < size; b++) {
        for (let m = 0; m < size2; m++) {
          const g = b * size2 + m;
          if (r.n[g] === 0) continue;
          perModel[m]! += r.n[g]!;
          for (const k of METRICS) perTime[k][b]! += r[k][g]!;
        }
      }
      const points = buckets.labels.map((_, b) => point(perTime, b, b));
      const order = [...perModel.keys()]
        .filter((m) => perModel[m]! > 0)
        .sort((a, b) => perModel[b]! - perModel[a]!)
        .slice(0, top);
      for (const m of order) {
        byModel.push({
          model: dict.name('model', m),
          points: buckets.labels.map((_, b) => point(r, b * size2 + m, b)),
        });
      }
      return { points, byModel, source: r.source };
    },

    breakdown(filter, opts) {
      const by = opts.by;
      const r = run({ filter: resolve(filter), dim: by, size: sizeOf(by) });
      const labels = by === 'account' ? deps.accountLabels() : null;
      let rows: BreakdownRow[] = [];
      for (let g = 0; g < r.size; g++) {
        if (r.n[g] === 0) continue;
        rows.push({
          id: g,
          ...nameOf(by, g, labels),
          requests: r.n[g]!,
          failures: r.failures[g]!,
          tokens: tokens(r, g),
          costMicros: Math.round(r.cost[g]!),
          unpricedRequests: r.unpriced[g]!,
          lastSeenMs: r.lastTs[g]!,
        });
      }
      const sort = opts.sort ?? 'requests';
      const dir = (opts.order ?? (sort === 'name' ? 'asc' : 'desc')) === 'asc' ? 1 : -1;
      const val = (x: BreakdownRow): number | string =>
        sort === 'requests'
          ? x.requests
          : sort === 'failures'
            ? x.failures
            : sort === 'tokens'
              ? x.tokens.total
              : sort === 'cost'
                ? x.costMicros
                : sort === 'lastSeen'
                  ? x.lastSeenMs
                  : x.label || x.name;
      rows.sort((a, b) => {
        const va = val(a);
        const vb = val(b);
        const c = typeof va === 'string' ? va.localeCompare(vb as string) : va - (vb as number);
        return c !== 0 ? c * dir : a.id - b.id;
      });
      const total = rows.length;
      const offset = opts.offset ?? 0;
      rows = rows.slice(offset, offset + (opts.limit ?? 50));
      return { rows, total, source: r.source };
    },

    filterOptions(filter) {
      const f = resolve(filter);
      const viaCache = deps.useCache() && deps.cache.warm && f.from >= deps.rawFloorMs();
      const fast = viaCache
        ? countDimsCache(deps.cache, f, {
            key: sizeOf('key'),
            account: sizeOf('account'),
            model: sizeOf('model'),
            provider: sizeOf('provider'),
          })
        : null;
      const counts = (dim: 'key' | 'account' | 'model' | 'provider'): AggResult =>
        fast
          ? ({ size: fast[dim].length, n: fast[dim] } as AggResult)
          : aggregateSql(deps.reader(), { filter: f, dim, size: sizeOf(dim) });
      const labels = deps.accountLabels();
      const pick = <T>(r: AggResult, fn: (id: number, count: number) => T): T[] => {
        const out: { v: T; c: number }[] = [];
        for (let g = 0; g < r.size; g++) if (r.n[g]! > 0) out.push({ v: fn(g, r.n[g]!), c: r.n[g]! });
        return out.sort((a, b) => b.c - a.c).map((x) => x.v);
      };
      return {
        keys: pick(counts('key'), (id, count) => {
          const k = dict.key(id);
          return { hash: k?.hash ?? '', label: k?.label ?? '', alias: k?.alias ?? null, count };
        }),
        accounts: pick(counts('account'), (id, count) => ({
          authIndex: dict.authIndex(id),
          label: labels.get(id) ?? '',
          count,
        })),
        models: pick(counts('model'), (id, count) => ({ name: dict.name('model', id), count })),
        providers: pick(counts('provider'), (id, count) => ({ name: dict.name('provider', id), count })),
      };
    },

    latencyPercentiles(filter, opts = {}) {
      const ps = opts.percentiles ?? [0.5, 0.95];
      const byModel = (opts.by ?? 'model') === 'model';
      const dim: Dim = byModel ? 'model' : 'none';
      const r = run({ filter: resolve(filter), dim, size: sizeOf(dim), histogram: true });
      const rows: { name: string; count: number; percentiles: (number | null)[] }[] = [];
      for (let g = 0; g < r.size; g++) {
        if (r.n[g] === 0) continue;
        rows.push({
          name: byModel ? dict.name('model', g) : 'all',
          count: r.n[g]!,
          percentiles: ps.map((p) => percentileFromHistogram(r.hist!, p, g * LATENCY_BUCKETS)),
        });
      }
      rows.sort((a, b) => b.count - a.count);
      return { rows, source: r.source };
    },

    heatmap(filter, opts = {}) {
      const f = resolve(filter);
      const buckets = zones.bucketMap(opts.timeZone ?? 'UTC', f.from, f.to, 'weekdayHour');
      const r = run({ filter: f, dim: 'time', size: 168, buckets });
      const cells = [];
      for (let g = 0; g < 168; g++) {
        cells.push({
          weekday: Math.floor(g / 24),
          hour: g % 24,
          requests: r.n[g]!,
          tokens: totalTokens(r, g),
        });
      }
      return { cells, source: r.source };
    },
  };
  return repo;
}
