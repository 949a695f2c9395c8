// One error type for the server; `code` is a closed union, mapped to HTTP statuses in error-handler.ts.
// Where CPA Manager Plus already had a code for the same situation we keep its spelling, so clients
// written against Plus keep working.

export type ServerErrorCode =
  | 'config_invalid'
  | 'data_dir_locked'
  | 'data_dir_unusable'
  | 'admin_credential_invalid'
  | 'invalid_admin_key'
  | 'too_many_attempts'
  | 'usage_service_not_configured'
  | 'cpa_connection_required'
  | 'cpa_connection_required_for_monitoring'
  | 'setup_env_managed'
  | 'connection_env_managed'
  | 'invalid_management_key'
  | 'management_api_validation_failed'
  | 'cpa_usage_retention_invalid'
  | 'poll_interval_exceeds_retention'
  | 'enable_cpa_usage_statistics_failed'
  | 'usage_queue_proxy_refused'
  | 'proxy_path_rejected'
  | 'upstream_unavailable'
  | 'upstream_timeout'
  | 'proxy_busy'
  | 'body_too_large'
  | 'bad_request'
  | 'not_found'
  | 'method_not_allowed'
  | 'panel_not_built'
  | 'store_unavailable'
  | 'price_source_failed'
  | 'job_finished'
  | 'job_cancelled'
  | 'job_interrupted'
  | 'job_failed'
  | 'usage_import_session_invalid_request'
  | 'usage_import_session_not_found'
  | 'usage_import_session_conflict'
  | 'usage_import_session_too_large'
  | 'usage_import_session_limit_exceeded'
  | 'usage_import_session_quota_exceeded'
  | 'api_key_alias_duplicate'
  | 'inspection_running'
  | 'inspection_not_running'
  | 'setting_locked'
  | 'account_processing_policy_env_locked'
  | 'request_failed'
  | 'upstream_unknown'
  | 'upstream_exists'
  | 'upstream_read_only';

export class ServerError extends Error {
  override readonly name: string = 'ServerError';
  readonly code: ServerErrorCode;

  constructor(code: ServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A bad configuration value: names the key (env var, config.json key or flag), the value and the fix. */
export class ConfigError extends ServerError {
  override readonly name = 'ConfigError';
  readonly key: string;
  readonly value: string;
  readonly fix: string;

  constructor(key: string, value: string, problem: string, fix: string, options?: { cause?: unknown }) {
    super('config_invalid', `Invalid configuration ${key}=${JSON.stringify(value)}: ${problem}. Fix: ${fix}`, options);
    this.key = key;
    this.value = value;
    this.fix = fix;
  }
}

/** Another process holds the data directory. */
export class DataDirLockedError extends ServerError {
  override readonly name = 'DataDirLockedError';
  readonly lockPath: string;
  readonly holderPid: number | null;

  constructor(lockPath: string, holderPid: number | null, holderHost: string | null) {
    const who = holderPid === null ? 'another process' : `process ${holderPid}${holderHost ? ` on ${holderHost}` : ''}`;
    super(
      'data_dir_locked',
      `The data directory is in use by ${who} (lock file ${lockPath}). ` +
        'Only one cpamp server may use a data directory at a time: stop the other instance first, or use a different ' +
        `USAGE_DATA_DIR. If no other instance is running, delete ${lockPath}.`,
    );
    this.lockPath = lockPath;
    this.holderPid = holderPid;
  }
}

/** Brute-force protection refused the request; `retryAfterSeconds` goes into the Retry-After header. */
export class TooManyAttemptsError extends ServerError {
  override readonly name = 'TooManyAttemptsError';
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number, message?: string) {
    super(
      'too_many_attempts',
      message ??
        `Too many failed admin key attempts from this address; retry in ${retryAfterSeconds} s. ` +
          'Check the admin key (cpamp reset-admin-key prints a new one).',
    );
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export function isServerError(error: unknown): error is ServerError {
  return error instanceof ServerError;
}

export function isConfigError(error: unknown): error is ConfigError {
  return error instanceof ConfigError;
}
