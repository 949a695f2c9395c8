// Turns a failed key test into what a person can act on: the status, the provider's own message, and
// what to check for that kind of failure (instead of "Failed: HTTP 404").

export type KeyTestHint = 'unreachable' | 'unauthorized' | 'forbidden' | 'notFound' | 'rateLimited' | 'upstream' | 'other';

/** Status 0: CPA got no answer from the provider (DNS, TLS, proxy, timeout). */
export function keyTestHint(status: number): KeyTestHint {
  if (status === 0) return 'unreachable';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'notFound';
  if (status === 429) return 'rateLimited';
  if (status >= 500) return 'upstream';
  return 'other';
}
