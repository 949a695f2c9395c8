import { ROUTES, type RouteId } from './routes';

// The menu: at most eight groups, each with its pages (issue #19). Every route id keeps its own hash, so
// old links open the same page; a group is only a heading over them.
export const NAV_GROUP_IDS = [
  'overview',
  'usage',
  'accounts',
  'alerts',
  'costs',
  'cpa',
  'data',
  'system',
] as const;
export type NavGroupId = (typeof NAV_GROUP_IDS)[number];

export const NAV_GROUP_ROUTES: Record<NavGroupId, readonly RouteId[]> = {
  overview: ['dashboard'],
  usage: ['monitoring', 'requests'],
  accounts: ['pool', 'auth-files', 'quota', 'oauth', 'inspection'],
  alerts: ['alerts'],
  costs: ['prices', 'aliases'],
  cpa: ['config', 'providers', 'logs', 'error-logs', 'plugins'],
  data: ['data', 'collector', 'storage'],
  system: ['system'],
};

/** The group's icon: that of its first page. */
export const NAV_GROUP_ICON: Record<NavGroupId, RouteId> = {
  overview: 'dashboard',
  usage: 'monitoring',
  accounts: 'pool',
  alerts: 'alerts',
  costs: 'prices',
  cpa: 'config',
  data: 'data',
  system: 'system',
};

/** Routes no group lists yet (one added by another change) land in System, so they stay reachable. */
const FALLBACK: NavGroupId = 'system';

export function groupRoutes(group: NavGroupId): RouteId[] {
  const listed = new Set<RouteId>(NAV_GROUP_IDS.flatMap((g) => NAV_GROUP_ROUTES[g]));
  const extra = group === FALLBACK ? ROUTES.filter((r) => !listed.has(r)) : [];
  return [...NAV_GROUP_ROUTES[group], ...extra];
}

export function groupOf(route: RouteId): NavGroupId {
  return NAV_GROUP_IDS.find((g) => NAV_GROUP_ROUTES[g].includes(route)) ?? FALLBACK;
}
