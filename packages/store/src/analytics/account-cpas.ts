import type { AggSource, AggSpec, ResolvedFilter } from './aggregate';
import type { AggGroup } from './aggregate-query';

// Several CPAs: a by-account view groups by (account, CPA) (account-split.ts), which rollups cannot answer (they
// carry no CPA). But an auth_index rarely occurs on two CPAs: `account_upstream` (migration 0030) records which CPAs
// each account id has events on, filled at insert. An account on one CPA has all its events there, so its rollup
// row (one per account id) is its split row, tagged with that CPA; only accounts on two or more CPAs need raw
// events grouped by (account, CPA). The table only grows (retention leaves pairs of deleted events): a stale pair
// makes an account look like it is on two CPAs, which costs a raw read but never a wrong row.

/** An account on two or more CPAs (value of AccountCpas). */
export const ON_SEVERAL = -1;

/** Account id → the id of the one CPA it has events on, or ON_SEVERAL. An account not listed counts as ON_SEVERAL. */
export type AccountCpas = ReadonlyMap<number, number>;

/** The map of `account_upstream` rows. */
export function accountCpasOf(pairs: readonly { account_id: number; upstream_id: number }[]): AccountCpas {
  const out = new Map<number, number>();
  for (const p of pairs) {
    const a = Number(p.account_id);
    const u = Number(p.upstream_id);
    const had = out.get(a);
    out.set(a, had === undefined || had === u ? u : ON_SEVERAL);
  }
  return out;
}

/** The distinct (account, CPA) pairs of a batch's stored events (what the insert records). */
export function batchPairs(rows: readonly { accountId: number; upstreamId: number }[]): [number, number][] {
  const seen = new Set<number>();
  const out: [number, number][] = [];
  for (const r of rows) {
    // Upstream ids are small (a handful of CPAs): one number per pair.
    const k = r.accountId * 65_536 + r.upstreamId;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push([r.accountId, r.upstreamId]);
  }
  return out.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

/**
 * Whether a split spec (accountSplitSpec's) may be answered in two steps: `whole` (the caller's unsplit spec, which
 * rollups answer) then the split spec over the accounts on two or more CPAs. Not when the caller filtered by CPA:
 * that spec reads raw events anyway.
 */
export const twoStepSplit = (split: AggSpec, whole: AggSpec): boolean =>
  split.byUpstream !== undefined && whole.filter.upstreamIds === undefined;

/**
 * Whether the filter names an account on two or more CPAs. Then the raw split of the named accounts is read whole:
 * it is the same read the second step would make. A filter naming no account takes the two steps even when some
 * account is on several CPAs: the raw split of every account groups every event of the range (SQLite, a year at
 * 10M events with two CPAs: 6.7 s), the shared accounts' raw events alone ~0.9 s (Postgres: through its account
 * index).
 */
export function selectsSeveral(whole: AggSpec, cpas: AccountCpas): boolean {
  const ids = whole.filter.accountIds;
  if (!ids) return false;
  return ids.some((a) => {
    const u = cpas.get(a);
    return u === undefined || u === ON_SEVERAL;
  });
}

/** The accounts of an unsplit result that are not on exactly one CPA (null: none). */
export function severalCpaAccounts(
  whole: { groups: readonly { g: number }[] },
  cpas: AccountCpas,
): number[] | null {
  const ids = new Set<number>();
  for (const x of whole.groups) {
    const u = cpas.get(x.g);
    if (u === undefined || u === ON_SEVERAL) ids.add(x.g);
  }
  return ids.size ? [...ids].sort((a, b) => a - b) : null;
}

/** The split spec narrowed to some accounts (those severalCpaAccounts found). */
export const splitOfAccounts = (split: AggSpec, accountIds: number[]): AggSpec => ({
  ...split,
  filter: { ...split.filter, accountIds },
});

/**
 * The split result: the unsplit rows of single-CPA accounts re-keyed to (account, CPA), plus the raw split rows of
 * the others, in group order (as a dense scan returns them).
 */
export function mergeTwoStep<G extends Pick<AggGroup, 'g' | 'n'> & { g2?: number }>(
  split: AggSpec,
  whole: { groups: readonly G[]; source: AggSource },
  cpas: AccountCpas,
  several: { groups: readonly G[]; source: AggSource } | null,
): { groups: G[]; source: AggSource } {
  const uw = split.byUpstream!;
  const groups: G[] = [];
  for (const x of whole.groups) {
    const u = cpas.get(x.g);
    if (u !== undefined && u !== ON_SEVERAL) groups.push({ ...x, g: x.g * uw + u });
  }
  if (several) groups.push(...several.groups);
  groups.sort((a, b) => a.g - b.g || (a.g2 ?? 0) - (b.g2 ?? 0));
  const source: AggSource = !several || several.source === whole.source ? whole.source : 'rollup+events';
  return { groups, source };
}

/**
 * Whether a CPA filter adds nothing to the account filter beside it: every filtered account is on one CPA only, one
 * the filter names (the account drawer's `<cpa>~<auth_index>` of an account on one CPA). Then the account filter alone
 * selects the same events, and every rollup may answer (the CPA tiers have no key × account, model × account, …).
 * Only in a store of several CPAs (ResolvedFilter.severalCpas): with one, a CPA filter reads raw events as ever.
 */
export function cpaFilterRedundant(f: ResolvedFilter, cpas: AccountCpas): boolean {
  if (!f.upstreamIds || !f.accountIds || f.accountIds.length === 0) return false;
  const named = new Set(f.upstreamIds);
  return f.accountIds.every((a) => {
    const u = cpas.get(a);
    return u !== undefined && u !== ON_SEVERAL && named.has(u);
  });
}

/** The filter without its CPA filter (see cpaFilterRedundant). */
export function withoutCpaFilter(f: ResolvedFilter): ResolvedFilter {
  const { upstreamIds: _u, severalCpas: _s, ...rest } = f;
  return rest;
}
