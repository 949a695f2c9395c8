/**
 * CPA's `after` is whole unix seconds, so lines written later in the same second as the newest one we
 * have would be skipped by `after=latest`. The panel asks for `after=latest-1` and drops the overlap:
 * the longest prefix of `incoming` that equals the tail of `existing`.
 */
export function appendWithOverlap(existing: readonly string[], incoming: readonly string[], max: number): string[] {
  let k = Math.min(existing.length, incoming.length);
  for (; k > 0; k--) {
    let same = true;
    for (let i = 0; i < k; i++) {
      if (existing[existing.length - k + i] !== incoming[i]) {
        same = false;
        break;
      }
    }
    if (same) break;
  }
  const next = existing.concat(incoming.slice(k));
  return next.length > max ? next.slice(-max) : next;
}
