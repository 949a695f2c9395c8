import type Database from 'better-sqlite3';
import { LATENCY_BUCKETS } from '../events/latency-buckets';
import { planAggregateRanges } from '../rollups/rollup-choice';
import { BLOCK, BLOCK_SHIFT, type ColumnCache } from './column-cache';
import { QUARTER_MS, type BucketMap } from './time-zone';


/** A filter with every string already resolved to dictionary ids. */
export interface ResolvedFilter {
  from: number;
  to: number;
  keyIds?: number[];
  accountIds?: number[];
  modelIds?: number[];
  providerIds?: number[];
  status?: 'success' | 'failure' | number;
}

export type Dim = 'none' | 'model' | 'key' | 'account' | 'provider' | 'time';

export interface AggSpec {
  filter: ResolvedFilter;
  dim: Dim;
  /** Second dimension (time × model for split series). */
  dim2?: 'model';
  /** Group count of dim (ids are dense and small); for 'time' the bucket count. */
  size: number;
  size2?: number;
  buckets?: BucketMap;
  histogram?: boolean;
}

export interface AggResult {
  size: number;
  n: Float64Array;
  failures: Float64Array;
  input: Float64Array;
  cacheRead: Float64Array;
  cacheCreation: Float64Array;
  output: Float64Array;
  reasoning: Float64Array;
  unclassified: Float64Array;
  cost: Float64Array;
  unpriced: Float64Array;
  lastTs: Float64Array;
  hist: Uint32Array | null;
  source: 'cache' | 'rollup' | 'events' | 'rollup+events';
}

function emptyResult(size: number, hist: boolean): AggResult {
  return {
    size,
    n: new Float64Array(size),
    failures: new Float64Array(size),
    input: new Float64Array(size),
    cacheRead: new Float64Array(size),
    cacheCreation: new Float64Array(size),
    output: new Float64Array(size),
    reasoning: new Float64Array(size),
    unclassified: new Float64Array(size),
    cost: new Float64Array(size),
    unpriced: new Float64Array(size),
    lastTs: new Float64Array(size),
    hist: hist ? new Uint32Array(size * LATENCY_BUCKETS) : null,
    source: 'events',
  };
}

const mask = (ids: number[] | undefined): Uint8Array | null => {
  if (!ids) return null;
  const m = new Uint8Array(Math.max(0, ...ids) + 1);
  for (const id of ids) m[id] = 1;
  return m;
};

/** Plain-JS scan of the column cache. */
export function aggregateCache(c: ColumnCache, spec: AggSpec): AggResult {
  const size2 = spec.dim2 ? spec.size2! : 1;
  const r = emptyResult(spec.size * size2, !!spec.histogram);
  r.source = 'cache';
  const f = spec.filter;
  const km = mask(f.keyIds);
  const am = mask(f.accountIds);
  const mm = mask(f.modelIds);
  const pm = mask(f.providerIds);
  const st = f.status;
  const from = f.from;
  const to = f.to;
  const bm = spec.buckets;
  const q0 = bm?.q0 ?? 0;
  const map = bm?.map;
  const dim = spec.dim;
  const {
    ts,
    key,
    account,
    model,
    provider,
    status,
    flags,
    input,
    cacheRead,
    cacheCreation,
    output,
    reasoning,
    unclassified,
    cost,
    latBucket,
  } = c;
  const {
    n: rn,
    failures: rf,
    input: ri,
    cacheRead: rcr,
    cacheCreation: rcc,
    output: ro,
    reasoning: rr,
    unclassified: ru,
    cost: rc,
    unpriced: rup,
    lastTs: rl,
  } = r;
  const hist = r.hist;
  const dim2 = spec.dim2 !== undefined;
  const { blockMin, blockMax } = c;
  const nBlocks = (c.n + BLOCK - 1) >> BLOCK_SHIFT;
  for (let b = 0; b < nBlocks; b++) {
    if (blockMax[b]! < from || blockMin[b]! >= to) continue;
    const end = Math.min(c.n, (b + 1) << BLOCK_SHIFT);
    for (let i = b << BLOCK_SHIFT; i < end; i++) {
      const t = ts[i]!;
      if (t < from || t >= to) continue;
      if (km !== null && km[key[i]!] !== 1) continue;
      if (am !== null && am[account[i]!] !== 1) continue;
      if (mm !== null && mm[model[i]!] !== 1) continue;
      if (pm !== null && pm[provider[i]!] !== 1) continue;
      if (st !== undefined) {
        const failed = (flags[i]! & 1) === 1;
        if (st === 'success' ? failed : st === 'failure' ? !failed : status[i] !== st) continue;
      }
      let g: number;
      switch (dim) {
        case 'none':
          g = 0;
          break;
        case 'model':
          g = model[i]!;
          break;
        case 'key':
          g = key[i]!;
          break;
        case 'account':
          g = account[i]!;
          break;
        case 'provider':
          g = provider[i]!;
          break;
        default:
          g = map![Math.floor(t / QUARTER_MS) - q0]!;
      }
      if (dim2) g = g * size2 + model[i]!;
      rn[g]! += 1;
      rf[g]! += flags[i]! & 1;
      ri[g]! += input[i]!;
      rcr[g]! += cacheRead[i]!;
      rcc[g]! += cacheCreation[i]!;
      ro[g]! += output[i]!;
      rr[g]! += reasoning[i]!;
      ru[g]! += unclassified[i]!;
      const cst = cost[i]!;
      if (cst === cst) rc[g]! += cst;
      else rup[g]! += 1;
      if (t > rl[g]!) rl[g] = t;
      if (hist !== null) hist[g * LATENCY_BUCKETS + latBucket[i]!]! += 1;
    }
  }
  return r;
}

