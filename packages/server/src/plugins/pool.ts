// Account-pool operations (#8): quota windows, inspection, owned automation, forecast. Registers the
// pool services and routes; everything it starts is stopped on close.
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context';
import type { LiveHub } from '../live/live-hub';

export async function registerPool(_app: FastifyInstance, _opts: { ctx: ServerContext; live: LiveHub }): Promise<void> {}
