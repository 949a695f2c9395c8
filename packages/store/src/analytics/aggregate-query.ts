import { sql, type RawBuilder } from 'kysely';
import { failedSql, outcomeSql } from '../events/event-flags';
import { TOKEN_COLUMNS, ZERO_TOKENS, type TokenCounts } from '../events/event-tokens';
import { LATENCY_BUCKETS } from '../events/latency-buckets';
import { bucketSql } from '../events/ttft-buckets';
import { planAggregateRanges, type AggregateRange, type RollupTable } from '../rollups/rollup-choice';
import type { FoldMarks } from '../rollups/fold-tier';
import type { AggSource, AggSpec } from './aggregate';
import { DIM_COLUMN } from './analytics-filter';
import { QUARTER_MS } from './time-zone';
import { upstreamIndexTerm } from './upstream-index';

/**
 * The SQL side of an aggregate, the same for SQLite and Postgres: kysely `sql` fragments with bound
 * values that each dialect only executes (better-sqlite3 synchronously, pg asynchronously), and the
 * collector that folds their rows into groups.
 */

/** One group of an aggregate. */
export interface AggGroup extends TokenCounts {
  /** Dictionary id of dim (or the bucket index for 'time', 0 for 'none'). */
  g: number;
  /** Model id when dim2 is set, else 0. */
  g2: number;
  n: number;
  failures: number;
  cost: number;
  unpriced: number;
  lastTs: number;
  /** Latency histogram (LATENCY_BUCKETS counts) when the spec asked for one. */
  hist: number[] | null;
}

/** Sparse groups: only those with events (ids are not assumed dense). */
export interface AggGroups {
  groups: AggGroup[];
  source: AggSource;
}

/**
 * A result row as its values in SELECT order (better-sqlite3's raw rows: far cheaper than objects
 * for the tens of thousands of rows a time × model split reads). Metrics: a, b, then m0…m10 = n,
 * failures, six token sums, cost, unpriced, last ts (rollups and raw events alike). Histogram: a, b,
 * bucket, n.
 */
export type ValueRow = readonly number[];

/** The queries of one time range: metrics, and the latency histogram when asked for. */
export interface AggregateStep {
  metrics: RawBuilder<Record<string, number>>;
  histogram: RawBuilder<Record<string, number>> | null;
  /** The piece of the range it reads (a raw-events piece may be answered by the column cache instead). */
  range?: AggregateRange;
  /**
   * A raw-events piece of a percentile view (not by time): metrics and histogram in one scan, grouped by a, b and
   * bucket (rows: a, b, bucket, m0…m10; bucket −1 = no TTFT reported). Executors run it instead of the two
   * queries: a year's raw events under a key filter are read once instead of twice.
   */
  combined?: RawBuilder<Record<string, number>>;
}

const TOKEN_SUMS = TOKEN_COLUMNS.map((c) => `sum(${c})`);
// Rollup rows and raw events give the same m0…m10.
const ROLLUP_METRICS = [
  'sum(n)',
  'sum(failures)',
  ...TOKEN_SUMS,
  'sum(cost)',
  'sum(unpriced)',
  'max(last_ts)',
];
const EVENT_METRICS = [
  'count(*)',
  `sum(${failedSql()})`,
  ...TOKEN_SUMS,
  'coalesce(sum(cost), 0)',
  'count(*) - count(cost)',
  'max(ts)',
];
const metricList = (ms: string[]) => sql.raw(ms.map((m, i) => `${m} AS m${i}`).join(', '));
const ROLLUP_METRIC_SQL = metricList(ROLLUP_METRICS);
const EVENT_METRIC_SQL = metricList(EVENT_METRICS);
// AggSpec.countOnly: n, and 0 for the other metrics (same columns).
const countList = (n: string) => metricList([n, ...EVENT_METRICS.slice(1).map(() => '0')]);
const ROLLUP_COUNT_SQL = countList('sum(n)');
const EVENT_COUNT_SQL = countList('count(*)');

/** `col IN (…)` with bound ids, or false for an empty list (a filter that matches nothing). */
export function idIn(col: string, ids: readonly number[]): RawBuilder<unknown> {
  return ids.length === 0 ? sql`false` : sql`${sql.ref(col)} IN (${sql.join(ids)})`;
}

/** Maps the quarter-hour expression of a time view to its bucket's representative quarter (SQL text). */
export type TimeFold = (quarterExpr: string) => string;

