import { FLAG_FAILED } from '../events/event-flags';
import { LATENCY_BUCKETS, latencyBucket } from '../events/latency-buckets';
import { BUCKET_OF_MS } from '../events/ttft-buckets';
import type { AggGroup, AggGroups } from './aggregate-query';
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
  /**
   * The column cache answers it like a key filter; outside it, the CPA tiers (migration 0033) and SQL over raw
   * events (Postgres: through events_upstream_ts, migration 0024).
   */
  upstreamIds?: number[];
  /**
   * The store holds two or more CPAs: the CPA tiers (rollups/upstream-tiers.ts) may answer an upstream filter. With
   * one (the panel offers no CPA filter then) such a filter reads raw events, as it always did.
   */
  severalCpas?: boolean;
  status?: 'success' | 'failure' | number;
}

export type Dim = 'none' | 'model' | 'key' | 'account' | 'provider' | 'time';

/** Where an answer came from. */
export type AggSource = 'cache' | 'rollup' | 'events' | 'rollup+events';

/** One aggregate: a filter grouped by one dimension (and optionally by model within it). */
export interface AggSpec {
  filter: ResolvedFilter;
  dim: Dim;
  /** Second dimension (time × model for split series). */
  dim2?: 'model';
  /** For dim 'time': quarter hour → bucket group. */
  buckets?: BucketMap;
  histogram?: boolean;
  /** What the histogram counts: latency (default) or time to first token (bucket 0 = not reported). */
  histMetric?: 'latency' | 'ttft';
  /**
   * Only the request count n is read (filter options): SQL sums nothing else, the other metrics come back 0 from
   * SQL pieces (a raw scan then decodes only the columns it filters and groups on: ~45% less CPU at 10M).
   */
  countOnly?: boolean;
  /**
   * For dim 'account' with several CPAs: group by (account, CPA), group = account id * byUpstream + upstream id
   * (byUpstream: above every upstream id). Rollups carry no CPA: callers also filter by every upstream id.
   */
  byUpstream?: number;
  /** Postgres: its own tiers (migration 0031, rollups/pg-dims-tables.ts) may answer too (set by aggregatePg). */
  pgTiers?: boolean;
}

/** Dense per-group sums of a cache scan (group g at index g). */
interface DenseResult {
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
}

function emptyResult(size: number, hist: boolean): DenseResult {
  return {
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
  };
}

/** The groups with events of a dense result (with dim2, index g is group (g / size2, g % size2)). */
function sparse(r: DenseResult, dim2: boolean, size2: number): AggGroup[] {
  const out: AggGroup[] = [];
  for (let g = 0; g < r.n.length; g++) {
    if (r.n[g] === 0) continue;
    out.push({
      g: dim2 ? Math.floor(g / size2) : g,
      g2: dim2 ? g % size2 : 0,
      n: r.n[g]!,
      failures: r.failures[g]!,
      input: r.input[g]!,
      cacheRead: r.cacheRead[g]!,
      cacheCreation: r.cacheCreation[g]!,
      output: r.output[g]!,
      reasoning: r.reasoning[g]!,
      unclassified: r.unclassified[g]!,
      cost: r.cost[g]!,
      unpriced: r.unpriced[g]!,
      lastTs: r.lastTs[g]!,
      hist: r.hist ? Array.from(r.hist.subarray(g * LATENCY_BUCKETS, (g + 1) * LATENCY_BUCKETS)) : null,
    });
  }
  return out;
}

/** A lookup array with 1 at each id (null: no filter on that dimension). */
export const idMask = (ids: number[] | undefined): Uint8Array | null => {
  if (!ids) return null;
  const m = new Uint8Array(Math.max(0, ...ids) + 1);
  for (const id of ids) m[id] = 1;
  return m;
};

/**
 * Plain-JS scan of the column cache. `size` is the group count of dim (dictionary ids are dense and
 * small; for 'time' the bucket count), `size2` the model count when dim2 is set.
 */
