// One place that talks HTTP to CPA: URL building, auth header, timeout, abort, retries, error mapping,
// version-header capture and zod validation of every response.
import { request, type Dispatcher, type FormData } from 'undici';
import type { z } from 'zod';
import { buildUrl, type QueryValue } from './base-url';
import {
  CpaError,
  CpaNetworkError,
  CpaResponseValidationError,
  CpaTimeoutError,
  type CpaHttpError,
  type HttpMethod,
} from './errors';
import { errorFromResponse } from './status-errors';
import { versionFromHeaders, type CpaServerVersion } from './version';

export interface CpaLogger {
  debug(msg: string, meta?: Record<string, unknown>): void;
  info(msg: string, meta?: Record<string, unknown>): void;
  warn(msg: string, meta?: Record<string, unknown>): void;
  error(msg: string, meta?: Record<string, unknown>): void;
}

export const silentLogger: CpaLogger = { debug() {}, info() {}, warn() {}, error() {} };

export interface RetryPolicy {
  /** Extra attempts after the first one (0 = never retry). */
  max: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface RequestSpec {
  method: HttpMethod;
  /** Path below /v0/management with segments already encoded, e.g. "/auth-files". */
  path: string;
  query?: Record<string, QueryValue>;
  /** JSON body (serialised here). */
  json?: unknown;
  /** Raw body; FormData gets its multipart content type from undici. */
  body?: string | FormData;
  contentType?: string;
  signal?: AbortSignal | undefined;
  /** Safe to repeat? Defaults to method === 'GET'. The destructive usage-queue pop sets false. */
  idempotent?: boolean;
  /** Return non-2xx answers instead of throwing (used by the version probe). */
  acceptAnyStatus?: boolean;
  /** Turns the generic HTTP error into a route-specific one. */
  mapError?: (error: CpaHttpError) => CpaError;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  method: HttpMethod;
  url: string;
}

export interface HttpTransportOptions {
  management: string;
  managementKey: string;
  timeoutMs: number;
  dispatcher: Dispatcher;
  logger: CpaLogger;
  retry: RetryPolicy;
  userAgent: string;
}

const RETRY_STATUSES = new Set([502, 503, 504]);

export class HttpTransport {
  readonly management: string;
  private readonly key: string;
  private readonly timeoutMs: number;
  private readonly dispatcher: Dispatcher;
  private readonly logger: CpaLogger;
  private readonly retry: RetryPolicy;
  private readonly userAgent: string;
  private lastVersion: CpaServerVersion | null = null;
  private closed = false;

  constructor(options: HttpTransportOptions) {
    this.management = options.management;
    this.key = options.managementKey;
    this.timeoutMs = options.timeoutMs;
    this.dispatcher = options.dispatcher;
    this.logger = options.logger;
    this.retry = options.retry;
    this.userAgent = options.userAgent;
  }

  /** Version headers of the most recent CPA answer, or null if none was seen yet. */
  get seenVersion(): CpaServerVersion | null {
    return this.lastVersion;
  }

  markClosed(): void {
    this.closed = true;
  }

  async send(spec: RequestSpec): Promise<RawResponse> {
    const url = buildUrl(this.management, spec.path, spec.query);
    const retryable = spec.idempotent ?? spec.method === 'GET';
    for (let attempt = 0; ; attempt++) {
      let res: RawResponse;
      try {
        res = await this.attempt(spec, url);
      } catch (error) {
        if (error instanceof CpaNetworkError && retryable && attempt < this.retry.max) {
          await this.backoff(spec, url, attempt, error.message);
          continue;
        }
        throw error;
      }
      this.rememberVersion(res);
      if ((res.status >= 200 && res.status < 300) || spec.acceptAnyStatus) return res;
      if (retryable && RETRY_STATUSES.has(res.status) && attempt < this.retry.max) {
        await this.backoff(spec, url, attempt, `status ${res.status}`);
        continue;
      }
      const error = errorFromResponse({
        status: res.status,
        method: spec.method,
        url,
        body: this.redact(res.body),
      });
      throw spec.mapError ? spec.mapError(error) : error;
    }
  }

  async json<S extends z.ZodType>(spec: RequestSpec, schema: S): Promise<z.output<S>> {
    const res = await this.send(spec);
    return parseJson(res, schema);
  }

  async text(spec: RequestSpec): Promise<string> {
    return (await this.send(spec)).body;
  }

