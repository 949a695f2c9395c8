// Every error the SDK throws is a CpaError with a code from this closed union.
import type { z } from 'zod';

export type CpaErrorCode =
  | 'invalid_options' // createCpaClient got an unusable option (bad baseUrl, negative timeout, …)
  | 'invalid_argument' // a method argument failed local validation (e.g. usageQueue.pop(0))
  | 'http_error' // CPA answered with a non-2xx status not covered below
  | 'bad_request' // 400 from CPA (invalid body, bad query)
  | 'not_found' // 404 with a CPA error body (e.g. "auth file not found")
  | 'management_disabled' // 404 without a CPA error body: management API off, or route unknown to this CPA
  | 'config_rejected' // PUT /config.yaml refused (400 invalid_yaml / 422 invalid_config)
  | 'unauthorized' // 401: missing or wrong management key
  | 'remote_management_disabled' // 403: remote client while allow-remote is false
  | 'ip_banned' // 403: too many failed attempts from this IP
  | 'forbidden' // other 403
  | 'network_error' // no HTTP answer at all (refused, reset, DNS, TLS)
  | 'timeout' // no complete answer within timeoutMs
  | 'aborted' // the caller's AbortSignal fired
  | 'response_validation' // CPA answered 2xx but the body did not match the expected shape
  | 'oauth_failed' // waitForAuth: CPA reported the OAuth login as failed
  | 'client_closed'; // the client was closed with close()

export interface CpaErrorOptions {
  cause?: unknown;
}

const BRAND = Symbol.for('@cpamp/sdk-cpa/CpaError');

export class CpaError extends Error {
  readonly code: CpaErrorCode;
  readonly [BRAND] = true;

  constructor(code: CpaErrorCode, message: string, options: CpaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CpaError';
    this.code = code;
  }
}

/** True for any error thrown by this SDK (works across duplicated package copies). */
export function isCpaError(value: unknown): value is CpaError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export const MAX_ERROR_BODY_BYTES = 2048;

export interface CpaHttpErrorInit {
  code: CpaErrorCode;
  message: string;
  status: number;
  method: HttpMethod;
  /** Request URL; never contains the management key (it travels in a header). */
  url: string;
  /** Response body, truncated to 2 KB. */
  body: string;
  /** CPA's `error` field, if the body was CPA's JSON error shape. */
  cpaError?: string | undefined;
  cause?: unknown;
}

/** CPA answered, but not with success. */
export class CpaHttpError extends CpaError {
  readonly status: number;
  readonly method: HttpMethod;
  readonly url: string;
  readonly body: string;
  readonly cpaError: string | undefined;

  constructor(init: CpaHttpErrorInit) {
    super(init.code, init.message, { cause: init.cause });
    this.name = 'CpaHttpError';
    this.status = init.status;
    this.method = init.method;
    this.url = init.url;
    this.body = truncateBody(init.body);
    this.cpaError = init.cpaError;
  }
}

export type CpaAuthReason = 'missing_key' | 'invalid_key' | 'remote_disabled' | 'ip_banned' | 'forbidden';

export interface CpaAuthErrorInit extends CpaHttpErrorInit {
  reason: CpaAuthReason;
  /** For ip_banned: CPA's remaining ban time as written by CPA, e.g. "29m12s". */
  retryAfter?: string | undefined;
}

/** 401/403 from CPA's management middleware. Never retried: each failure counts toward CPA's per-IP ban. */
export class CpaAuthError extends CpaHttpError {
  readonly reason: CpaAuthReason;
  readonly retryAfter: string | undefined;

  constructor(init: CpaAuthErrorInit) {
    super(init);
    this.name = 'CpaAuthError';
    this.reason = init.reason;
    this.retryAfter = init.retryAfter;
  }
}

/** No HTTP answer: connection refused/reset, DNS failure, TLS failure. */
export class CpaNetworkError extends CpaError {
  readonly method: HttpMethod;
  readonly url: string;
  /** The system error code if known, e.g. ECONNREFUSED. */
  readonly systemCode: string | undefined;

  constructor(init: {
    method: HttpMethod;
    url: string;
    systemCode?: string | undefined;
    message: string;
    cause?: unknown;
  }) {
    super('network_error', init.message, { cause: init.cause });
    this.name = 'CpaNetworkError';
    this.method = init.method;
    this.url = init.url;
    this.systemCode = init.systemCode;
  }
}

export class CpaTimeoutError extends CpaError {
  readonly method: HttpMethod;
  readonly url: string;
  readonly timeoutMs: number;

  constructor(init: { method: HttpMethod; url: string; timeoutMs: number; cause?: unknown }) {
    super(
      'timeout',
      `CPA did not answer ${init.method} ${init.url} within ${init.timeoutMs} ms. ` +
        'Check that CPA is reachable and not overloaded, or raise timeoutMs in createCpaClient().',
      { cause: init.cause },
    );
    this.name = 'CpaTimeoutError';
    this.method = init.method;
    this.url = init.url;
    this.timeoutMs = init.timeoutMs;
  }
}

/** CPA answered 2xx but the body is not what this SDK expects (not JSON, or wrong shape). */
export class CpaResponseValidationError extends CpaError {
  readonly method: HttpMethod;
  readonly url: string;
  readonly status: number;
  readonly issues: readonly z.core.$ZodIssue[];
  readonly body: string;

  constructor(init: {
    method: HttpMethod;
    url: string;
    status: number;
    issues: readonly z.core.$ZodIssue[];
    body: string;
    reason?: string;
    cause?: unknown;
  }) {
    const summary =
      init.reason ??
      init.issues
        .slice(0, 5)
        .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
        .join('; ');
    super(
      'response_validation',
      `Unexpected response from CPA for ${init.method} ${init.url} (status ${init.status}): ${summary}. ` +
        'This CPA version may be incompatible with @cpamp/sdk-cpa, or a proxy in front of CPA rewrote the answer.',
      { cause: init.cause },
    );
    this.name = 'CpaResponseValidationError';
    this.method = init.method;
    this.url = init.url;
    this.status = init.status;
    this.issues = init.issues;
    this.body = truncateBody(init.body);
  }
}

/** Cuts a body to at most 2 KB of UTF-8, marking the cut. */
export function truncateBody(body: string): string {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes <= MAX_ERROR_BODY_BYTES) return body;
  const marker = '…[truncated]';
  let cut = Buffer.from(body, 'utf8')
    .subarray(0, MAX_ERROR_BODY_BYTES - Buffer.byteLength(marker))
    .toString('utf8');
  // A cut inside a multi-byte character decodes to U+FFFD; drop it.
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return cut + marker;
}