interface SqlParts {
  where: string[];
  params: number[];
}

function inList(col: string, ids: number[] | undefined, p: SqlParts): void {
  if (!ids) return;
  if (ids.length === 0) {
    p.where.push('0');
    return;
  }
  p.where.push(`${col} IN (${ids.map(() => '?').join(',')})`);
  p.params.push(...ids);
}

/** SQL over the hourly rollup for whole hours and raw events for the edges (or for everything). */
export function aggregateSql(db: Database.Database, spec: AggSpec): AggResult {
  const size2 = spec.dim2 ? spec.size2! : 1;
  const r = emptyResult(spec.size * size2, !!spec.histogram);
  const f = spec.filter;
  const { table, ranges, source } = planAggregateRanges(spec);
  r.source = source;

  for (const range of ranges) {
    const rollup = range.kind === 'rollup';
    const p: SqlParts = { where: [], params: [] };
    if (rollup) {
      p.where.push(`${table!.timeCol} >= ? AND ${table!.timeCol} < ?`);
      p.params.push(range.from / table!.unit, range.to / table!.unit);
    } else {
      p.where.push('ts >= ? AND ts < ?');
      p.params.push(range.from, range.to);
    }
    inList('key_id', f.keyIds, p);
    inList('account_id', f.accountIds, p);
    inList('model_id', f.modelIds, p);
    inList('provider_id', f.providerIds, p);
    if (f.status === 'success') p.where.push(rollup ? 'sclass = 2' : '(flags & 1) = 0');
    else if (f.status === 'failure') p.where.push(rollup ? 'sclass <> 2' : '(flags & 1) = 1');
    else if (typeof f.status === 'number') {
      p.where.push('status = ?');
      p.params.push(f.status);
    }
    const g1 =
      spec.dim === 'none'
        ? '0'
        : spec.dim === 'model'
          ? 'model_id'
          : spec.dim === 'key'
            ? 'key_id'
            : spec.dim === 'account'
              ? 'account_id'
              : spec.dim === 'provider'
                ? 'provider_id'
                : rollup
                  ? `${table!.timeCol} * ${table!.unit / QUARTER_MS}`
                  : `ts / ${QUARTER_MS}`;
    const g2 = spec.dim2 ? 'model_id' : '0';
    const metrics = rollup
      ? 'sum(n), sum(failures), sum(input), sum(cache_read), sum(cache_creation), sum(output), sum(reasoning), sum(unclassified), sum(cost), sum(unpriced), max(last_ts)'
      : 'count(*), sum(flags & 1), sum(input), sum(cache_read), sum(cache_creation), sum(output), sum(reasoning), sum(unclassified), coalesce(sum(cost), 0), sum(cost IS NULL), max(ts)';
    const from = rollup ? table!.name : 'events';
    const where = p.where.join(' AND ');
    const rows = db
      .prepare(`SELECT ${g1}, ${g2}, ${metrics} FROM ${from} WHERE ${where} GROUP BY 1, 2`)
      .raw()
      .all(...p.params) as number[][];
    const groupOf = (a: number, b: number): number => {
      const g = spec.dim === 'time' ? spec.buckets!.map[a - spec.buckets!.q0]! : a;
      return spec.dim2 ? g * size2 + b : g;
    };
    for (const row of rows) {
      const g = groupOf(row[0]!, row[1]!);
      if (g === undefined || g >= r.size) continue;
      r.n[g]! += row[2]!;
      r.failures[g]! += row[3]!;
      r.input[g]! += row[4]!;
      r.cacheRead[g]! += row[5]!;
      r.cacheCreation[g]! += row[6]!;
      r.output[g]! += row[7]!;
      r.reasoning[g]! += row[8]!;
      r.unclassified[g]! += row[9]!;
      r.cost[g]! += row[10]!;
      r.unpriced[g]! += row[11]!;
      if (row[12]! > r.lastTs[g]!) r.lastTs[g] = row[12]!;
    }
    if (r.hist) {
      const hrows = rollup
        ? (db
            .prepare(
              `SELECT ${g1}, ${g2}, bucket, sum(n) FROM ${table!.hist} WHERE ${where} GROUP BY 1, 2, 3`,
            )
            .raw()
            .all(...p.params) as number[][])
        : (db
            .prepare(`SELECT ${g1}, ${g2}, lat_bucket, count(*) FROM events WHERE ${where} GROUP BY 1, 2, 3`)
            .raw()
            .all(...p.params) as number[][]);
      for (const row of hrows) {
        const g = groupOf(row[0]!, row[1]!);
        if (g === undefined || g >= r.size) continue;
        r.hist[g * LATENCY_BUCKETS + row[2]!]! += row[3]!;
      }
    }
  }
  return r;
}

