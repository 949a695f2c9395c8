// Hash routing: `#/auth-files?provider=codex`. Works from file:// and under any sub-path because only
// the fragment changes.
export const ROUTES = [
  'dashboard',
  'monitoring',
  'requests',
  'pool',
  'inspection',
  'alerts',
  'prices',
  'aliases',
  'data',
  'collector',
  'storage',
  'config',
  'providers',
  'accounts',
  'auth-files',
  'oauth',
  'quota',
  'logs',
  'error-logs',
  'plugins',
  'system',
] as const;
export type RouteId = (typeof ROUTES)[number];

/** Pages that need a cpamp server (manager mode, or CPA mode connected to one). */
export const MANAGER_ROUTES: ReadonlySet<RouteId> = new Set<RouteId>([
  'monitoring',
  'requests',
  'pool',
  'inspection',
  'alerts',
  'prices',
  'aliases',
  'data',
  'collector',
  'storage',
]);

export interface ParsedHash {
  route: RouteId;
  query: URLSearchParams;
}

export function parseHash(hash: string): ParsedHash {
  const raw = hash.replace(/^#\/?/, '');
  const [path = '', qs = ''] = raw.split('?', 2);
  const seg = path.split('/')[0] ?? '';
  const route = (ROUTES as readonly string[]).includes(seg) ? (seg as RouteId) : 'dashboard';
  return { route, query: new URLSearchParams(qs) };
}

export function hrefFor(route: RouteId, query?: Record<string, string>): string {
  const qs = query ? new URLSearchParams(query).toString() : '';
  return `#/${route === 'dashboard' ? '' : route}${qs ? `?${qs}` : ''}`;
}
