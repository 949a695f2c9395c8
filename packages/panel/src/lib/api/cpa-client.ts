import { MANAGEMENT_PREFIX, ManagementClient } from './management-client';

/** The client of CPA's management API (in manager mode: CPA through the cpamp server's proxy). */
export class CpaClient extends ManagementClient {
  readonly server = 'cpa';
}

/**
 * Accepts what people paste: `host:port`, a full URL, or a URL ending in `/v0/management`.
 * Returns the origin plus any sub-path, without a trailing slash.
 */
export function normalizeCpaUrl(input: string, fallback: string): string {
  let s = input.trim();
  if (!s) s = fallback;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) s = `http://${s}`;
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return s.replace(/\/+$/, '');
  }
  let path = url.pathname.replace(/\/+$/, '');
  const idx = path.indexOf(MANAGEMENT_PREFIX);
  if (idx >= 0) path = path.slice(0, idx);
  path = path.replace(/\/management\.html$/, '');
  return `${url.origin}${path}`;
}

/** The origin the panel itself was loaded from, or a local default when opened from file://. */
export function defaultCpaUrl(loc: { protocol: string; origin: string; pathname: string }): string {
  if (loc.protocol !== 'http:' && loc.protocol !== 'https:') return 'http://127.0.0.1:8317';
  const dir = loc.pathname.replace(/\/[^/]*$/, '');
  return `${loc.origin}${dir}`;
}
