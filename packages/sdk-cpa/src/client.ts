// createCpaClient: validates options, owns the HTTP transport and composes the endpoint groups.
import { Agent, type Dispatcher } from 'undici';
import { normalizeBaseUrl } from './base-url';
import { createApiKeysApi, type CpaApiKeysApi } from './endpoints/api-keys';
import { createAuthFilesApi, type CpaAuthFilesApi } from './endpoints/auth-files';
import type { CpaCallOptions } from './endpoints/call-options';
import { createConfigApi, type CpaConfigApi } from './endpoints/config';
import { createLogsApi, type CpaLogsApi } from './endpoints/logs';
import { createModelDefinitionsApi, type CpaModelDefinitionsApi } from './endpoints/model-definitions';
import { createOAuthApi, type CpaOAuthApi } from './endpoints/oauth';
import {
  createOAuthExcludedModelsApi,
  createOAuthModelAliasApi,
  createOAuthRequestScopedErrorsApi,
  type CpaOAuthExcludedModelsApi,
  type CpaOAuthModelAliasApi,
  type CpaOAuthRequestScopedErrorsApi,
} from './endpoints/oauth-models';
import { createPluginsApi, type CpaPluginsApi } from './endpoints/plugins';
import { createProvidersApi, type CpaProvidersApi } from './endpoints/providers';
import { createSettingsApi, type CpaSettingsApi } from './endpoints/settings';
import { createSystemApi, type CpaApiCallRequest, type CpaApiCallResult } from './endpoints/system';
import { createUsageQueueApi, type CpaUsageQueueApi } from './endpoints/usage-queue';
import { CpaError } from './errors';
import { HttpTransport, silentLogger, type CpaLogger, type RetryPolicy } from './http';
import { supportsFeature, versionFromHeaders, type CpaFeature, type CpaServerVersion } from './version';

export interface CpaRetryOptions {
  /** Extra attempts for idempotent GETs after a network error or 502/503/504. Default 2. */
  max?: number;
  /** First backoff step; doubles per attempt, with jitter. Default 200 ms. */
  baseDelayMs?: number;
  /** Cap of one backoff step. Default 2000 ms. */
  maxDelayMs?: number;
}

export interface CpaClientOptions {
  /** CPA's root URL, e.g. "http://127.0.0.1:8317" or "https://host/cpa/"; "/v0/management" is appended. */
  baseUrl: string;
  /** The plaintext of CPA's remote-management.secret-key (or MANAGEMENT_PASSWORD). Sent as a Bearer token. */
  managementKey: string;
  /** Timeout of one attempt, headers + body (a retried GET gets a fresh one). Default 30 000 ms; 0 disables it. */
  timeoutMs?: number;
  /** An undici dispatcher (Agent, Pool, ProxyAgent …). Default: a keep-alive Agent owned and closed by the client. */
  dispatcher?: Dispatcher;
  logger?: CpaLogger;
  /** Number of retries (same as { max }) or the full retry policy. 401/403 and the queue pop are never retried. */
  retries?: number | CpaRetryOptions;
}

