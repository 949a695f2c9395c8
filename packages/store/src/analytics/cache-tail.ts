import type { AggSpec } from './aggregate';
import { addGroupInto, type AggGroup, type AggGroups } from './aggregate-query';

/**
 * Views no rollup answers (a key × account breakdown, percentiles or a model split under a key / account filter,
 * a status-code filter) over a range that starts before the column cache's window (issue #21, 10M events: the
 * cache holds the newest ~3M): SQL scans only the raw events older than the window, the cache answers the rest.
 * The two pieces are disjoint in time, so their groups add up exactly.
 */

/** The pieces of `spec` split at the cache's floor, or null when the range does not straddle it. */
export function splitAtCacheFloor(spec: AggSpec, floorMs: number): { head: AggSpec; tail: AggSpec } | null {
  const f = spec.filter;
  if (!(floorMs > f.from && floorMs < f.to)) return null;
  return {
    head: { ...spec, filter: { ...f, to: floorMs } },
    tail: { ...spec, filter: { ...f, from: floorMs } },
  };
}

const groupKey = (x: AggGroup): number => x.g * 0x1_0000_0000 + x.g2;

/**
 * Two answers of the same spec over disjoint time ranges, added per group (g, g2 are already group indexes: an id,
 * or a time bucket for 'time', which both pieces map through the same BucketMap). The source is the head's.
 */
export function addAggGroups(head: AggGroups, tail: AggGroups): AggGroups {
  const out = new Map<number, AggGroup>();
  for (const x of head.groups) out.set(groupKey(x), { ...x, hist: x.hist ? [...x.hist] : null });
  for (const y of tail.groups) {
    if (y.n === 0) continue;
    const x = out.get(groupKey(y));
    if (!x) {
      out.set(groupKey(y), { ...y, hist: y.hist ? [...y.hist] : null });
      continue;
    }
    addGroupInto(x, y);
  }
  return { groups: [...out.values()], source: head.source };
}
