// When each server error code is answered: the source of the table in docs/reference/errors.md (npm run docs).
// A Record over the closed union, so a new code does not compile until it is documented here.
import type { ServerErrorCode } from './errors';

export const SERVER_ERROR_DOCS: Record<ServerErrorCode, string> = {
  config_invalid: 'start-up only: a configuration value is unusable; the message names the key, the value and the fix (exit code 2)',
  data_dir_locked: 'start-up only: another cpamp process holds the data directory (exit code 3)',
  data_dir_unusable: 'start-up only: the data directory cannot be created or written',
  admin_credential_invalid: 'start-up only: `admin-key.json` is unreadable or the supplied admin key is too short',
  invalid_admin_key: 'missing or wrong `Authorization: Bearer <admin key>`',
  too_many_attempts: '10 wrong admin keys from one address within 15 min; `Retry-After` grows 10 s, 20 s, 40 s … 15 min; a success resets',
  usage_service_not_configured: 'a proxied call before setup',
  cpa_connection_required: 'setup without URL or key, or an unusable URL',
  cpa_connection_required_for_monitoring: 'enabling the collector without a connection',
  setup_env_managed: 'setup while the connection comes from `CPA_UPSTREAM_URL` + `CPA_MANAGEMENT_KEY`',
  connection_env_managed: 'a config change while the connection comes from environment variables',
  invalid_management_key: 'CPA refused the management key (502 outside setup); deliberately not 401, which means "your admin key is wrong" to the panel',
  management_api_validation_failed: '`GET /v0/management/config` failed during setup',
  cpa_usage_retention_invalid: "CPA's `redis-usage-queue-retention-seconds` ≤ 0",
  poll_interval_exceeds_retention: "poll interval longer than CPA's queue retention",
  enable_cpa_usage_statistics_failed: 'turning on `usage-statistics-enabled` failed',
  usage_queue_proxy_refused: '`/v0/management/usage-queue` through the proxy (it would steal records from the collector)',
  proxy_path_rejected: 'proxied path with dot segments, encoded separators or empty segments',
  upstream_unavailable: 'CPA unreachable',
  upstream_timeout: 'CPA did not answer within `CPAMP_PROXY_TIMEOUT_MS`',
  proxy_busy: 'too many calls waiting for CPA',
  body_too_large: 'body over `CPAMP_BODY_LIMIT_BYTES` (local), `CPAMP_PROXY_BODY_LIMIT_BYTES` (proxy) or 512 MiB (import)',
  bad_request: 'invalid query or body; the message names the field (e.g. an unknown time zone in `tz`)',
  not_found: 'no such route or resource',
  method_not_allowed: 'the route exists, the method does not',
  panel_not_built: 'no panel file (build `@cpamp/panel` or set `PANEL_PATH`)',
  store_unavailable: 'the server runs without a usage database, or it is closing',
  request_failed: 'unexpected error (details only in the server log)',
};
