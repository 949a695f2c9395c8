import { DEFAULT_UPSTREAM, DEFAULT_UPSTREAM_ID } from '../events/event-upstream';

/**
 * The literal term that lets the planner use the partial index events_upstream_ts (migration 0024:
 * `WHERE upstream_id <> 1`; Postgres only since SQLite's 0033 dropped it) for a filter naming only non-default
 * CPAs, or null. A planner uses a partial index only when the query's WHERE visibly implies the index's.
 * `col` is the upstream column as the query names it (e.g. `e.upstream_id`).
 */
export function upstreamIndexTerm(col: string, ids: readonly number[] | undefined): string | null {
  return ids && ids.length > 0 && !ids.includes(DEFAULT_UPSTREAM_ID)
    ? `${col} <> ${DEFAULT_UPSTREAM_ID}`
    : null;
}

/** The same for a filter by upstream names (Postgres list queries resolve names in a subquery). */
export function upstreamIndexTermOfNames(col: string, names: readonly string[] | undefined): string | null {
  return names && names.length > 0 && !names.includes(DEFAULT_UPSTREAM)
    ? `${col} <> ${DEFAULT_UPSTREAM_ID}`
    : null;
}
