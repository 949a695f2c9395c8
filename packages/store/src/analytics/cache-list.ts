import { idMask, type ResolvedFilter } from './aggregate';
import { FLAG_CACHE_HAS_REQ, FLAG_FAILED } from '../events/event-flags';
import { BLOCK, BLOCK_SHIFT, type ColumnCache } from './column-cache';

export interface CacheListQuery {
  filter: Omit<ResolvedFilter, 'from' | 'to'> & { from?: number; to?: number };
  minLatencyMs?: number;
  /** Search: any of model ids / request-id range / ids whose text request id matched. */
  search?: { modelIds: number[]; reqRange: [number, number] | null; ids: Set<number> };
  cursor?: { ts: number; id: number };
  limit: number;
}

/** Newest-first keyset page from the column cache: one scan keeping the best `limit` (ts, id). */
export function listFromCache(c: ColumnCache, q: CacheListQuery): { id: number; ts: number }[] {
  const f = q.filter;
  const km = idMask(f.keyIds);
  const am = idMask(f.accountIds);
  const mm = idMask(f.modelIds);
  const pm = idMask(f.providerIds);
  const um = idMask(f.upstreamIds);
  const sm = q.search ? idMask(q.search.modelIds) : null;
  const from = f.from ?? -Infinity;
  const to = f.to ?? Infinity;
  const minLat = q.minLatencyMs ?? 0;
  const cTs = q.cursor?.ts ?? Infinity;
  const cId = q.cursor?.id ?? Infinity;
  const st = f.status;
  const k = q.limit;
  // Sorted descending by (ts, id); best[k-1] is the current worst kept.
  const bestTs: number[] = [];
  const bestId: number[] = [];
  const { ts, id, key, account, model, provider, status, flags, latency, req, upstream } = c;
  const { blockMin, blockMax } = c;
  // Locals, not module bindings, in the per-row loop.
  const failedBit = FLAG_FAILED;
  const hasReqBit = FLAG_CACHE_HAS_REQ;
  for (let b = (c.n - 1) >> BLOCK_SHIFT; b >= 0; b--) {
    if (blockMax[b]! < from || blockMin[b]! >= to || blockMin[b]! > cTs) continue;
    if (bestTs.length === k && blockMax[b]! < bestTs[k - 1]!) continue;
    const start = b << BLOCK_SHIFT;
    for (let i = Math.min(c.n, start + BLOCK) - 1; i >= start; i--) {
      const t = ts[i]!;
      if (t < from || t >= to) continue;
      const rid = id[i]!;
      if (t > cTs || (t === cTs && rid >= cId)) continue;
      if (bestTs.length === k) {
        const wt = bestTs[k - 1]!;
        if (t < wt || (t === wt && rid < bestId[k - 1]!)) continue;
      }
      if (km !== null && km[key[i]!] !== 1) continue;
      if (am !== null && am[account[i]!] !== 1) continue;
      if (mm !== null && mm[model[i]!] !== 1) continue;
      if (pm !== null && pm[provider[i]!] !== 1) continue;
      if (um !== null && um[upstream[i]!] !== 1) continue;
      if (st !== undefined) {
        const failed = (flags[i]! & failedBit) !== 0;
        if (st === 'success' ? failed : st === 'failure' ? !failed : status[i] !== st) continue;
      }
      if (latency[i]! < minLat) continue;
      if (q.search) {
        const s = q.search;
        const r = req[i]!;
        const hit =
          (sm !== null && sm[model[i]!] === 1) ||
          (s.reqRange !== null &&
            (flags[i]! & hasReqBit) !== 0 &&
            r >= s.reqRange[0] &&
            r <= s.reqRange[1]) ||
          (s.ids.size > 0 && s.ids.has(rid));
        if (!hit) continue;
      }
      // Insert in order (k is small; most candidates arrive already newest-first).
      let pos = bestTs.length;
      while (pos > 0 && (bestTs[pos - 1]! < t || (bestTs[pos - 1] === t && bestId[pos - 1]! < rid))) pos--;
      bestTs.splice(pos, 0, t);
      bestId.splice(pos, 0, rid);
      if (bestTs.length > k) {
        bestTs.pop();
        bestId.pop();
      }
    }
  }
  return bestTs.map((t, j) => ({ ts: t, id: bestId[j]! }));
}
