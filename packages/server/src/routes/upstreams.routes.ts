// The CPAs this cpamp collects from (docs/guides/several-cpas.md): list every one, and add, change or remove
// the ones kept in the store (stored-upstreams.ts) without a restart. Admin auth (the default). A management
// key goes in, never out: answers show name, URL, where the CPA comes from and its collector mode.
import { COLLECTOR_MODES } from '@cpamp/collector';
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DEFAULT_UPSTREAM_NAME, UPSTREAM_NAME } from '../config/upstreams-type';
import { normalizeCpaBaseUrl } from '../config/value-types';
import { ServerError } from '../errors';
import type { StoredUpstreams } from '../upstreams/stored-upstreams';

const url = z
  .string()
  .trim()
  .min(1)
  .max(2048)
  .transform((v, ctx) => {
    try {
      const out = normalizeCpaBaseUrl(v);
      if (out !== null) return out;
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `${(error as Error).message}; use the CPA base URL, e.g. http://cpa-east:8317` });
      return z.NEVER;
    }
    ctx.addIssue({ code: 'custom', message: 'is empty' });
    return z.NEVER;
  });
const managementKey = z.string().trim().min(1).max(4096);
const collectorMode = z.enum(COLLECTOR_MODES).nullable();
const AddBody = z
  .object({
    name: z
      .string()
      .regex(UPSTREAM_NAME, 'must be a lower-case slug: a-z, 0-9, "-" and "_", at most 32 characters, starting with a letter or digit')
      .refine((n) => n !== DEFAULT_UPSTREAM_NAME, 'default is the CPA of CPA_UPSTREAM_URL or the setup wizard'),
    url,
    managementKey,
    collectorMode: collectorMode.optional(),
  })
  .strict();
const ChangeBody = z.object({ url: url.optional(), managementKey: managementKey.optional(), collectorMode: collectorMode.optional() }).strict();
const NameParams = z.object({ name: z.string().min(1).max(64) });

export interface UpstreamsRoutesOptions {
  /** Absent without a store: the list is still shown, changes are refused. */
  stored?: StoredUpstreams;
  list: () => ReturnType<StoredUpstreams['views']>;
}

export default async function upstreamsRoutes(appBase: FastifyInstance, opts: UpstreamsRoutesOptions): Promise<void> {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const base = '/v0/management/upstreams';
  const stored = (): StoredUpstreams => {
    if (!opts.stored) throw new ServerError('store_unavailable', 'CPAs are added in the panel only with a store (usage database); list them in the configuration instead.');
    return opts.stored;
  };

  app.get(base, async () => ({ items: opts.list() }));

  app.post(base, { schema: { body: AddBody } }, async (request, reply) => {
    const b = request.body;
    const upstream = await stored().add({ name: b.name, url: b.url, managementKey: b.managementKey, collectorMode: b.collectorMode ?? null });
    return reply.status(201).send({ upstream });
  });

  app.put(`${base}/:name`, { schema: { params: NameParams, body: ChangeBody } }, async (request) => {
    const b = request.body;
    const upstream = await stored().update(request.params.name, {
      ...(b.url !== undefined ? { url: b.url } : {}),
      ...(b.managementKey !== undefined ? { managementKey: b.managementKey } : {}),
      ...(b.collectorMode !== undefined ? { collectorMode: b.collectorMode } : {}),
    });
    return { upstream };
  });

  app.delete(`${base}/:name`, { schema: { params: NameParams } }, async (request) => {
    await stored().remove(request.params.name);
    // The CPA's events stay in the store under its name (analytics and exports keep filtering by it).
    return { ok: true };
  });
}
