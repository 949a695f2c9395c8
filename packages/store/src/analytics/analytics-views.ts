import { ZERO_TOKENS, type TokenCounts } from '../events/event-tokens';
import { percentileFromHistogram } from '../events/latency-buckets';
import type { AggGroup, AggGroups } from './aggregate-query';
import type { FilterDim } from './analytics-filter';
import type {
  AnalyticsRepository,
  BreakdownRow,
  BreakdownSort,
  SeriesPoint,
  TokenTotals,
  Totals,
} from './analytics.repository';
import type { BucketMap } from './time-zone';

/**
 * The analytics answers shaped from aggregate groups, the same for both dialects: each dialect only
 * resolves filters, runs the aggregates and looks up display names.
 */

/** Display names of one dictionary id. */
export interface DimNames {
  /** Model / provider name, key hash, or auth index. */
  name: string;
  /** Key alias or label, or the account's email / label / file name. */
  label: string;
  /** Key alias (keys only). */
  alias: string | null;
  /** Key label as CPA reported it (keys only). */
  keyLabel: string;
  /** The account's CPA (accounts, when the store holds several CPAs). */
  upstream?: string;
}
export const NO_NAMES: DimNames = { name: '', label: '', alias: null, keyLabel: '' };
export type NameOf = (id: number) => DimNames;

export const tokensOf = (x: TokenCounts): TokenTotals => ({
  input: x.input,
  cacheRead: x.cacheRead,
  cacheCreation: x.cacheCreation,
  output: x.output,
  reasoning: x.reasoning,
  unclassified: x.unclassified,
  total: x.input + x.cacheRead + x.cacheCreation + x.output + x.reasoning + x.unclassified,
});

/** Groups with requests, most first; ties by id. */
export const byCount = (groups: readonly AggGroup[]): AggGroup[] =>
  groups.filter((x) => x.n > 0).sort((a, b) => b.n - a.n || a.g - b.g);

export function totalsOf(r: AggGroups): Totals {
  const x = r.groups[0];
  const requests = x?.n ?? 0;
  const failures = x?.failures ?? 0;
  return {
    requests,
    successes: requests - failures,
    failures,
    successRate: requests ? (requests - failures) / requests : null,
    tokens: tokensOf(x ?? ZERO_TOKENS),
    costMicros: Math.round(x?.cost ?? 0),
    unpricedRequests: x?.unpriced ?? 0,
    source: r.source,
  };
}

type Series = ReturnType<AnalyticsRepository['timeSeries']>;

/**
 * A time series from groups by time bucket (top <= 0) or by time × model (top > 0: also the series
 * of the `top` models with most requests, by model id; the caller names them).
 */
export function seriesOf(
  buckets: BucketMap,
  r: AggGroups,
  top: number,
): { points: SeriesPoint[]; byModel: { id: number; points: SeriesPoint[] }[]; source: Series['source'] } {
  const point = (b: number, x: AggGroup | undefined): SeriesPoint => ({
    label: buckets.labels[b]!,
    startMs: buckets.starts[b]!,
    requests: x?.n ?? 0,
    failures: x?.failures ?? 0,
    tokens: x ? tokensOf(x).total : 0,
    costMicros: Math.round(x?.cost ?? 0),
  });
  if (top <= 0) {
    const at = new Map(r.groups.map((x) => [x.g, x]));
    return { points: buckets.labels.map((_, b) => point(b, at.get(b))), byModel: [], source: r.source };
  }
  const perTime = new Map<number, AggGroup>();
  const perModel = new Map<number, number>();
  const cell = new Map<string, AggGroup>();
  for (const x of r.groups) {
    if (x.n === 0) continue;
    cell.set(`${x.g}|${x.g2}`, x);
    perModel.set(x.g2, (perModel.get(x.g2) ?? 0) + x.n);
    const t = perTime.get(x.g);
    if (!t) perTime.set(x.g, { ...x, hist: null });
    else {
      t.n += x.n;
      t.failures += x.failures;
      t.input += x.input;
      t.cacheRead += x.cacheRead;
      t.cacheCreation += x.cacheCreation;
      t.output += x.output;
      t.reasoning += x.reasoning;
      t.unclassified += x.unclassified;
      t.cost += x.cost;
      t.unpriced += x.unpriced;
    }
  }
  const order = [...perModel]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, top)
    .map((x) => x[0]);
  return {
    points: buckets.labels.map((_, b) => point(b, perTime.get(b))),
    byModel: order.map((m) => ({
      id: m,
      points: buckets.labels.map((_, b) => point(b, cell.get(`${b}|${m}`))),
    })),
    source: r.source,
  };
}

