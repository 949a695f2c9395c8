// Saved analytics views (issue #19): the Monitoring page's named range + filters + tab, kept on the server
// so they follow the install, not the browser. State is the page's URL params, checked here with zod.
import type { ServerStore } from '../server-store';
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ServerError } from '../errors';

const BASE = '/v0/management/analytics/views';
const SaveBody = z.object({
  name: z.string().trim().min(1).max(80),
  state: z.record(
    z
      .string()
      .regex(/^[a-z][a-zA-Z]{0,31}$/, {
        message: 'state keys are URL param names such as range, model, tab',
      }),
    z.string().max(1000),
  ),
});
const IdParams = z.object({ id: z.coerce.number().int().min(1) });

export default async function savedViewsRoutes(
  appBase: FastifyInstance,
  opts: { store: Pick<ServerStore, 'savedViews'> },
): Promise<void> {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const views = opts.store.savedViews;

  app.get(BASE, async () => ({ views: await views.list() }));

  app.post(BASE, { schema: { body: SaveBody } }, async (request, reply) => {
    const view = await views.save(request.body.name, request.body.state);
    return reply.code(201).send({ view });
  });

  app.delete(`${BASE}/:id`, { schema: { params: IdParams } }, async (request) => {
    if (!(await views.delete(request.params.id)))
      throw new ServerError('not_found', `No saved view with id ${request.params.id}.`);
    return { ok: true };
  });
}
