// cpamp-store: makes the usage database available as `app.store`. Registered only when the server runs
// with a store; whoever opened the store closes it (buildApp, after every plugin has stopped).
import type { ServerStore } from '../server-store';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

async function storePlugin(app: FastifyInstance, opts: { store: ServerStore }): Promise<void> {
  app.decorate('store', opts.store);
}

export default fp(storePlugin, { name: 'cpamp-store', fastify: '5.x' });
