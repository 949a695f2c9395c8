// Streaming reverse proxy towards CPA (undici). Both bodies stream; the request body is size-capped;
// hop-by-hop headers and every client-address header are dropped (CPA trusts X-Forwarded-For and
// X-Real-IP for its localhost rule and its per-IP ban); concurrency towards CPA is bounded because each
// management call costs CPA a bcrypt check.
import { Transform, type Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Agent, errors as undiciErrors, request as undiciRequest } from 'undici';
import { ServerError } from '../errors';
import { createSemaphore, type Semaphore } from './semaphore';

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'host', 'content-length',
]);
// Client-address and proxy headers: never let a caller speak for CPA's IP checks.
const CLIENT_ADDRESS = new Set([
  'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-forwarded-prefix', 'forwarded',
  'x-real-ip', 'x-client-ip', 'true-client-ip', 'cf-connecting-ip', 'x-cluster-client-ip', 'fastly-client-ip', 'via',
]);
const CREDENTIALS = new Set(['authorization', 'x-management-key', 'cookie']);
// cpamp's own routing header (which CPA a call goes to) is not CPA's business.
const CPAMP_ONLY = new Set(['x-cpamp-upstream']);

export interface ProxyOptions {
  timeoutMs: number;
  bodyLimitBytes: number;
  maxConcurrency: number;
  /** Waiting requests beyond this are refused with 503. */
  maxQueue?: number;
}

export interface CpaProxy {
  forward(request: FastifyRequest, reply: FastifyReply, target: { baseUrl: string; authorization: string | null }): Promise<void>;
  inFlight(): number;
  close(): Promise<void>;
}

function connectionListed(value: string | string[] | undefined): Set<string> {
  const out = new Set<string>();
  for (const v of Array.isArray(value) ? value : value ? [value] : []) {
    for (const name of v.split(',')) if (name.trim()) out.add(name.trim().toLowerCase());
  }
  return out;
}

export function requestHeadersForUpstream(headers: FastifyRequest['headers'], authorization: string | null): Record<string, string | string[]> {
  const listed = connectionListed(headers.connection);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || CLIENT_ADDRESS.has(lower) || CREDENTIALS.has(lower) || CPAMP_ONLY.has(lower) || listed.has(lower)) continue;
    out[lower] = value;
  }
  if (authorization !== null) out.authorization = authorization;
  return out;
}

export function responseHeadersForClient(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const listed = connectionListed(headers.connection);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if ((HOP_BY_HOP.has(lower) && lower !== 'content-length') || listed.has(lower)) continue;
    out[lower] = value;
  }
  return out;
}

function limitStream(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, callback) {
      seen += chunk.length;
      if (seen > limit) {
        callback(new ServerError('body_too_large', `Request body exceeds ${limit} bytes; the proxy limit is CPAMP_PROXY_BODY_LIMIT_BYTES.`));
        return;
      }
      callback(null, chunk);
    },
  });
}

function upstreamError(error: unknown, timeoutMs: number): ServerError {
  if (error instanceof ServerError) return error;
  const code = (error as { code?: string }).code ?? '';
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new ServerError('upstream_timeout', `CPA did not answer within ${timeoutMs} ms. Check that CPA is reachable and not overloaded.`, { cause: error });
  }
  return new ServerError('upstream_unavailable', `Cannot reach CPA (${code || (error as Error).message}). Check the CPA URL saved in setup and that CPA is running.`, { cause: error });
}

export function createCpaProxy(options: ProxyOptions): CpaProxy {
  const agent = new Agent({ connections: options.maxConcurrency, keepAliveTimeout: 10_000, connect: { timeout: Math.min(options.timeoutMs, 10_000) } });
  const semaphore: Semaphore = createSemaphore(options.maxConcurrency, options.maxQueue ?? options.maxConcurrency * 16);

  return {
    async forward(request, reply, target) {
      const declared = Number(request.headers['content-length'] ?? 0);
      if (Number.isFinite(declared) && declared > options.bodyLimitBytes) {
        throw new ServerError('body_too_large', `Request body of ${declared} bytes exceeds the proxy limit of ${options.bodyLimitBytes} bytes (CPAMP_PROXY_BODY_LIMIT_BYTES).`);
      }
      const release = await semaphore.acquire(options.timeoutMs).catch(() => {
        throw new ServerError('proxy_busy', 'Too many requests are waiting for CPA; retry shortly.');
      });
      let released = false;
      const done = (): void => {
        if (!released) {
          released = true;
          release();
        }
      };
      const abort = new AbortController();
      const onClientClose = (): void => {
        if (!reply.raw.writableFinished) abort.abort();
      };
      reply.raw.once('close', onClientClose);
      try {
        const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
        const body = hasBody ? (request.raw as Readable).pipe(limitStream(options.bodyLimitBytes)) : undefined;
        const url = target.baseUrl.replace(/\/+$/, '') + request.raw.url;
        const upstream = await undiciRequest(url, {
          method: request.method as 'GET',
          headers: requestHeadersForUpstream(request.headers, target.authorization),
          body,
          dispatcher: agent,
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
          signal: abort.signal,
        });
        upstream.body.once('close', done);
        upstream.body.once('error', done);
        reply.status(upstream.statusCode);
        reply.headers(responseHeadersForClient(upstream.headers));
        if (request.method === 'HEAD') {
          upstream.body.resume();
          await reply.send();
          return;
        }
        await reply.send(upstream.body);
      } catch (error) {
        done();
        throw upstreamError(error, options.timeoutMs);
      }
    },
    inFlight: () => semaphore.active(),
    async close() {
      await agent.close();
    },
  };
}