  private async attempt(spec: RequestSpec, url: string): Promise<RawResponse> {
    if (this.closed) {
      throw new CpaError(
        'client_closed',
        `CPA client is closed; cannot send ${spec.method} ${url}. Create a new client.`,
      );
    }
    const userSignal = spec.signal;
    if (userSignal?.aborted) throw abortedError(spec.method, url, userSignal.reason);

    const controller = new AbortController();
    let timedOut = false;
    const timer =
      this.timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            controller.abort(new Error(`timeout after ${this.timeoutMs} ms`));
          }, this.timeoutMs)
        : undefined;
    const onAbort = (): void => controller.abort(userSignal?.reason);
    userSignal?.addEventListener('abort', onAbort, { once: true });

    const headers: Record<string, string> = {
      authorization: `Bearer ${this.key}`,
      accept: 'application/json, text/plain;q=0.9, */*;q=0.8',
      'user-agent': this.userAgent,
    };
    let body: string | FormData | undefined = spec.body;
    if (spec.json !== undefined) {
      body = JSON.stringify(spec.json);
      headers['content-type'] = 'application/json';
    } else if (spec.contentType) headers['content-type'] = spec.contentType;

    const started = Date.now();
    try {
      const res = await request(url, {
        method: spec.method,
        headers,
        body,
        dispatcher: this.dispatcher,
        signal: controller.signal,
      });
      const text = await res.body.text();
      this.logger.debug('cpa request', {
        method: spec.method,
        url,
        status: res.statusCode,
        ms: Date.now() - started,
      });
      return { status: res.statusCode, headers: res.headers, body: text, method: spec.method, url };
    } catch (cause) {
      if (userSignal?.aborted) throw abortedError(spec.method, url, userSignal.reason);
      if (timedOut) throw new CpaTimeoutError({ method: spec.method, url, timeoutMs: this.timeoutMs, cause });
      if (this.closed) {
        throw new CpaError(
          'client_closed',
          `CPA client was closed while ${spec.method} ${url} was in flight.`,
          { cause },
        );
      }
      const systemCode = errorCode(cause);
      this.logger.debug('cpa request failed', {
        method: spec.method,
        url,
        code: systemCode,
        ms: Date.now() - started,
      });
      throw new CpaNetworkError({
        method: spec.method,
        url,
        systemCode,
        cause,
        message:
          `Cannot reach CPA at ${url} (${systemCode ?? (cause instanceof Error ? cause.message : 'unknown error')}). ` +
          'Check that CPA is running and that baseUrl points to it (scheme, host, port, path prefix).',
      });
    } finally {
      if (timer) clearTimeout(timer);
      userSignal?.removeEventListener('abort', onAbort);
    }
  }

  private async backoff(spec: RequestSpec, url: string, attempt: number, why: string): Promise<void> {
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt);
    // "Equal jitter": half fixed, half random, so retries from many clients spread out but never hit 0.
    const delay = Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
    this.logger.warn('cpa request retry', {
      method: spec.method,
      url,
      attempt: attempt + 1,
      delayMs: delay,
      reason: why,
    });
    await sleep(delay, spec.signal, spec.method, url);
  }

  private rememberVersion(res: RawResponse): void {
    const version = versionFromHeaders(res.headers);
    // A 2xx answer without headers is a CPA that sends none; a header-less error may come from a proxy.
    if (version) this.lastVersion = version;
    else if (res.status >= 200 && res.status < 300) {
      this.lastVersion = { version: null, commit: null, buildDate: null, supportsPlugin: null };
    }
  }

  private redact(body: string): string {
    return this.key.length >= 4 ? body.split(this.key).join('***') : body;
  }
}

export function parseJson<S extends z.ZodType>(res: RawResponse, schema: S): z.output<S> {
  let data: unknown;
  try {
    data = JSON.parse(res.body);
  } catch (cause) {
    throw new CpaResponseValidationError({
      method: res.method,
      url: res.url,
      status: res.status,
      issues: [],
      body: res.body,
      reason: 'the body is not JSON',
      cause,
    });
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    throw new CpaResponseValidationError({
      method: res.method,
      url: res.url,
      status: res.status,
      issues: parsed.error.issues,
      body: res.body,
      cause: parsed.error,
    });
  }
  return parsed.data;
}

function abortedError(method: HttpMethod, url: string, reason: unknown): CpaError {
  return new CpaError('aborted', `${method} ${url} was aborted by the caller's AbortSignal.`, {
    cause: reason,
  });
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Resolves after ms, or rejects with an 'aborted' CpaError when the signal fires. */
export function sleep(
  ms: number,
  signal: AbortSignal | undefined,
  method: HttpMethod,
  url: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError(method, url, signal.reason));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortedError(method, url, signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
