// The server's configuration: one declarative table (config-table.ts) read by the loader, the CLI flags,
// the generated reference and the unknown-key warning.
export { ConfigSchema } from './config-schema';
export type { Config } from './config-schema';
export { CONFIG_TABLE, LOG_LEVELS, INSPECTION_PROVIDERS } from './config-table';
export { CONFIG_FLAGS, KNOWN_FILE_KEYS, loadConfig, defineConfig, loadConfigFromProcess } from './load-config';
export type { LoadConfigOptions } from './load-config';
export { CONFIG_KEYS, configFlagHelp } from './config-docs';
export type { ConfigKeyDoc } from './config-docs';
export { normalizeCpaBaseUrl } from './value-types';
