// Plus knows one CPA: its answers list an account per auth_index. With several CPAs the store's by-account rows
// are per CPA and account (the same auth_index on two CPAs is two rows); Plus's views fold them back into one
// row per auth_index, as they read before accounts were split by CPA.
import type { BreakdownRow } from '@cpamp/store';

export function perAuthIndex(
  rows: readonly BreakdownRow[],
  sort: 'requests' | 'failures' = 'requests',
): BreakdownRow[] {
  if (!rows.some((r) => r.upstream !== undefined)) return [...rows];
  const out = new Map<string, BreakdownRow>();
  for (const r of rows) {
    const x = out.get(r.name);
    if (!x) {
      const { upstream: _u, ...row } = r;
      out.set(r.name, { ...row, tokens: { ...r.tokens } });
      continue;
    }
    x.requests += r.requests;
    x.failures += r.failures;
    x.costMicros += r.costMicros;
    x.unpricedRequests += r.unpricedRequests;
    x.lastSeenMs = Math.max(x.lastSeenMs, r.lastSeenMs);
    for (const k of Object.keys(x.tokens) as (keyof BreakdownRow['tokens'])[]) x.tokens[k] += r.tokens[k];
  }
  return [...out.values()].sort((a, b) => b[sort] - a[sort]);
}
