import type { Messages } from '../i18n';
import type { RouteId } from './routes';

// A menu entry reads exactly like the heading of the page it opens: both come from here / the same
// message (the pages' <h1> use these keys), so they cannot drift apart.
export function pageTitle(t: Messages, route: RouteId): string {
  switch (route) {
    case 'dashboard':
      return t.dashboard.title;
    case 'monitoring':
      return t.monitoring.title;
    case 'requests':
      return t.monitoring.requestsTitle;
    case 'accounts':
      return t.accounts.title;
    case 'pool':
      return t.pool.overview.title;
    case 'inspection':
      return t.pool.insp.title;
    case 'alerts':
      return t.pool.alerts.title;
    case 'prices':
      return t.admin.prices.title;
    case 'aliases':
      return t.admin.aliases.title;
    case 'data':
      return t.admin.data.title;
    case 'collector':
      return t.admin.collector.title;
    case 'storage':
      return t.admin.storage.title;
    case 'config':
      return t.config.title;
    case 'providers':
      return t.providers.title;
    case 'auth-files':
      return t.authFiles.title;
    case 'oauth':
      return t.oauth.title;
    case 'quota':
      return t.quota.title;
    case 'logs':
      return t.logs.title;
    case 'error-logs':
      return t.errorLogs.title;
    case 'plugins':
      return t.plugins.title;
    case 'system':
      return t.system.title;
    default: {
      // A route added by another change before it is listed here: its old menu label.
      const nav = t.nav as Record<string, string>;
      return nav[route as string] ?? String(route);
    }
  }
}
