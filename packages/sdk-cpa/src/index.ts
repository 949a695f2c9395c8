// Public API of @cpamp/sdk-cpa. Anything not named here is private.
export { createCpaClient } from './client';
export type { CpaClient, CpaClientOptions, CpaRetryOptions } from './client';
export type { CpaLogger } from './http';
export type { CpaCallOptions } from './endpoints/call-options';

export {
  CpaError,
  CpaHttpError,
  CpaAuthError,
  CpaNetworkError,
  CpaTimeoutError,
  CpaResponseValidationError,
  isCpaError,
} from './errors';
export type { CpaErrorCode, CpaAuthReason, HttpMethod } from './errors';

export { supportsFeature, parseCpaVersion, compareCpaVersions, CPA_FEATURES } from './version';
export type { CpaFeature, CpaServerVersion, ParsedVersion } from './version';
export { normalizeBaseUrl } from './base-url';
export type { NormalizedBaseUrl } from './base-url';

export type { CpaConfigApi } from './endpoints/config';
export type { CpaSettingsApi } from './endpoints/settings';
export type { CpaApiKeysApi, CpaApiKeyPatch, CpaApiKeyDelete } from './endpoints/api-keys';
export type {
  CpaProvidersApi,
  CpaProviderKeyListApi,
  CpaOpenAiCompatApi,
  CpaProviderKind,
  CpaProviderKeyInput,
  CpaOpenAiCompatInput,
} from './endpoints/providers';
export type {
  CpaOAuthExcludedModelsApi,
  CpaOAuthModelAliasApi,
  CpaOAuthRequestScopedErrorsApi,
} from './endpoints/oauth-models';
export type { CpaPluginsApi } from './endpoints/plugins';
export type {
  CpaAuthFilesApi,
  CpaAuthFileUpload,
  CpaAuthFileFields,
  CpaBatchResult,
} from './endpoints/auth-files';
export type { CpaModelDefinitionsApi } from './endpoints/model-definitions';
export type {
  CpaOAuthApi,
  CpaOAuthProvider,
  CpaOAuthCallback,
  CpaWaitForAuthOptions,
} from './endpoints/oauth';
export type { CpaLogsApi, CpaLogsQuery, CpaLogsPage } from './endpoints/logs';
export type { CpaApiCallRequest, CpaApiCallResult } from './endpoints/system';
export type { CpaUsageQueueApi } from './endpoints/usage-queue';

export { CpaConfigSchema, CPA_SETTING_KEYS } from './schemas/config.schema';
export type {
  CpaConfig,
  CpaPutConfigYamlResult,
  CpaSettingKey,
  CpaSettingTypes,
} from './schemas/config.schema';
export { CpaAuthFileSchema } from './schemas/auth-files.schema';
export type {
  CpaAuthFile,
  CpaAuthFileModel,
  CpaFailedItem,
  CpaModelDefinition,
} from './schemas/auth-files.schema';
export type { CpaApiKeyUsage, CpaApiKeyUsageEntry } from './schemas/api-keys.schema';
export type {
  CpaProviderKey,
  CpaOpenAiCompatEntry,
  CpaOAuthExcludedModels,
  CpaOAuthModelAlias,
  CpaOAuthModelAliasEntry,
  CpaOAuthRequestScopedErrors,
  CpaRequestScopedErrorRule,
} from './schemas/providers.schema';
export type {
  CpaPlugin,
  CpaPluginList,
  CpaPluginStore,
  CpaPluginStoreEntry,
  CpaPluginInstallResult,
} from './schemas/plugins.schema';
export type { CpaAuthUrl, CpaAuthStatus, CpaVertexImportResult } from './schemas/oauth.schema';
export type { CpaClearLogsResult, CpaRequestErrorLogFile } from './schemas/logs.schema';
export type { CpaRecentRequestBucket } from './schemas/common.schema';
