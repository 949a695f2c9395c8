// Public API of @cpamp/server. Anything not named here is private.
export { buildApp, adminKeyBanner } from './app';
export type { AppDeps } from './app';
export { loadConfig, defineConfig, ConfigSchema, normalizeCpaBaseUrl, COLLECTOR_MODES, CONFIG_FLAGS } from './config';
export type { Config, CollectorMode, LoadConfigOptions } from './config';
export { CONFIG_KEYS } from './config-keys';
export type { ConfigKeyDoc } from './config-keys';
export { SERVER_ERROR_DOCS } from './error-docs';
export { ServerError, ConfigError, DataDirLockedError, TooManyAttemptsError, isServerError, isConfigError } from './errors';
export type { ServerErrorCode } from './errors';
export { STATUS_BY_CODE } from './error-handler';
export type { JobRunner, JobHandler, JobHandlerContext, JobKindOptions, JobProgressUpdate } from './jobs/job-runner';
export type { JobView } from './jobs/jobs.schema';
export type { SettingsPort, CpaConnection, CollectorSettings } from './connection';
export { acquireDataDirLock } from './data-dir-lock';
export type { DataDirLock } from './data-dir-lock';
export { generateAdminKey, resetAdminKey, ADMIN_KEY_PREFIX } from './security/admin-credential';
export { startServer } from './main';
export type { StartServerOptions, RunningServer } from './main';
