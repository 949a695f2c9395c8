// Public API of @cpamp/server. Anything not named here is private.
export { buildApp, adminKeyBanner } from './app';
export type { AppDeps } from './app';
export { loadConfig, defineConfig, ConfigSchema, normalizeCpaBaseUrl, CONFIG_FLAGS, CONFIG_KEYS } from './config';
export type { Config, LoadConfigOptions, ConfigKeyDoc } from './config';
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
export { isPlusRoute } from './plus-compat/plus-origin';
