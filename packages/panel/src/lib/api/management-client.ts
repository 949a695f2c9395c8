import type { z } from 'zod';
import { PanelError, errorFromResponse, isAbort } from './errors';

export interface CpaMeta {
  version: string | null;
  commit: string | null;
  buildDate: string | null;
  supportsPlugin: boolean | null;
}

export interface ManagementClientOptions {
  /** Server origin, e.g. `http://127.0.0.1:8317` (already normalised, see normalizeCpaUrl). */
  baseUrl: string;
  managementKey: string;
  timeoutMs?: number;
  fetchFn?: typeof fetch;
  /** Called with the version headers CPA puts on every management response (cpamp passes them on). */
  onMeta?: (meta: CpaMeta) => void;
  /** Sent with every request, e.g. X-Cpamp-Upstream: which CPA the cpamp server's proxy forwards to. */
  headers?: Record<string, string>;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  /** JSON body (objects/arrays) or a raw body (string, FormData, Blob). */
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** A 404 here means the management API is off (not just a missing feature). */
  core?: boolean;
}

/** The options of a plain read: only a way to cancel it. */
export type SignalOptions = Pick<RequestOptions, 'signal'>;

export const MANAGEMENT_PREFIX = '/v0/management';

/**
 * Thin fetch wrapper for a `/v0/management` API (CPA's, or the cpamp server's, which speaks the same way):
 * auth header, timeout, error mapping, zod parsing. Use it through CpaClient or ManagerClient, whose types
 * say which server an API function talks to.
 */
export abstract class ManagementClient {
  readonly baseUrl: string;
  readonly #key: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #onMeta: ((meta: CpaMeta) => void) | undefined;
  protected readonly options: ManagementClientOptions;

  constructor(opts: ManagementClientOptions) {
    this.options = opts;
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.#key = opts.managementKey;
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#fetch = opts.fetchFn ?? globalThis.fetch.bind(globalThis);
    this.#onMeta = opts.onMeta;
  }

  url(path: string, query?: RequestOptions['query']): string {
    const u = `${this.baseUrl}${MANAGEMENT_PREFIX}${path}`;
    if (!query) return u;
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.append(k, String(v));
    const qs = params.toString();
    return qs ? `${u}?${qs}` : u;
  }

  /** Sends a request and returns the raw Response once it is known to be 2xx. */
  async raw(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    return this.send(method, this.url(path, opts.query), opts, { Authorization: `Bearer ${this.#key}` });
  }

  /** A request outside /v0/management (e.g. /v1/models with a client API key). */
  async external(method: string, fullPath: string, headers: Record<string, string>, opts: RequestOptions = {}): Promise<Response> {
    return this.send(method, `${this.baseUrl}${fullPath}`, opts, headers);
  }

  /** GET outside /v0/management with this client's key: plugin pages under /v0/resource/plugins/ (cpamp's proxy wants the key). */
  async resource(fullPath: string, opts: RequestOptions = {}): Promise<Response> {
    return this.send('GET', `${this.baseUrl}${fullPath}`, opts, { Authorization: `Bearer ${this.#key}` });
  }

  async json<S extends z.ZodType>(method: string, path: string, schema: S, opts: RequestOptions = {}): Promise<z.output<S>> {
    const res = await this.raw(method, path, opts);
    return parseJson(res, schema, this.url(path));
  }

  async text(method: string, path: string, opts: RequestOptions = {}): Promise<string> {
    const res = await this.raw(method, path, opts);
    return res.text();
  }

  async blob(path: string, opts: RequestOptions = {}): Promise<Blob> {
    const res = await this.raw('GET', path, opts);
    return res.blob();
  }

  private async send(method: string, url: string, opts: RequestOptions, auth: Record<string, string>): Promise<Response> {
    const headers: Record<string, string> = { ...this.options.headers, ...auth };
    let body: BodyInit | undefined;
    if (opts.body !== undefined) {
      if (typeof opts.body === 'string' || opts.body instanceof FormData || opts.body instanceof Blob) {
        body = opts.body;
        if (opts.contentType) headers['Content-Type'] = opts.contentType;
      } else {
        body = JSON.stringify(opts.body);
        headers['Content-Type'] = 'application/json';
      }
    }
    const timeout = AbortSignal.timeout(opts.timeoutMs ?? this.#timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await this.#fetch(url, { method, headers, body, signal, cache: 'no-store' });
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      if (timeout.aborted || (e instanceof DOMException && e.name === 'TimeoutError')) {
        throw new PanelError({ code: 'timeout', url: this.baseUrl, cause: e });
      }
      if (isAbort(e)) throw e;
      throw new PanelError({ code: 'network', url: this.baseUrl, cause: e });
    }
    this.readMeta(res);
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      throw errorFromResponse(url, res.status, text, opts.core ?? false, res.headers.get('retry-after'));
    }
    return res;
  }

  private readMeta(res: Response): void {
    if (!this.#onMeta) return;
    const version = res.headers.get('x-cpa-version') ?? res.headers.get('x-server-version');
    if (version === null && !res.headers.has('x-cpa-commit')) return;
    const plugin = res.headers.get('x-cpa-support-plugin');
    this.#onMeta({
      version,
      commit: res.headers.get('x-cpa-commit'),
      buildDate: res.headers.get('x-cpa-build-date'),
      supportsPlugin: plugin === null ? null : plugin === 'true' || plugin === '1',
    });
  }
}


export async function parseJson<S extends z.ZodType>(res: Response, schema: S, url: string): Promise<z.output<S>> {
  let data: unknown;
  try {
    data = await res.json();
  } catch (e) {
    throw new PanelError({ code: 'invalid-response', url, status: res.status, detail: 'not JSON', cause: e });
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const detail = first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'unexpected shape';
    throw new PanelError({ code: 'invalid-response', url, status: res.status, detail, cause: parsed.error });
  }
  return parsed.data;
}