/** Request counts per key, account, model and provider in one cache pass (filter options). */
export function countDimsCache(
  c: ColumnCache,
  f: ResolvedFilter,
  sizes: { key: number; account: number; model: number; provider: number },
): { key: Float64Array; account: Float64Array; model: Float64Array; provider: Float64Array } {
  const out = {
    key: new Float64Array(sizes.key),
    account: new Float64Array(sizes.account),
    model: new Float64Array(sizes.model),
    provider: new Float64Array(sizes.provider),
  };
  const km = mask(f.keyIds);
  const am = mask(f.accountIds);
  const mm = mask(f.modelIds);
  const pm = mask(f.providerIds);
  const st = f.status;
  const { ts, key, account, model, provider, status, flags, blockMin, blockMax } = c;
  const nBlocks = (c.n + BLOCK - 1) >> BLOCK_SHIFT;
  for (let b = 0; b < nBlocks; b++) {
    if (blockMax[b]! < f.from || blockMin[b]! >= f.to) continue;
    const end = Math.min(c.n, (b + 1) << BLOCK_SHIFT);
    for (let i = b << BLOCK_SHIFT; i < end; i++) {
      const t = ts[i]!;
      if (t < f.from || t >= f.to) continue;
      if (km !== null && km[key[i]!] !== 1) continue;
      if (am !== null && am[account[i]!] !== 1) continue;
      if (mm !== null && mm[model[i]!] !== 1) continue;
      if (pm !== null && pm[provider[i]!] !== 1) continue;
      if (st !== undefined) {
        const failed = (flags[i]! & 1) === 1;
        if (st === 'success' ? failed : st === 'failure' ? !failed : status[i] !== st) continue;
      }
      out.key[key[i]!]! += 1;
      out.account[account[i]!]! += 1;
      out.model[model[i]!]! += 1;
      out.provider[provider[i]!]! += 1;
    }
  }
  return out;
}