function stepOf(
  spec: AggSpec,
  range: AggregateRange,
  table: RollupTable | null,
  fold: TimeFold = (q) => q,
): AggregateStep {
  const f = spec.filter;
  const rollup = range.kind === 'rollup' ? (range.table ?? table!) : null;
  const where: RawBuilder<unknown>[] = rollup
    ? [
        sql`${sql.ref(rollup.timeCol)} >= ${range.from / rollup.unit} AND ${sql.ref(rollup.timeCol)} < ${range.to / rollup.unit}`,
      ]
    : [sql`ts >= ${range.from} AND ts < ${range.to}`];
  // A span table (rollup-spans.ts) holds 8- and 64-day blocks side by side: read the one span of this piece.
  if (rollup && 'span' in rollup) where.push(sql`span = ${rollup.span as number}`);
  if (f.keyIds) where.push(idIn(DIM_COLUMN.key, f.keyIds));
  if (f.accountIds) where.push(idIn(DIM_COLUMN.account, f.accountIds));
  if (f.modelIds) where.push(idIn(DIM_COLUMN.model, f.modelIds));
  if (f.providerIds) where.push(idIn(DIM_COLUMN.provider, f.providerIds));
  if (f.upstreamIds) where.push(idIn(DIM_COLUMN.upstream, f.upstreamIds));
  const upTerm = rollup ? null : upstreamIndexTerm(DIM_COLUMN.upstream, f.upstreamIds);
  if (upTerm) where.push(sql.raw(upTerm));
  if (f.status === 'success' || f.status === 'failure')
    where.push(sql.raw(outcomeSql(f.status, { rollup: rollup !== null })));
  else if (typeof f.status === 'number') where.push(sql`status = ${f.status}`);
  // Constants are literals: a bound divisor would make SQLite divide as floating point.
  const g1 = sql.raw(
    spec.dim === 'none'
      ? '0'
      : spec.dim === 'time'
        ? fold(rollup ? `${rollup.timeCol} * ${rollup.unit / QUARTER_MS}` : `ts / ${QUARTER_MS}`)
        : spec.dim === 'account' && spec.byUpstream
          ? `${DIM_COLUMN.account} * ${spec.byUpstream} + ${DIM_COLUMN.upstream}`
          : DIM_COLUMN[spec.dim],
  );
  const g2 = sql.raw(spec.dim2 ? 'model_id' : '0');
  const cond = sql.join(where, sql` AND `);
  const from = sql.table(rollup ? rollup.name : 'events');
  // AggSpec.countOnly: n only (the other metrics 0), so a raw scan decodes fewer columns.
  const metricSql = spec.countOnly ? (rollup ? ROLLUP_COUNT_SQL : EVENT_COUNT_SQL) : undefined;
  const metrics = sql<
    Record<string, number>
  >`SELECT ${g1} AS a, ${g2} AS b, ${metricSql ?? (rollup ? ROLLUP_METRIC_SQL : EVENT_METRIC_SQL)}
    FROM ${from} WHERE ${cond} GROUP BY 1, 2`;
  let histogram: RawBuilder<Record<string, number>> | null = null;
  if (spec.histogram) {
    const ttft = spec.histMetric === 'ttft';
    // Raw events keep only the ttft itself: its bucket is a CASE ladder (unreported ttft 0 left out).
    const bucket = sql.raw(ttft ? bucketSql('ttft') : 'lat_bucket');
    const known = ttft ? sql` AND ttft > 0` : sql``;
    histogram = rollup
      ? sql<Record<string, number>>`SELECT ${g1} AS a, ${g2} AS b, bucket, sum(n) AS n
          FROM ${sql.table((ttft ? rollup.ttftHist : rollup.hist)!)} WHERE ${cond} GROUP BY 1, 2, 3`
      : sql<Record<string, number>>`SELECT ${g1} AS a, ${g2} AS b, ${bucket} AS bucket, count(*) AS n
          FROM events WHERE ${cond}${known} GROUP BY 1, 2, 3`;
  }
  const combined =
    spec.histogram && !rollup && spec.dim !== 'time'
      ? sql<Record<string, number>>`SELECT ${g1} AS a, ${g2} AS b, ${sql.raw(
          spec.histMetric === 'ttft'
            ? `(CASE WHEN ttft > 0 THEN ${bucketSql('ttft')} ELSE -1 END)`
            : 'lat_bucket',
        )} AS c, ${EVENT_METRIC_SQL} FROM events WHERE ${cond} GROUP BY 1, 2, 3`
      : undefined;
  return { metrics, histogram, range, ...(combined ? { combined } : {}) };
}