export interface BreakdownOptions {
  sort?: BreakdownSort;
  order?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

/** Breakdown rows of the groups with requests, sorted (ties by id) and paged. */
export function breakdownOf(
  groups: readonly AggGroup[],
  nameOf: NameOf,
  opts: BreakdownOptions,
): { rows: BreakdownRow[]; total: number } {
  const rows: BreakdownRow[] = [];
  for (const x of groups) {
    if (x.n === 0) continue;
    const nm = nameOf(x.g);
    rows.push({
      id: x.g,
      name: nm.name,
      label: nm.label,
      requests: x.n,
      failures: x.failures,
      tokens: tokensOf(x),
      costMicros: Math.round(x.cost),
      unpricedRequests: x.unpriced,
      lastSeenMs: x.lastTs,
      ...(nm.upstream !== undefined && { upstream: nm.upstream }),
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
  const offset = opts.offset ?? 0;
  return { rows: rows.slice(offset, offset + (opts.limit ?? 50)), total: rows.length };
}

/** Filter options from request counts per dimension (most requests first, ties by id). */
export function filterOptionsOf(
  counts: Record<Exclude<FilterDim, 'upstream'>, readonly Pick<AggGroup, 'g' | 'n'>[]>,
  nameOf: (dim: FilterDim) => NameOf,
  upstreams: readonly string[] = [],
): ReturnType<AnalyticsRepository['filterOptions']> {
  const pick = <T>(dim: Exclude<FilterDim, 'upstream'>, fn: (nm: DimNames, count: number) => T): T[] => {
    const names = nameOf(dim);
    return counts[dim]
      .filter((x) => x.n > 0)
      .sort((a, b) => b.n - a.n || a.g - b.g)
      .map((x) => fn(names(x.g), x.n));
  };
  return {
    keys: pick('key', (nm, count) => ({ hash: nm.name, label: nm.keyLabel, alias: nm.alias, count })),
    accounts: pick('account', (nm, count) => ({
      authIndex: nm.name,
      label: nm.label,
      count,
      ...(nm.upstream !== undefined && { upstream: nm.upstream }),
    })),
    models: pick('model', (nm, count) => ({ name: nm.name, count })),
    providers: pick('provider', (nm, count) => ({ name: nm.name, count })),
    // Every upstream ever stored (dictionary order), without counts: rollups do not carry the dimension.
    upstreams: upstreams.map((name) => ({ name })),
  };
}

/** Latency percentiles of groups with histograms, per model (nameOf) or for all (null). */
export function latencyRowsOf(
  r: AggGroups,
  percentiles: readonly number[],
  nameOf: NameOf | null,
  metric: 'latency' | 'ttft' = 'latency',
): ReturnType<AnalyticsRepository['latencyPercentiles']> {
  // TTFT: bucket 0 holds requests CPA reported no ttft for; count = requests with a ttft.
  if (metric === 'ttft') for (const x of r.groups) x.hist![0] = 0;
  const countOf = (x: AggGroup) => (metric === 'ttft' ? x.hist!.reduce((s, n) => s + n, 0) : x.n);
  return {
    rows: byCount(r.groups).map((x) => ({
      name: nameOf ? nameOf(x.g).name : 'all',
      count: countOf(x),
      percentiles: percentiles.map((p) => percentileFromHistogram(x.hist!, p)),
    })),
    source: r.source,
  };
}

/** Requests and tokens per weekday × hour (group g = weekday * 24 + hour). */
export function heatmapOf(r: AggGroups): ReturnType<AnalyticsRepository['heatmap']> {
  const at = new Map(r.groups.map((x) => [x.g, x]));
  const cells = [];
  for (let g = 0; g < 168; g++) {
    const x = at.get(g);
    cells.push({
      weekday: Math.floor(g / 24),
      hour: g % 24,
      requests: x?.n ?? 0,
      tokens: x ? tokensOf(x).total : 0,
    });
  }
  return { cells, source: r.source };
}
