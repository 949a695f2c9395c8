import { FLAG_FAILED } from '../events/event-flags';
import { idMask, type ResolvedFilter } from './aggregate';
import type { SeriesPoint } from './analytics.repository';
import { BLOCK, BLOCK_SHIFT, type ColumnCache } from './column-cache';
import { QUARTER_MS, type BucketMap } from './time-zone';

/**
 * A time series split by its top models in ONE pass over the column cache. A point shows four figures
 * (requests, failures, token total, cost), so only those are summed, into flat time × model arrays:
 * no group object per (bucket, model) pair, which is what made an hourly 30-day split of dozens of
 * models slow. The same answer as seriesOf over a time × model aggregate (same sums, same order).
 */

/** Time × model pairs above this would make the flat arrays too big (32 bytes a pair). */
export const SPLIT_CACHE_MAX_PAIRS = 1 << 21;

export function seriesSplitCache(
  c: ColumnCache,
  f: ResolvedFilter,
  buckets: BucketMap,
  top: number,
  models: number,
): { points: SeriesPoint[]; byModel: { id: number; points: SeriesPoint[] }[]; source: 'cache' } {
  const nB = buckets.labels.length;
  const nM = Math.max(1, models);
  const n = new Float64Array(nB * nM);
  const fails = new Float64Array(nB * nM);
  const tok = new Float64Array(nB * nM);
  const cst = new Float64Array(nB * nM);
  const km = idMask(f.keyIds);
  const am = idMask(f.accountIds);
  const mm = idMask(f.modelIds);
  const pm = idMask(f.providerIds);
  const um = idMask(f.upstreamIds);
  const st = f.status;
  const { from, to } = f;
  const { q0, map } = buckets;
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
    upstream,
  } = c;
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
      const failed = (flags[i]! & failedBit) !== 0;
      if (st !== undefined && (st === 'success' ? failed : st === 'failure' ? !failed : status[i] !== st))
        continue;
      const bk = map[Math.floor(t / QUARTER_MS) - q0];
      if (bk === undefined) continue;
      const g = bk * nM + model[i]!;
      n[g]! += 1;
      if (failed) fails[g]! += 1;
      tok[g]! +=
        input[i]! + cacheRead[i]! + cacheCreation[i]! + output[i]! + reasoning[i]! + unclassified[i]!;
      // An unpriced event's cost (the column's mark or NaN, see CostCol) adds nothing.
      const x = cost[i]!;
      if (x !== unpricedMark && x === x) cst[g]! += x;
    }
  }
  const perModel = new Float64Array(nM);
  const points: SeriesPoint[] = [];
  for (let bk = 0; bk < nB; bk++) {
    let rq = 0;
    let fl = 0;
    let tk = 0;
    let cs = 0;
    for (let m = 0, g = bk * nM; m < nM; m++, g++) {
      if (n[g] === 0) continue;
      rq += n[g]!;
      fl += fails[g]!;
      tk += tok[g]!;
      cs += cst[g]!;
      perModel[m]! += n[g]!;
    }
    points.push({
      label: buckets.labels[bk]!,
      startMs: buckets.starts[bk]!,
      requests: rq,
      failures: fl,
      tokens: tk,
      costMicros: Math.round(cs),
    });
  }
  const order: number[] = [];
  for (let m = 0; m < nM; m++) if (perModel[m]! > 0) order.push(m);
  order.sort((a, b) => perModel[b]! - perModel[a]! || a - b);
  const byModel = order.slice(0, top).map((m) => ({
    id: m,
    points: buckets.labels.map((label, bk) => {
      const g = bk * nM + m;
      return {
        label,
        startMs: buckets.starts[bk]!,
        requests: n[g]!,
        failures: fails[g]!,
        tokens: tok[g]!,
        costMicros: Math.round(cst[g]!),
      };
    }),
  }));
  return { points, byModel, source: 'cache' };
}