export interface CpaClient {
  /** Normalised CPA root, e.g. "https://host/cpa". */
  readonly baseUrl: string;
  /** baseUrl + "/v0/management". */
  readonly managementUrl: string;
  /**
   * CPA's version headers from the most recent answer; without one yet (or with refresh: true),
   * a GET /config probe (its headers come back even on 401 — but a wrong key still counts toward CPA's ban).
   */
  getServerVersion(options?: CpaCallOptions & { refresh?: boolean }): Promise<CpaServerVersion>;
  supports(feature: CpaFeature, options?: CpaCallOptions): Promise<boolean>;
  readonly config: CpaConfigApi;
  readonly settings: CpaSettingsApi;
  readonly apiKeys: CpaApiKeysApi;
  readonly providers: CpaProvidersApi;
  readonly oauthExcludedModels: CpaOAuthExcludedModelsApi;
  readonly oauthModelAlias: CpaOAuthModelAliasApi;
  readonly oauthRequestScopedErrors: CpaOAuthRequestScopedErrorsApi;
  readonly plugins: CpaPluginsApi;
  readonly authFiles: CpaAuthFilesApi;
  readonly modelDefinitions: CpaModelDefinitionsApi;
  readonly oauth: CpaOAuthApi;
  readonly logs: CpaLogsApi;
  readonly usageQueue: CpaUsageQueueApi;
  /** POST /api-call: CPA calls `url` with the credential's token; look at the inner statusCode. */
  apiCall(request: CpaApiCallRequest, options?: CpaCallOptions): Promise<CpaApiCallResult>;
  resetQuota(authIndex: string, options?: CpaCallOptions): Promise<void>;
  getLatestVersion(options?: CpaCallOptions): Promise<string>;
  /** Frees the default keep-alive Agent (a dispatcher you passed in is left open). Idempotent. */
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const USER_AGENT = 'cpamp-sdk-cpa';

function retryPolicy(retries: CpaClientOptions['retries']): RetryPolicy {
  const o: CpaRetryOptions = typeof retries === 'number' ? { max: retries } : (retries ?? {});
  const policy = { max: o.max ?? 2, baseDelayMs: o.baseDelayMs ?? 200, maxDelayMs: o.maxDelayMs ?? 2000 };
  for (const [name, value] of Object.entries(policy)) {
    if (!Number.isFinite(value) || value < 0) {
      throw new CpaError(
        'invalid_options',
        `createCpaClient: retries.${name} must be a number ≥ 0, got ${String(value)}.`,
      );
    }
  }
  return { ...policy, max: Math.floor(policy.max) };
}

export function createCpaClient(options: CpaClientOptions): CpaClient {
  const { root, management } = normalizeBaseUrl(options.baseUrl);
  const key = options.managementKey;
  if (typeof key !== 'string' || key.trim() === '') {
    throw new CpaError(
      'invalid_options',
      "createCpaClient: managementKey is empty. Pass the plaintext of CPA's remote-management.secret-key " +
        "(a request without a key is refused and counts toward CPA's IP ban).",
    );
  }
  if (/[\r\n]/.test(key)) {
    throw new CpaError(
      'invalid_options',
      'createCpaClient: managementKey contains a line break; check how it was read (trailing newline in a file?).',
    );
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new CpaError(
      'invalid_options',
      `createCpaClient: timeoutMs must be a number ≥ 0 (0 = none), got ${String(timeoutMs)}.`,
    );
  }

  const ownsDispatcher = options.dispatcher === undefined;
  const dispatcher = options.dispatcher ?? new Agent({ keepAliveTimeout: 10_000, connections: 16 });
  const http = new HttpTransport({
    management,
    managementKey: key,
    timeoutMs,
    dispatcher,
    logger: options.logger ?? silentLogger,
    retry: retryPolicy(options.retries),
    userAgent: USER_AGENT,
  });
  const system = createSystemApi(http);
  let closing: Promise<void> | undefined;

  const getServerVersion: CpaClient['getServerVersion'] = async (o) => {
    const seen = http.seenVersion;
    if (seen && !o?.refresh) return seen;
    // Any status will do: CPA's middleware sets the version headers even on 401/403.
    const res = await http.send({ method: 'GET', path: '/config', acceptAnyStatus: true, signal: o?.signal });
    return (
      versionFromHeaders(res.headers) ?? {
        version: null,
        commit: null,
        buildDate: null,
        supportsPlugin: null,
      }
    );
  };

  return {
    baseUrl: root,
    managementUrl: management,
    getServerVersion,
    async supports(feature, o) {
      const { version } = await getServerVersion(o);
      return supportsFeature(version, feature);
    },
    config: createConfigApi(http),
    settings: createSettingsApi(http),
    apiKeys: createApiKeysApi(http),
    providers: createProvidersApi(http),
    oauthExcludedModels: createOAuthExcludedModelsApi(http),
    oauthModelAlias: createOAuthModelAliasApi(http),
    oauthRequestScopedErrors: createOAuthRequestScopedErrorsApi(http),
    plugins: createPluginsApi(http),
    authFiles: createAuthFilesApi(http),
    modelDefinitions: createModelDefinitionsApi(http),
    oauth: createOAuthApi(http),
    logs: createLogsApi(http),
    usageQueue: createUsageQueueApi(http),
    apiCall: system.apiCall,
    resetQuota: system.resetQuota,
    getLatestVersion: system.getLatestVersion,
    close() {
      closing ??= (async () => {
        http.markClosed();
        if (ownsDispatcher) await dispatcher.close();
      })();
      return closing;
    },
  };
}
