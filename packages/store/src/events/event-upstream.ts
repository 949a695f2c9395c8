import { createHash } from 'node:crypto';
import type { UsageEventInput } from '../types';
import { DEFAULT_UPSTREAM } from '../accounts/account-key';

// DEFAULT_UPSTREAM names the single CPA_UPSTREAM_URL / saved connection and every event stored before
// several CPAs existed (migration 0016 gives them dictionary id 1 under this name).
export { DEFAULT_UPSTREAM };
/** Its dictionary id (migration 0016 creates it first in both dialects). */
export const DEFAULT_UPSTREAM_ID = 1;

/** An event's upstream name; events without one came from the default upstream. */
export const upstreamOf = (e: Pick<UsageEventInput, 'upstream'>): string => e.upstream || DEFAULT_UPSTREAM;

/**
 * The dedup key an event of `upstream` is stored under: unchanged for the default upstream (hashes stored
 * before several CPAs existed stay valid), else a hash of the upstream name and the collector's key, so the
 * same record popped from two CPAs is two events while a redelivery from one CPA is still a duplicate.
 */
export function upstreamDedupKey(upstream: string, dedupKey: string): string {
  if (upstream === DEFAULT_UPSTREAM) return dedupKey;
  return createHash('sha256').update(`upstream\0${upstream}\0${dedupKey}`).digest('hex');
}
