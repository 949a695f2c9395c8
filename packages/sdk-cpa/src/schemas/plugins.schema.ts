// Plugins installed in CPA and the plugin store.
import { z } from 'zod';

export const PluginConfigFieldSchema = z.looseObject({
  name: z.string().optional(),
  type: z.string().optional(),
  enum_values: z.array(z.string()).nullish(),
  description: z.string().optional(),
});

export const PluginSchema = z.looseObject({
  id: z.string(),
  path: z.string().optional(),
  configured: z.boolean().optional(),
  registered: z.boolean().optional(),
  enabled: z.boolean().optional(),
  effective_enabled: z.boolean().optional(),
  supports_oauth: z.boolean().optional(),
  oauth_provider: z.string().optional(),
  logo: z.string().optional(),
  config_fields: z.array(PluginConfigFieldSchema).nullish(),
  menus: z.array(z.looseObject({ path: z.string().optional(), menu: z.string().optional() })).nullish(),
  metadata: z
    .looseObject({
      name: z.string().optional(),
      version: z.string().optional(),
      author: z.string().optional(),
    })
    .nullish(),
});
export type CpaPlugin = z.output<typeof PluginSchema>;

export const PluginListSchema = z.looseObject({
  plugins_enabled: z.boolean().optional(),
  plugins_dir: z.string().optional(),
  plugins: z.array(PluginSchema).nullable(),
});
export type CpaPluginList = z.output<typeof PluginListSchema>;

export const PluginStoreEntrySchema = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  description: z.string().optional(),
  author: z.string().optional(),
  version: z.string().optional(),
  repository: z.string().optional(),
  installed: z.boolean().optional(),
  installed_version: z.string().optional(),
  enabled: z.boolean().optional(),
  update_available: z.boolean().optional(),
});
export type CpaPluginStoreEntry = z.output<typeof PluginStoreEntrySchema>;

export const PluginStoreSchema = z.looseObject({
  plugins_enabled: z.boolean().optional(),
  plugins_dir: z.string().optional(),
  sources: z
    .array(
      z.looseObject({ id: z.string().optional(), name: z.string().optional(), url: z.string().optional() }),
    )
    .nullish(),
  source_errors: z.array(z.looseObject({ message: z.string().optional() })).nullish(),
  plugins: z.array(PluginStoreEntrySchema).nullable(),
});
export type CpaPluginStore = z.output<typeof PluginStoreSchema>;

/** POST /plugin-store/:id/install answer; `status` is "installed" on success. */
export const PluginInstallResultSchema = z.looseObject({
  status: z.string().optional(),
  id: z.string().optional(),
  version: z.string().optional(),
  restart_required: z.boolean().optional(),
});
export type CpaPluginInstallResult = z.output<typeof PluginInstallResultSchema>;

export const PluginConfigSchema = z.record(z.string(), z.unknown());
