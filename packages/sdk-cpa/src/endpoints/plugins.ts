// Installed plugins, their config, and the plugin store.
import { segment } from '../base-url';
import type { HttpTransport } from '../http';
import { StatusOkSchema } from '../schemas/common.schema';
import {
  PluginConfigSchema,
  PluginInstallResultSchema,
  PluginListSchema,
  PluginStoreSchema,
  type CpaPluginInstallResult,
  type CpaPluginList,
  type CpaPluginStore,
} from '../schemas/plugins.schema';
import type { CpaCallOptions } from './call-options';

export interface CpaPluginsApi {
  list(options?: CpaCallOptions): Promise<CpaPluginList>;
  store(options?: CpaCallOptions): Promise<CpaPluginStore>;
  /** Installs from the store; `version` pins a release (else the latest). */
  install(id: string, options?: CpaCallOptions & { version?: string }): Promise<CpaPluginInstallResult>;
  delete(id: string, options?: CpaCallOptions): Promise<void>;
  setEnabled(id: string, enabled: boolean, options?: CpaCallOptions): Promise<void>;
  /**
   * The plugin's `plugins.configs.<id>` object itself (not wrapped), including `enabled`/`priority`;
   * `{}` for an installed plugin without config, `not_found` for an unknown one.
   */
  getConfig(id: string, options?: CpaCallOptions): Promise<Record<string, unknown>>;
  /** Replaces the plugin's whole config with `config` (send the object itself; include `enabled` to keep it). */
  putConfig(id: string, config: Record<string, unknown>, options?: CpaCallOptions): Promise<void>;
  /** Merges the given top-level keys into the plugin's config; a `null` value deletes that key. */
  patchConfig(id: string, config: Record<string, unknown>, options?: CpaCallOptions): Promise<void>;
}

export function createPluginsApi(http: HttpTransport): CpaPluginsApi {
  const plugin = (id: string): string => `/plugins/${segment(id)}`;
  return {
    list: (o) => http.json({ method: 'GET', path: '/plugins', signal: o?.signal }, PluginListSchema),
    store: (o) => http.json({ method: 'GET', path: '/plugin-store', signal: o?.signal }, PluginStoreSchema),
    install: (id, o) =>
      http.json(
        {
          method: 'POST',
          path: `/plugin-store/${segment(id)}/install`,
          json: o?.version ? { version: o.version } : {},
          signal: o?.signal,
        },
        PluginInstallResultSchema,
      ),
    async delete(id, o) {
      await http.json({ method: 'DELETE', path: plugin(id), signal: o?.signal }, StatusOkSchema);
    },
    async setEnabled(id, enabled, o) {
      await http.json(
        { method: 'PATCH', path: `${plugin(id)}/enabled`, json: { enabled }, signal: o?.signal },
        StatusOkSchema,
      );
    },
    getConfig: (id, o) =>
      http.json({ method: 'GET', path: `${plugin(id)}/config`, signal: o?.signal }, PluginConfigSchema),
    async putConfig(id, config, o) {
      await http.json(
        { method: 'PUT', path: `${plugin(id)}/config`, json: config, signal: o?.signal },
        StatusOkSchema,
      );
    },
    async patchConfig(id, config, o) {
      await http.json(
        { method: 'PATCH', path: `${plugin(id)}/config`, json: config, signal: o?.signal },
        StatusOkSchema,
      );
    },
  };
}
