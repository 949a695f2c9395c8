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
  // Auth files, Pool and Quota folded into Accounts: their hashes still open it (it rewrites the address).
  accounts: ['accounts', 'auth-files', 'quota', 'oauth', 'inspection'],
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
  accounts: 'accounts',
  alerts: 'alerts',
  costs: 'prices',
  cpa: 'config',
  data: 'data',
  system: 'system',
};

/**
 * With a cpamp server, Accounts holds Auth files and Quota (their links open it); without one (CPA-only mode)
 * Accounts has nothing to show beyond them, so the menu lists those two pages instead.
 */
const FOLDED_WITH_MANAGER: ReadonlySet<RouteId> = new Set<RouteId>(['auth-files', 'quota']);

export function inMenu(route: RouteId, hasManager: boolean, managerOnly: ReadonlySet<RouteId>): boolean {
  return hasManager ? !FOLDED_WITH_MANAGER.has(route) : !managerOnly.has(route) && route !== 'accounts';
}

/** The page a route shows: with a cpamp server, Pool, Auth files and Quota are the Accounts page. */
export function shownRoute(route: RouteId, hasManager: boolean): RouteId {
  return hasManager && (route === 'pool' || FOLDED_WITH_MANAGER.has(route)) ? 'accounts' : route;
}

/** The old Pool page opens Accounts (bookmarks, alerts' links): in no menu group, but under Accounts. */
const OPENS_ACCOUNTS: ReadonlySet<RouteId> = new Set<RouteId>(['pool']);

/** Routes no group lists yet (one added by another change) land in System, so they stay reachable. */
const FALLBACK: NavGroupId = 'system';

export function groupRoutes(group: NavGroupId): RouteId[] {
  const listed = new Set<RouteId>(NAV_GROUP_IDS.flatMap((g) => NAV_GROUP_ROUTES[g]));
  const extra = group === FALLBACK ? ROUTES.filter((r) => !listed.has(r) && !OPENS_ACCOUNTS.has(r)) : [];
  return [...NAV_GROUP_ROUTES[group], ...extra];
}

/** Every route the menu shows, in menu order. */
export function menuRoutes(hasManager: boolean, managerOnly: ReadonlySet<RouteId>): RouteId[] {
  return NAV_GROUP_IDS.flatMap((g) => groupRoutes(g)).filter((r) => inMenu(r, hasManager, managerOnly));
}

export function groupOf(route: RouteId): NavGroupId {
  if (OPENS_ACCOUNTS.has(route)) return 'accounts';
  return NAV_GROUP_IDS.find((g) => NAV_GROUP_ROUTES[g].includes(route)) ?? FALLBACK;
}
