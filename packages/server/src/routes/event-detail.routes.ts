// One event with how its cost was computed: the store's explainCost() over the price version in effect at
// the event's time (the one it was priced with: a price change re-prices exactly the events its range
// covers), so the panel shows the store's arithmetic instead of re-deriving it.
import { explainCost } from '@cpamp/store';
import type { ServerStore } from '../server-store';
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ServerError } from '../errors';

const Params = z.object({ id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });

export default async function eventDetailRoutes(appBase: FastifyInstance, opts: { store: Pick<ServerStore, 'events' | 'prices'> }): Promise<void> {
  const { store } = opts;
  const app = appBase.withTypeProvider<ZodTypeProvider>();

  app.get('/v0/management/analytics/events/:id', { exposeHeadRoute: false, schema: { params: Params } }, async (request) => {
    const event = await store.events.get(request.params.id);
    if (!event) throw new ServerError('not_found', `No event with id ${request.params.id}; it may have been removed by retention.`);
    const price = await store.prices.priceAt(event.model, event.alias, event.timestampMs);
    const versions = price ? await store.prices.versions(price.model) : [];
    const version = versions.filter((v) => v.price !== null).find((v) => (v.fromMs === null || v.fromMs <= event.timestampMs) && (v.toMs === null || event.timestampMs < v.toMs));
    return {
      event,
      costExplanation: explainCost(event, price),
      price: price ? { ...price, versionId: version?.id ?? null, effectiveFromMs: version?.fromMs ?? null, effectiveToMs: version?.toMs ?? null } : null,
    };
  });
}
