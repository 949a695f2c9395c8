import { z } from 'zod';
import { COLLECTOR_MODES, type CollectorMode } from './analytics-api';
import type { ManagerClient } from './manager-client';
import { parseJson, type SignalOptions as Opts } from './management-client';

// GET /usage-service/config (admin): the server's current CPA connection, for the setup wizard's prefill.
// `cpaUsage` is present only when CPA answered with that connection just now: a working connection.

const LiveSchema = z.looseObject({
  cpaUsage: z.looseObject({}).optional(),
  config: z.looseObject({
    cpaConnection: z.looseObject({
      cpaBaseUrl: z.string().optional().default(''),
      managementKeySet: z.boolean().optional().default(false),
    }),
    collector: z.looseObject({ collectorMode: z.string().optional().default('auto') }).optional(),
  }),
});

export interface LiveConnection {
  url: string;
  mode: CollectorMode;
  keySet: boolean;
  /** CPA answered the saved connection just now. */
  working: boolean;
}

export async function getLiveConnection(
  c: ManagerClient,
  adminKey: string,
  o: Opts = {},
): Promise<LiveConnection> {
  const url = `${c.baseUrl}/usage-service/config`;
  const res = await c.external(
    'GET',
    '/usage-service/config',
    { Authorization: `Bearer ${adminKey}`, Accept: 'application/json' },
    o,
  );
  const body = await parseJson(res, LiveSchema, url);
  const mode = body.config.collector?.collectorMode ?? 'auto';
  return {
    url: body.config.cpaConnection.cpaBaseUrl,
    mode: (COLLECTOR_MODES as readonly string[]).includes(mode) ? (mode as CollectorMode) : 'auto',
    keySet: body.config.cpaConnection.managementKeySet,
    working: body.cpaUsage !== undefined,
  };
}
