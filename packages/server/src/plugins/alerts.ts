// Alerts (#8): rule engine over the signal bus, channels (webhook, Telegram, SSE), delivery log.
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context';
import type { LiveHub } from '../live/live-hub';

export async function registerAlerts(_app: FastifyInstance, _opts: { ctx: ServerContext; live: LiveHub }): Promise<void> {}
