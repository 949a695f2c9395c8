// The one place errors become HTTP answers: `{"error": message, "code": code}` as CPA Manager Plus does.
// Messages of our own errors are written to be safe to show; foreign errors (bugs, library errors) are
// logged in full and answered with a generic message, so no secret can be echoed.
import { isCpaError } from '@cpamp/sdk-cpa';
import { isStoreError, type StoreErrorCode } from '@cpamp/store';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { TooManyAttemptsError, isServerError, type ServerErrorCode } from './errors';

export const STATUS_BY_CODE: Record<ServerErrorCode, number> = {
  config_invalid: 500,
  data_dir_locked: 503,
  data_dir_unusable: 500,
  admin_credential_invalid: 500,
  invalid_admin_key: 401,
  too_many_attempts: 429,
  usage_service_not_configured: 428,
  cpa_connection_required: 400,
  cpa_connection_required_for_monitoring: 400,
  setup_env_managed: 409,
  connection_env_managed: 409,
  // Not 401: a 401 from us means "your admin key is wrong" and makes the panel log out.
  invalid_management_key: 400,
  management_api_validation_failed: 502,
  cpa_usage_retention_invalid: 400,
  poll_interval_exceeds_retention: 400,
  enable_cpa_usage_statistics_failed: 502,
  usage_queue_proxy_refused: 409,
  proxy_path_rejected: 400,
  upstream_unavailable: 502,
  upstream_timeout: 504,
  proxy_busy: 503,
  body_too_large: 413,
  bad_request: 400,
  not_found: 404,
  method_not_allowed: 405,
  panel_not_built: 503,
  store_unavailable: 503,
  price_source_failed: 502,
  job_finished: 409,
  job_cancelled: 409,
  job_interrupted: 500,
  job_failed: 500,
  usage_import_session_invalid_request: 400,
  usage_import_session_not_found: 404,
  usage_import_session_conflict: 409,
  usage_import_session_too_large: 413,
  usage_import_session_limit_exceeded: 429,
  // Plus's status: the import disk quota is full.
  usage_import_session_quota_exceeded: 507,
  api_key_alias_duplicate: 409,
  inspection_running: 409,
  inspection_not_running: 409,
  setting_locked: 409,
  account_processing_policy_env_locked: 409,
  request_failed: 500,
  upstream_unknown: 404,
  upstream_exists: 409,
  upstream_read_only: 409,
};

export interface ErrorBody {
  error: string;
  code: string;
}

/**
 * Store errors met while serving a request: bad input (an unknown time zone, a bad range or cursor, an
 * unparsable import) is the caller's to fix, so its message is shown with a 400; anything else is ours
 * and gets a generic answer (the full error goes to the log).
 */
const STORE_BAD_INPUT: ReadonlySet<StoreErrorCode> = new Set<StoreErrorCode>([
  'invalid_time_zone',
  'invalid_query',
  'invalid_event',
  'invalid_price',
  'import_parse_error',
  'import_format_unknown',
  'import_no_details',
  'import_source_invalid',
]);

function storeStatus(code: StoreErrorCode): { status: number; code: string; error: string | null } {
  if (STORE_BAD_INPUT.has(code)) return { status: 400, code, error: null };
  if (code === 'store_closed') return { status: 503, code: 'store_unavailable', error: 'The usage database is closed (the server is shutting down); retry shortly.' };
  if (code === 'price_source_failed') return { status: 502, code, error: 'Fetching the price source failed; see the server log for details.' };
  return { status: 500, code: 'request_failed', error: 'The usage database failed; see the server log for details.' };
}

/** Status for an sdk-cpa error met while serving one of our own routes (not the raw proxy). */
function cpaStatus(code: string): { status: number; code: string } {
  switch (code) {
    case 'timeout':
      return { status: 504, code: 'upstream_timeout' };
    case 'network_error':
    case 'client_closed':
      return { status: 502, code: 'upstream_unavailable' };
    case 'unauthorized':
    case 'forbidden':
    case 'remote_management_disabled':
    case 'ip_banned':
      return { status: 502, code: 'invalid_management_key' };
    default:
      return { status: 502, code: 'request_failed' };
  }
}

export function errorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  let status: number;
  let body: ErrorBody;
  if (isServerError(error)) {
    status = STATUS_BY_CODE[error.code];
    body = { error: error.message, code: error.code };
    if (error instanceof TooManyAttemptsError) reply.header('retry-after', String(error.retryAfterSeconds));
    if (status >= 500) request.log.error({ err: error }, error.message);
    else request.log.info({ code: error.code }, error.message);
  } else if (isStoreError(error)) {
    const mapped = storeStatus(error.code);
    status = mapped.status;
    body = { error: mapped.error ?? error.message, code: mapped.code };
    if (status >= 500) request.log.error({ err: error, storeCode: error.code }, 'store error');
    else request.log.info({ storeCode: error.code }, error.message);
  } else if (isCpaError(error)) {
    const mapped = cpaStatus(error.code);
    status = mapped.status;
    // sdk-cpa messages name URL and status but never the key (it travels in a header).
    body = { error: `CPA request failed: ${error.message}`, code: mapped.code };
    request.log.warn({ cpaCode: error.code }, error.message);
  } else {
    const fe = error as FastifyError;
    if (fe.validation) {
      status = 400;
      const where = fe.validationContext ?? 'request';
      const details = fe.validation
        .map((v) => {
          const path = (v.instancePath || '').replace(/^\//, '').replace(/\//g, '.');
          return `${where}${path ? `.${path}` : ''}: ${v.message ?? 'invalid'}`;
        })
        .join('; ');
      body = { error: `Invalid ${where}: ${details}`, code: 'bad_request' };
    } else if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      status = 413;
      body = { error: 'Request body is too large. Send a smaller body (see CPAMP_BODY_LIMIT_BYTES).', code: 'body_too_large' };
    } else if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      status = fe.statusCode;
      body = { error: fe.message, code: status === 405 ? 'method_not_allowed' : status === 404 ? 'not_found' : 'bad_request' };
    } else {
      status = 500;
      body = { error: 'Internal server error; see the server log for details.', code: 'request_failed' };
      request.log.error({ err: error }, 'unhandled error');
    }
  }
  void reply.status(status).type('application/json; charset=utf-8').send(body);
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  void reply.status(404).send({ error: `No route ${request.method} ${request.url.split('?')[0]}.`, code: 'not_found' });
}
