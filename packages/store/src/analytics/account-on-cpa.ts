import { StoreError } from '../errors';
import { filterValues } from '../events/event-list-query';
import type { NameFilter } from './analytics-filter';

// Several CPAs: CPA's auth_index is a hash of the credential's path, so two CPAs with the same layout report the
// same auth_index for different accounts. An account filter therefore names one CPA's account as
// `<cpa>~<auth_index>` (the pool's key of a non-default CPA's account has the same form); a bare auth_index keeps
// matching it on every CPA, as before. CPA names are slugs and auth indexes hex, so `~` never occurs in either.

const ON_CPA = /^([a-z0-9_-]{1,32})~(.+)$/;

/** The account filter token of CPA `upstream`'s auth_index. */
export const accountOnCpa = (upstream: string, authIndex: string): string => `${upstream}~${authIndex}`;

/** The CPA a token names (undefined: every CPA) and its auth_index. */
export function parseAccountToken(token: string): { upstream?: string; authIndex: string } {
  const m = ON_CPA.exec(token);
  return m ? { upstream: m[1]!, authIndex: m[2]! } : { authIndex: token };
}

/**
 * A name filter whose account tokens name a CPA, as the plain account filter and an upstream filter (intersected
 * with the one it has). Tokens of two CPAs, or a CPA's and a bare one, are refused: a filter of one dimension per
 * column cannot say "this account on that CPA or that account on another" (query each CPA on its own).
 */
export function withAccountCpas<F extends NameFilter>(f: F): F {
  const list = filterValues(f.authIndex);
  if (!list) return f;
  const parsed = list.map(parseAccountToken);
  if (!parsed.some((p) => p.upstream !== undefined)) return f;
  const cpas = new Set(parsed.map((p) => p.upstream));
  if (cpas.size > 1)
    throw new StoreError(
      'invalid_query',
      `Invalid account filter ${list.join(',')}: every account must name the same CPA ("<cpa>~<auth_index>").`,
    );
  const cpa = [...cpas][0]!;
  const ups = filterValues(f.upstream);
  // '' is no CPA's name (names are non-empty slugs): a CPA outside the upstream filter matches nothing.
  const upstream = ups ? (ups.includes(cpa) ? [cpa] : ['']) : [cpa];
  return { ...f, authIndex: parsed.map((p) => p.authIndex), upstream };
}
