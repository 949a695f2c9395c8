// GET /v0/management/analytics/dashboard: everything the panel's dashboard shows in one request (today's
// totals and the same time yesterday, the rate of the last minute, 24 h by hour, top models and accounts,
// recent failures) plus the collector's state. Plus's /dashboard/summary adapts this answer.
import { dashboardView } from '@cpamp/store';
import type { ServerStore } from '../server-store';
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CollectorHost } from '../collector-host';
import type { ConnectionService } from '../connection';
import { collectorStatus } from './system.routes';

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const DashboardQuery = z.object({
  tz: z
    .string()
    .max(100)
    .refine(isTimeZone, {
      message: 'unknown time zone: use an IANA name such as UTC, Europe/Berlin or Asia/Shanghai',
    })
    .optional(),
  top: z.coerce.number().int().min(1).max(20).optional(),
});

export interface DashboardRoutesOptions {
  store: Pick<ServerStore, 'analytics' | 'events'>;
  collector: Pick<CollectorHost, 'status'>;
  connection: Pick<ConnectionService, 'current' | 'collectorSettings'>;
  now: () => number;
}

export default async function dashboardRoutes(
  appBase: FastifyInstance,
  opts: DashboardRoutesOptions,
): Promise<void> {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/v0/management/analytics/dashboard',
    { schema: { querystring: DashboardQuery } },
    async (request) => {
      const q = request.query;
      const view = await dashboardView(opts.store, {
        now: opts.now(),
        timeZone: q.tz ?? 'UTC',
        ...(q.top ? { top: q.top } : {}),
      });
      const settings = opts.connection.collectorSettings();
      const s = collectorStatus(
        opts.collector,
        opts.connection.current()?.baseUrl ?? '',
        settings.mode,
        settings.queue,
      );
      return {
        ...view,
        collector: {
          state: s.state,
          transport: s.transport,
          lastConsumedAt: s.lastConsumedAt,
          lastInsertedAt: s.lastInsertedAt,
          totalInserted: s.totalInserted,
          lastError: s.lastError,
        },
      };
    },
  );
}
