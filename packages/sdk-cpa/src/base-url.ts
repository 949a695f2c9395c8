// Turns whatever the user typed into CPA's root URL and the management API base.
import { CpaError } from './errors';

export const MANAGEMENT_PREFIX = '/v0/management';

export interface NormalizedBaseUrl {
  /** CPA root without trailing slash, e.g. "https://host/cpa". */
  root: string;
  /** root + "/v0/management". */
  management: string;
}

/**
 * Accepts "http://host:8317", "host:8317", "https://host/cpa/", "https://host/cpa//v0/management/" …
 * Trailing slashes are dropped, "/v0/management" is appended exactly once, query and fragment are refused.
 */
export function normalizeBaseUrl(input: string): NormalizedBaseUrl {
  const raw = typeof input === 'string' ? input.trim() : '';
  if (raw === '') {
    throw new CpaError(
      'invalid_options',
      'createCpaClient: baseUrl is empty. Pass CPA\'s URL, e.g. "http://127.0.0.1:8317".',
    );
  }
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch (cause) {
    throw new CpaError(
      'invalid_options',
      `createCpaClient: baseUrl "${raw}" is not a valid URL. Use e.g. "http://127.0.0.1:8317".`,
      {
        cause,
      },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CpaError('invalid_options', `createCpaClient: baseUrl "${raw}" must use http:// or https://.`);
  }
  if (url.username || url.password) {
    throw new CpaError(
      'invalid_options',
      'createCpaClient: baseUrl must not contain credentials (user:password@); pass the key as managementKey.',
    );
  }
  if (url.search || url.hash) {
    throw new CpaError(
      'invalid_options',
      `createCpaClient: baseUrl "${url.origin}${url.pathname}…" must not carry a query string or fragment.`,
    );
  }
  let path = url.pathname.replace(/\/{2,}/g, '/').replace(/\/+$/, '');
  if (path.toLowerCase().endsWith(MANAGEMENT_PREFIX))
    path = path.slice(0, -MANAGEMENT_PREFIX.length).replace(/\/+$/, '');
  const root = `${url.origin}${path}`;
  return { root, management: `${root}${MANAGEMENT_PREFIX}` };
}

export type QueryValue = string | number | boolean | readonly (string | number)[] | undefined | null;

/** management base + path (segments already encoded) + query; arrays become repeated keys. */
export function buildUrl(management: string, path: string, query?: Record<string, QueryValue>): string {
  let url = management + (path.startsWith('/') ? path : `/${path}`);
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined || value === null) continue;
      if (Array.isArray(value)) for (const v of value) params.append(key, String(v));
      else params.append(key, String(value));
    }
    const qs = params.toString();
    if (qs) url += `?${qs}`;
  }
  return url;
}

/** Encodes one path segment (plugin id, file name, channel). */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
