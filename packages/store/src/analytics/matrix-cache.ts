import { FLAG_FAILED } from '../events/event-flags';
import { idMask, type ResolvedFilter } from './aggregate';
import { emptyGroup, type AggGroup } from './aggregate-query';
import { BLOCK, BLOCK_SHIFT, type ColumnCache } from './column-cache';
import { matrixIds, type MatrixBy, type MatrixGroups, type MatrixOptions } from './matrix-view';

/**
 * The entity × model matrix in ONE pass over the column cache. Only the four figures the matrix shows
 * are summed (requests, failures, token total, cost) into flat entity × model arrays, with no group
 * objects per pair: thousands of accounts × dozens of models stay a few MB and one tight loop. Row and
 * column totals are folded from those arrays; only the top rows × top columns become groups.
 */

/** Entity × model pairs above this would make the flat arrays too big (32 bytes a pair). */
export const MATRIX_CACHE_MAX_PAIRS = 1 << 21;

export function matrixCache(
  c: ColumnCache,
  f: ResolvedFilter,
  opts: MatrixOptions,
  sizes: { entities: number; models: number },
  /** By account with several CPAs: entity = account id * byUpstream + upstream id (see account-split.ts). */
  byUpstream = 0,
): MatrixGroups {
  const by: MatrixBy = opts.by;
  const nE = Math.max(1, sizes.entities);
  const nM = Math.max(1, sizes.models);
  const n = new Float64Array(nE * nM);
  const fails = new Float64Array(nE * nM);
  const tok = new Float64Array(nE * nM);
  const cst = new Float64Array(nE * nM);
  const km = idMask(f.keyIds);
  const am = idMask(f.accountIds);
  const mm = idMask(f.modelIds);
  const pm = idMask(f.providerIds);
  const um = idMask(f.upstreamIds);
  const st = f.status;
  const { from, to } = f;
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
  const ent = by === 'key' ? key : by === 'account' ? account : provider;
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
      const g = (byUpstream === 0 ? ent[i]! : ent[i]! * byUpstream + upstream[i]!) * nM + model[i]!;
      n[g]! += 1;
      if (failed) fails[g]! += 1;
      tok[g]! +=
        input[i]! + cacheRead[i]! + cacheCreation[i]! + output[i]! + reasoning[i]! + unclassified[i]!;
      // An unpriced event's cost (the column's mark or NaN, see CostCol) adds nothing (as in the SQL sums).
      const x = cost[i]!;
      if (x !== unpricedMark && x === x) cst[g]! += x;
    }
  }
  // A group carries the token total in `input` (the matrix only shows the total).
  const group = (g: number, g2: number): AggGroup => emptyGroup(g, g2, false);
  const rows: AggGroup[] = [];
  const cols: AggGroup[] = [];
  for (let m = 0; m < nM; m++) cols.push(group(m, 0));
  for (let e = 0; e < nE; e++) {
    let r: AggGroup | null = null;
    for (let m = 0, g = e * nM; m < nM; m++, g++) {
      if (n[g] === 0) continue;
      r ??= group(e, 0);
      r.n += n[g]!;
      r.failures += fails[g]!;
      r.input += tok[g]!;
      r.cost += cst[g]!;
      const col = cols[m]!;
      col.n += n[g]!;
      col.failures += fails[g]!;
      col.input += tok[g]!;
      col.cost += cst[g]!;
    }
    if (r) rows.push(r);
  }
  const rowTotals = rows;
  const columnTotals = cols.filter((x) => x.n > 0);
  const { rowIds, columnIds } = matrixIds({ groups: [], rowTotals, columnTotals, source: 'cache' }, opts);
  const groups: AggGroup[] = [];
  for (const e of rowIds)
    for (const m of columnIds) {
      const g = e * nM + m;
      if (n[g] === 0) continue;
      const x = group(e, m);
      x.n = n[g]!;
      x.failures = fails[g]!;
      x.input = tok[g]!;
      x.cost = cst[g]!;
      groups.push(x);
    }
  return { groups, rowTotals, columnTotals, source: 'cache' };
}
