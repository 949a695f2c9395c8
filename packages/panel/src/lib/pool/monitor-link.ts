// The Monitoring account filter of a pool account. Another CPA's pool key is already `<cpa>~<auth_index>`, the
// analytics token of that CPA's account; the default CPA's key is the bare auth_index, which in analytics means
// that auth_index on every CPA, so with several CPAs its token names the CPA (`default~<auth_index>`).
export function monitorToken(a: { authIndex: string; upstream?: unknown }, several: boolean): string {
  return several && (a.upstream ?? 'default') === 'default' && !a.authIndex.includes('~')
    ? `default~${a.authIndex}`
    : a.authIndex;
}
