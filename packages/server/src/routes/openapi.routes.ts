// GET /openapi.json: an OpenAPI 3 document generated from the routes' zod schemas. Public on purpose:
// it describes the API shape only (no settings, keys or data). The CPA proxy catch-alls are left out.
import swagger from '@fastify/swagger';
import { jsonSchemaTransform } from '@fastify/type-provider-zod';
import type { FastifyInstance } from 'fastify';
import { packageVersion } from '../version';

export const OPENAPI_PATH = '/openapi.json';

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
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
  app.get(OPENAPI_PATH, { config: { auth: 'public' } }, async () => app.swagger());
}