export function aggregateCache(c: ColumnCache, spec: AggSpec, size: number, size2 = 1): AggGroups {
  if (!spec.dim2) size2 = 1;
  const r = emptyResult(size * size2, !!spec.histogram);
  const f = spec.filter;
  const km = idMask(f.keyIds);
  const am = idMask(f.accountIds);
  const mm = idMask(f.modelIds);
  const pm = idMask(f.providerIds);
  const um = idMask(f.upstreamIds);
  const st = f.status;
  const from = f.from;
  const to = f.to;
  const bm = spec.buckets;
  const q0 = bm?.q0 ?? 0;
  const map = bm?.map;
  const dim = spec.dim;
  const uw = spec.byUpstream ?? 0;
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
    upstream,
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
  // TTFT has no bucket column in the cache: its bucket is computed from the raw ttft, only when asked for.
  const ttftMode = spec.histMetric === 'ttft';
  const ttftCol = c.ttft;
  const bucketOf = BUCKET_OF_MS;
  const dim2 = spec.dim2 !== undefined;
  // Locals, not module bindings, in the per-row loop.
  const failedBit = FLAG_FAILED;
  const unpricedMark = c.costUnpriced;
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
      if (um !== null && um[upstream[i]!] !== 1) continue;
      const fl = flags[i]!;
      if (st !== undefined) {
        const failed = (fl & failedBit) !== 0;
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
          g = uw === 0 ? account[i]! : account[i]! * uw + upstream[i]!;
          break;
        case 'provider':
          g = provider[i]!;
          break;
        default:
          g = map![Math.floor(t / QUARTER_MS) - q0]!;
      }
      if (dim2) g = g * size2 + model[i]!;
      rn[g]! += 1;
      if ((fl & failedBit) !== 0) rf[g]! += 1;
      ri[g]! += input[i]!;
      rcr[g]! += cacheRead[i]!;
      rcc[g]! += cacheCreation[i]!;
      ro[g]! += output[i]!;
      rr[g]! += reasoning[i]!;
      ru[g]! += unclassified[i]!;
      // An unpriced event's cost is the column's mark (u32) or NaN (Float64): see CostCol.
      const cst = cost[i]!;
      if (cst === unpricedMark || cst !== cst) rup[g]! += 1;
      else rc[g]! += cst;
      if (t > rl[g]!) rl[g] = t;
      if (hist !== null) {
        let b: number;
        if (!ttftMode) b = latBucket[i]!;
        else {
          const v = ttftCol[i]!;
          b = v < 65_536 ? bucketOf[v]! : latencyBucket(v);
        }
        hist[g * LATENCY_BUCKETS + b]! += 1;
      }
    }
  }
  return { groups: sparse(r, dim2, size2), source: 'cache' };
}

type CountDim = 'key' | 'account' | 'model' | 'provider';

/** Request counts per key, account, model and provider in one cache pass (filter options). */
export function countDimsCache(
  c: ColumnCache,
  f: ResolvedFilter,
  sizes: Record<CountDim, number>,
): Record<CountDim, Pick<AggGroup, 'g' | 'n'>[]> {
  const out = {
    key: new Float64Array(sizes.key),
    account: new Float64Array(sizes.account),
    model: new Float64Array(sizes.model),
    provider: new Float64Array(sizes.provider),
  };
  const km = idMask(f.keyIds);
  const am = idMask(f.accountIds);
  const mm = idMask(f.modelIds);
  const pm = idMask(f.providerIds);
  const um = idMask(f.upstreamIds);
  const st = f.status;
  const { ts, key, account, model, provider, status, flags, upstream, blockMin, blockMax } = c;
  const failedBit = FLAG_FAILED;
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
      if (um !== null && um[upstream[i]!] !== 1) continue;
      if (st !== undefined) {
        const failed = (flags[i]! & failedBit) !== 0;
        if (st === 'success' ? failed : st === 'failure' ? !failed : status[i] !== st) continue;
      }
      out.key[key[i]!]! += 1;
      out.account[account[i]!]! += 1;
      out.model[model[i]!]! += 1;
      out.provider[provider[i]!]! += 1;
    }
  }
  const counted = (a: Float64Array) => {
    const groups: Pick<AggGroup, 'g' | 'n'>[] = [];
    for (let g = 0; g < a.length; g++) if (a[g]! > 0) groups.push({ g, n: a[g]! });
    return groups;
  };
  return {
    key: counted(out.key),
    account: counted(out.account),
    model: counted(out.model),
    provider: counted(out.provider),
  };
}
