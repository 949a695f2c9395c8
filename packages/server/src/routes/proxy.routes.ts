// Everything under /v0/management/* that the server does not answer itself goes to CPA with the stored
// management key — only for admins (docs/design.md, "every route needs the admin key"). /models and /v1/models pass the caller's own key through.
// Popping CPA's usage queue through us is refused: it would steal records from our collector.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConnectionService } from '../connection';
import type { CpaProxy } from '../proxy/forward';
import { ServerError } from '../errors';
import { decodeProxyPath } from '../proxy/proxy-path';
import type { UpstreamSet } from '../upstreams/upstream-set';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

function isUsageQueue(path: string): boolean {
  return /^\/v0\/management\/usage-queue(\/|$)/i.test(path);
}

export interface ProxyRoutesOptions {
  connection: Pick<ConnectionService, 'current'>;
  proxy: Pick<CpaProxy, 'forward'>;
  /** The public model list's own connections and queue, so anonymous callers cannot use up the admin's. */
  publicProxy: Pick<CpaProxy, 'forward'>;
  /** Several CPAs: a call goes to the one X-Cpamp-Upstream (or ?upstream=) names, else to `connection`. */
  upstreams?: Pick<UpstreamSet, 'of'>;
}

function requireConnection(ctx: ProxyRoutesOptions, request: FastifyRequest) {
  const connection = (ctx.upstreams ? ctx.upstreams.of(request).connection : ctx.connection).current();
  if (!connection) {
    throw new ServerError('usage_service_not_configured', 'cpamp is not connected to CPA yet: open /management.html and finish setup (or set CPA_UPSTREAM_URL and CPA_MANAGEMENT_KEY).');
  }
  return connection;
}

export default async function proxyRoutes(app: FastifyInstance, opts: ProxyRoutesOptions): Promise<void> {
  const ctx = opts;
  // Bodies are streamed to CPA untouched: no parsing in this context.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request: FastifyRequest, _payload: unknown, done: (err: Error | null, body?: unknown) => void) => done(null));

  const management = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const path = decodeProxyPath(request.raw.url ?? '');
    if (isUsageQueue(path)) {
      throw new ServerError('usage_queue_proxy_refused', 'cpamp does not proxy /v0/management/usage-queue: popping the queue would take usage records away from cpamp\'s own collector. Read usage from cpamp (/v0/management/usage) instead.');
    }
    const connection = requireConnection(ctx, request);
    await ctx.proxy.forward(request, reply, { baseUrl: connection.baseUrl, authorization: `Bearer ${connection.managementKey}` });
  };

  app.route({ method: [...METHODS], url: '/v0/management/*', handler: management });
  app.route({ method: [...METHODS], url: '/v0/resource/plugins/*', handler: management });

  const models = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    decodeProxyPath(request.raw.url ?? '');
    const connection = requireConnection(ctx, request);
    const auth = request.headers.authorization;
    await ctx.publicProxy.forward(request, reply, { baseUrl: connection.baseUrl, authorization: typeof auth === 'string' ? auth : null });
  };
  app.get('/models', { config: { auth: 'public' } }, models);
  app.get('/v1/models', { config: { auth: 'public' } }, models);
}
