import { sql, type RawBuilder } from 'kysely';
import type { AggResult, Dim, ResolvedFilter } from '../analytics/aggregate';
import { QUARTER_MS, type BucketMap } from '../analytics/time-zone';
import { TOKEN_COLUMNS, type TokenCounts } from '../events/event-tokens';
import { LATENCY_BUCKETS } from '../events/latency-buckets';
import { planAggregateRanges } from '../rollups/rollup-choice';
import { anyOf, rows, type PgExec } from './pg-connection';

export interface PgAggSpec {
  filter: ResolvedFilter;
  dim: Dim;
  /** Second grouping (time × model for split series). */
  dim2?: 'model';
  /** For dim 'time': quarter hour → bucket group. */
  buckets?: BucketMap;
  histogram?: boolean;
}

export interface PgAggGroup extends TokenCounts {
  /** Dictionary id of dim (or the bucket index for 'time', 0 for 'none'). */
  g: number;
  /** Model id when dim2 is set, else 0. */
  g2: number;
  n: number;
  failures: number;
  cost: number;
  unpriced: number;
  lastTs: number;
  hist: number[] | null;
}

/** Sparse groups (dictionary ids come from sequences, so they are not assumed dense). */
export interface PgAggResult {
  groups: PgAggGroup[];
  source: AggResult['source'];
}

// Rollup rows and raw events give the same m0…m10 (n, failures, six token sums, cost, unpriced, last ts).
const TOKEN_SUMS = TOKEN_COLUMNS.map((c) => `sum(${c})`);
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
  'sum(flags & 1)',
  ...TOKEN_SUMS,
  'coalesce(sum(cost), 0)',
  'count(*) FILTER (WHERE cost IS NULL)',
  'max(ts)',
];
type MetricRow = { a: number; b: number } & Record<`m${0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10}`, number>;

const DIM_COL: Record<Exclude<Dim, 'none' | 'time'>, string> = {
  model: 'model_id',
  key: 'key_id',
  account: 'account_id',
  provider: 'provider_id',
};

/** Rollups for the whole hours/days of the range, raw events for the edges (or for everything). */
export async function aggregatePg(db: PgExec, spec: PgAggSpec): Promise<PgAggResult> {
  const f = spec.filter;
  const { table, ranges, source } = planAggregateRanges(spec);

  const groups = new Map<string, PgAggGroup>();
  const groupOf = (a: number, b: number): PgAggGroup | undefined => {
    const g = spec.dim === 'time' ? spec.buckets!.map[a - spec.buckets!.q0] : a;
    if (g === undefined) return undefined;
    const g2 = spec.dim2 ? b : 0;
    const k = `${g}|${g2}`;
    let x = groups.get(k);
    if (!x) {
      x = {
        g,
        g2,
        n: 0,
        failures: 0,
        input: 0,
        cacheRead: 0,
        cacheCreation: 0,
        output: 0,
        reasoning: 0,
        unclassified: 0,
        cost: 0,
        unpriced: 0,
        lastTs: 0,
        hist: spec.histogram ? new Array<number>(LATENCY_BUCKETS).fill(0) : null,
      };
      groups.set(k, x);
    }
    return x;
  };

  for (const range of ranges) {
    const rollup = range.kind === 'rollup';
    const where: RawBuilder<unknown>[] = rollup
      ? [
          sql`${sql.ref(table!.timeCol)} >= ${range.from / table!.unit} AND ${sql.ref(table!.timeCol)} < ${range.to / table!.unit}`,
        ]
      : [sql`ts >= ${range.from} AND ts < ${range.to}`];
    if (f.keyIds) where.push(anyOf('key_id', f.keyIds));
    if (f.accountIds) where.push(anyOf('account_id', f.accountIds));
    if (f.modelIds) where.push(anyOf('model_id', f.modelIds));
    if (f.providerIds) where.push(anyOf('provider_id', f.providerIds));
    if (f.status === 'success') where.push(rollup ? sql`sclass = 2` : sql`(flags & 1) = 0`);
    else if (f.status === 'failure') where.push(rollup ? sql`sclass <> 2` : sql`(flags & 1) = 1`);
    else if (typeof f.status === 'number') where.push(sql`status = ${f.status}`);
    const g1 = sql.raw(
      spec.dim === 'none'
        ? '0'
        : spec.dim === 'time'
          ? rollup
            ? `${table!.timeCol} * ${table!.unit / QUARTER_MS}`
            : `ts / ${QUARTER_MS}`
          : DIM_COL[spec.dim],
    );
    const g2 = sql.raw(spec.dim2 ? 'model_id' : '0');
    const metrics = sql.raw(
      (rollup ? ROLLUP_METRICS : EVENT_METRICS).map((m, i) => `${m} AS m${i}`).join(', '),
    );
    const from = sql.table(rollup ? table!.name : 'events');
    const cond = sql.join(where, sql` AND `);
    const res =
      await sql<MetricRow>`SELECT ${g1} AS a, ${g2} AS b, ${metrics} FROM ${from} WHERE ${cond} GROUP BY 1, 2`.execute(
        db,
      );
    for (const r of res.rows) {
      const x = groupOf(r.a, r.b);
      if (!x) continue;
      x.n += r.m0;
      x.failures += r.m1;
      x.input += r.m2;
      x.cacheRead += r.m3;
      x.cacheCreation += r.m4;
      x.output += r.m5;
      x.reasoning += r.m6;
      x.unclassified += r.m7;
      x.cost += r.m8;
      x.unpriced += r.m9;
      if (r.m10 > x.lastTs) x.lastTs = r.m10;
    }
    if (spec.histogram) {
      const hrows = await rows(
        db,
        rollup
          ? sql<{
              a: number;
              b: number;
              bucket: number;
              n: number;
            }>`SELECT ${g1} AS a, ${g2} AS b, bucket, sum(n) AS n
              FROM ${sql.table(table!.hist!)} WHERE ${cond} GROUP BY 1, 2, 3`
          : sql<{
              a: number;
              b: number;
              bucket: number;
              n: number;
            }>`SELECT ${g1} AS a, ${g2} AS b, lat_bucket AS bucket, count(*) AS n
              FROM events WHERE ${cond} GROUP BY 1, 2, 3`,
      );
      for (const r of hrows) {
        const x = groupOf(r.a, r.b);
        if (x?.hist) x.hist[r.bucket]! += r.n;
      }
    }
  }
  return { groups: [...groups.values()], source };
}
