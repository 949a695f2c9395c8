// GET /openapi.json: an OpenAPI 3 document generated from the routes' zod schemas. Public on purpose:
// it describes the API shape only (no settings, keys or data). The CPA proxy catch-alls are left out.
// Built on the first request, not at start: @fastify/swagger (and its yaml/resolver dependencies) stay
// out of the cold start. The routes are recorded as they are registered and replayed, handler-less,
// into a throwaway Fastify instance that carries the swagger plugin.
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from '@fastify/type-provider-zod';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { packageVersion } from '../version';

export const OPENAPI_PATH = '/openapi.json';

interface RecordedRoute {
  method: RouteOptions['method'];
  url: string;
  schema: RouteOptions['schema'];
}

async function buildDocument(routes: readonly RecordedRoute[]): Promise<unknown> {
  const [{ default: swagger }, { default: Fastify }] = await Promise.all([
    import('@fastify/swagger'),
    import('fastify'),
  ]);
  const doc = Fastify({
    logger: false,
    exposeHeadRoutes: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
  });
  try {
    doc.setValidatorCompiler(validatorCompiler);
    doc.setSerializerCompiler(serializerCompiler);
    await doc.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: { title: 'cpamp server', version: packageVersion() },
        components: { securitySchemes: { admin: { type: 'http', scheme: 'bearer' } } },
        security: [{ admin: [] }],
      },
      transform: (input) => {
        const url = input.url;
        const hidden = url.endsWith('/*') || url === OPENAPI_PATH;
        const out = jsonSchemaTransform(input);
        return hidden ? { ...out, schema: { ...out.schema, hide: true } } : out;
      },
    });
    await doc.register(async (scope) => {
      for (const r of routes) {
        scope.route({
          method: r.method,
          url: r.url,
          ...(r.schema ? { schema: r.schema } : {}),
          handler: async () => null,
        });
      }
    });
    await doc.ready();
    return doc.swagger();
  } finally {
    await doc.close();
  }
}

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  const routes: RecordedRoute[] = [];
  const seen = new Set<string>();
  app.addHook('onRoute', (r) => {
    const key = `${String(r.method)} ${r.url}`;
    if (seen.has(key)) return;
    seen.add(key);
    routes.push({ method: r.method, url: r.url, schema: r.schema });
  });
  let doc: Promise<unknown> | null = null;
  app.get(OPENAPI_PATH, { config: { auth: 'public' } }, async () => {
    doc ??= buildDocument(routes).catch((error: unknown) => {
      doc = null;
      throw error;
    });
    return doc;
  });
}
