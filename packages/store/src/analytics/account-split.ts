import type { AggSpec } from './aggregate';
import type { NameOf } from './analytics-views';

// Several CPAs: the same auth_index on two CPAs is two accounts (see account-on-cpa.ts), so a by-account view
// keeps them apart by grouping by (account, CPA). Rollups carry no CPA: like an upstream filter, such a view
// reads raw events (the column cache, or the events table), so retention's raw window bounds it.

/** A by-account spec that groups by (account, CPA) when the store holds several CPAs (`upstreamIds`). */
export function accountSplitSpec(spec: AggSpec, upstreamIds: readonly number[]): AggSpec {
  if (spec.dim !== 'account' || upstreamIds.length < 2) return spec;
  const filter = {
    ...spec.filter,
    upstreamIds: spec.filter.upstreamIds ?? [...upstreamIds],
    severalCpas: true,
  };
  return { ...spec, filter, byUpstream: Math.max(...upstreamIds) + 1 };
}

/** The account id of a split group. */
export const splitAccountId = (spec: AggSpec, g: number): number =>
  spec.byUpstream ? Math.floor(g / spec.byUpstream) : g;

/** Names of a split spec's groups: the account's, with its CPA's name. */
export function splitNames(spec: AggSpec, account: NameOf, upstreamName: (id: number) => string): NameOf {
  const uw = spec.byUpstream;
  if (!uw) return account;
  return (g) => ({ ...account(Math.floor(g / uw)), upstream: upstreamName(g % uw) });
}
