import { z } from 'zod';
import type { ManagerClient } from './manager-client';
import { parseJson, type SignalOptions as Sig } from './management-client';

// cpamp server reads the panel shows beside its pages: which instance holds which lease (/status), a model's
// price history, the models seen without a price, and the background jobs (docs/reference/http-api.md).

const LeaseSchema = z.looseObject({
  name: z.string(),
  held: z.boolean(),
  holder: z.string().nullable().catch(null),
  expiresAtMs: z.number().nullable().catch(null),
});
const InstanceSchema = z.looseObject({
  instanceId: z.string(),
  mode: z.string(),
  leases: z.array(LeaseSchema).catch([]),
});
export type InstanceStatus = z.output<typeof InstanceSchema>;
const StatusInstance = z.looseObject({ instance: InstanceSchema.nullable().catch(null) });

/** This process and the leases of the instances sharing its database (null: a server without leases). */
export async function getInstance(c: ManagerClient, o: Sig = {}): Promise<InstanceStatus | null> {
  const res = await c.resource('/status', o);
  return (await parseJson(res, StatusInstance, res.url)).instance;
}

const num = z.number().nullable().optional().catch(null);
const VersionSchema = z.looseObject({
  id: z.number(),
  fromMs: z.number().nullable(),
  toMs: z.number().nullable(),
  price: z
    .looseObject({
      input: num,
      output: num,
      cacheRead: num,
      cacheCreation: num,
      manual: z.boolean().catch(false),
    })
    .nullable()
    .catch(null),
  createdMs: z.number().catch(0),
  reason: z.string().catch(''),
});
export type PriceVersion = z.output<typeof VersionSchema>;
const VersionsSchema = z.looseObject({ versions: z.array(VersionSchema) });

/** Every version of a model's price, oldest first; a null end is open. */
export const priceVersions = async (c: ManagerClient, model: string, o: Sig = {}) =>
  (await c.json('GET', `/model-prices/${encodeURIComponent(model)}/versions`, VersionsSchema, o)).versions;

const UnpricedSchema = z.looseObject({
  models: z.array(
    z.looseObject({ model: z.string(), calls: z.number().catch(0), unpricedCalls: z.number().catch(0) }),
  ),
});
export type UnpricedModel = z.output<typeof UnpricedSchema>['models'][number];

/** Models with calls that carry no price, also those priced later than their first calls. */
export const unpricedModels = async (c: ManagerClient, o: Sig = {}) =>
  (await c.json('GET', '/model-prices/unpriced', UnpricedSchema, o)).models;

const JobSchema = z.looseObject({
  id: z.number(),
  kind: z.string(),
  state: z.string(),
  progress: z
    .looseObject({ done: z.number().catch(0), total: num, message: z.string().nullable().catch(null) })
    .catch({ done: 0, total: null, message: null }),
  error: z.looseObject({ code: z.string(), message: z.string() }).nullable().catch(null),
  cancelRequested: z.boolean().catch(false),
  createdMs: z.number().catch(0),
  startedMs: num,
  finishedMs: num,
});
export type Job = z.output<typeof JobSchema>;
const JobsSchema = z.looseObject({ jobs: z.array(JobSchema) });

/** The newest background jobs (of one kind when given), newest first. */
export const listJobs = async (
  c: ManagerClient,
  q: { kind?: string | undefined; limit?: number },
  o: Sig = {},
) => (await c.json('GET', '/jobs', JobsSchema, { ...o, query: { kind: q.kind, limit: q.limit ?? 20 } })).jobs;

export const cancelJob = (c: ManagerClient, id: number) => c.json('POST', `/jobs/${id}/cancel`, JobSchema);
