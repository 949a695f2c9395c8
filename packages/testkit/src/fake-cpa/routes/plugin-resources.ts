/** GET /v0/resource/plugins/<id>/<path>: pages plugins add (menus), served without the management key like CPA. */
import type { ServerResponse } from 'node:http';
import type { FakeState } from '../state';

const PREFIX = '/v0/resource/plugins/';

/** Answers a plugin resource request; false when the path is not one (the caller answers 404). */
export function servePluginResource(state: FakeState, method: string, pathname: string, res: ServerResponse): boolean {
  if (!pathname.startsWith(PREFIX) || method !== 'GET') return false;
  const id = pathname.slice(PREFIX.length).split('/')[0] ?? '';
  const menu = state.plugins.get(id)?.menus?.find((m) => m.path === pathname);
  // pluginResourceNoRoute: CPA only serves routes of plugins that are loaded and running.
  const cfg = state.pluginConfigs.get(id);
  const plugins = state.config['plugins'];
  const globalOn = plugins !== null && typeof plugins === 'object' && !Array.isArray(plugins) && plugins['enabled'] === true;
  if (!menu || !globalOn || cfg?.['enabled'] !== true) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('404 page not found');
    return true;
  }
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(menu.html);
  return true;
}