/**
 * Rollups for the whole hours/days of the range, raw events for the edges (or for everything). `marks`: the fold
 * watermarks, read by the executor when planNeedsMarks(spec) (a deferred tier answers only below them).
 */
export function aggregateQueries(
  spec: AggSpec,
  fold?: TimeFold,
  marks?: FoldMarks,
): { steps: AggregateStep[]; source: AggSource } {
  const { table, ranges, source } = planAggregateRanges(spec, marks);
  return { steps: ranges.map((r) => stepOf(spec, r, table, fold)), source };
}

export const emptyGroup = (g: number, g2: number, histogram: boolean): AggGroup => ({
  g,
  g2,
  n: 0,
  failures: 0,
  ...ZERO_TOKENS,
  cost: 0,
  unpriced: 0,
  lastTs: 0,
  hist: histogram ? new Array<number>(LATENCY_BUCKETS).fill(0) : null,
});

/** Folds the rows of an aggregate's steps into groups. */
export class AggregateCollector {
  private readonly groups = new Map<number, AggGroup>();

  constructor(private readonly spec: AggSpec) {}

  private group(a: number, b: number): AggGroup | undefined {
    const s = this.spec;
    const g = s.dim === 'time' ? s.buckets!.map[a - s.buckets!.q0] : a;
    if (g === undefined) return undefined;
    const g2 = s.dim2 ? b : 0;
    // With dim2, g is a time bucket (far below 2^21): the key stays an exact integer.
    const k = s.dim2 ? g * 0x1_0000_0000 + g2 : g;
    let x = this.groups.get(k);
    if (!x) {
      x = emptyGroup(g, g2, !!s.histogram);
      this.groups.set(k, x);
    }
    return x;
  }

  addMetrics(rows: readonly ValueRow[]): void {
    for (const r of rows) {
      const x = this.group(r[0]!, r[1]!);
      if (!x) continue;
      x.n += r[2]!;
      x.failures += r[3]!;
      x.input += r[4]!;
      x.cacheRead += r[5]!;
      x.cacheCreation += r[6]!;
      x.output += r[7]!;
      x.reasoning += r[8]!;
      x.unclassified += r[9]!;
      x.cost += r[10]!;
      x.unpriced += r[11]!;
      if (r[12]! > x.lastTs) x.lastTs = r[12]!;
    }
  }

  addHistogram(rows: readonly ValueRow[]): void {
    for (const r of rows) {
      const x = this.group(r[0]!, r[1]!);
      if (x?.hist) x.hist[r[2]!]! += r[3]!;
    }
  }

  /** Rows of a step's combined query (a, b, bucket, m0…m10): the metrics, and the histogram (bucket ≥ 0). */
  addCombined(rows: readonly ValueRow[]): void {
    this.addMetrics(rows.map((r) => [r[0]!, r[1]!, ...r.slice(3)]));
    this.addHistogram(rows.filter((r) => r[2]! >= 0).map((r) => [r[0]!, r[1]!, r[2]!, r[3]!]));
  }

  /** Adds groups answered elsewhere (the column cache) for a grouping by an id (not time), in the same shape. */
  addGroups(groups: readonly AggGroup[]): void {
    for (const y of groups) {
      if (y.n === 0) continue;
      const x = this.group(y.g, y.g2);
      if (x) addGroupInto(x, y);
    }
  }

  result(source: AggSource): AggGroups {
    return { groups: [...this.groups.values()], source };
  }
}

/** Adds group y's sums into x (the same group answered by two disjoint pieces). */
export function addGroupInto(x: AggGroup, y: AggGroup): void {
  x.n += y.n;
  x.failures += y.failures;
  x.input += y.input;
  x.cacheRead += y.cacheRead;
  x.cacheCreation += y.cacheCreation;
  x.output += y.output;
  x.reasoning += y.reasoning;
  x.unclassified += y.unclassified;
  x.cost += y.cost;
  x.unpriced += y.unpriced;
  if (y.lastTs > x.lastTs) x.lastTs = y.lastTs;
  if (x.hist && y.hist) for (let i = 0; i < x.hist.length; i++) x.hist[i]! += y.hist[i]!;
}
