// CPA's plugin list as CPA reports it (plugins.go ListPlugins): the global plugins.enabled switch, and per
// plugin its config switch, whether it is loaded (registered) and whether it actually runs (effective_enabled).
import { z } from 'zod';
import type { CpaClient } from '../api/cpa-client';
import type { SignalOptions } from '../api/management-client';

const s = z.string().optional().catch(undefined);
const b = z.boolean().optional().catch(undefined);
const MenuSchema = z.looseObject({ path: z.string().catch(''), menu: z.string().catch(''), description: s });
const EntrySchema = z
  .looseObject({
    id: z.string().catch(''),
    enabled: b,
    registered: b,
    effective_enabled: b,
    configured: b,
    logo: s,
    menus: z.array(MenuSchema).catch([]),
    metadata: z.looseObject({ name: s, version: s, author: s, description: s }).nullable().optional().catch(undefined),
  })
  .transform((p) => ({
    id: p.id,
    name: p.metadata?.name || p.id,
    version: p.metadata?.version,
    author: p.metadata?.author,
    description: p.metadata?.description,
    enabled: p.enabled === true,
    registered: p.registered === true,
    running: p.effective_enabled === true,
    menus: p.menus.filter((m) => m.path && m.menu),
  }));
const ListSchema = z.looseObject({ plugins_enabled: b, plugins: z.array(EntrySchema).catch([]) });

export type PluginState = z.output<typeof EntrySchema>;
export type PluginMenu = PluginState['menus'][number];

/** What the state badge says: CPA's effective_enabled first, then why a plugin does not run. */
export type PluginStatus = 'running' | 'global-off' | 'not-loaded' | 'disabled';
export function pluginStatus(p: PluginState, globalOn: boolean): PluginStatus {
  if (p.running) return 'running';
  if (!p.enabled) return 'disabled';
  if (!globalOn) return 'global-off';
  return 'not-loaded';
}

export async function listPluginStates(c: CpaClient, o: SignalOptions = {}) {
  const r = await c.json('GET', '/plugins', ListSchema, o);
  return { globalOn: r.plugins_enabled === true, plugins: r.plugins };
}

export const deletePlugin = (c: CpaClient, id: string) =>
  c.json('DELETE', `/plugins/${encodeURIComponent(id)}`, z.looseObject({}));

/**
 * A plugin page's HTML, for a sandboxed frame's srcdoc. It is fetched with the client's key because in
 * manager mode cpamp's proxy only forwards /v0/resource/plugins/* for admins (a frame's own request carries no
 * key). No <base> is added: the panel's CSP (base-uri 'none') applies to srcdoc frames too.
 */
export async function pluginPageHtml(c: CpaClient, menu: PluginMenu, signal?: AbortSignal): Promise<string> {
  const path = menu.path.startsWith('/') ? menu.path : `/${menu.path}`;
  return (await c.resource(path, signal ? { signal } : {})).text();
}
