// Budgets per API key, the budget action log and share links (admin auth, the default). Keys are named by
// their sha256 hex, never the key itself; a share link's token is returned once, at creation.
import type { ServerStore } from '../server-store';
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { BudgetService } from '../budgets/budget-service';
import { newShareToken } from '../budgets/share-token';
import { ServerError } from '../errors';

const keyHash = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, { message: 'use the 64-hex sha256 of the API key, never the key itself' })
  .transform((h) => h.toLowerCase());
const HashParams = z.object({ hash: keyHash });
const IdParams = z.object({ id: z.coerce.number().int().min(1) });
const BudgetBody = z
  .object({
    period: z.enum(['week', 'month']),
    limitMicros: z
      .number({ error: (iss) => (iss.input === undefined ? 'required: integer micro-dollars (1 USD = 1000000)' : 'expected a number') })
      .int({ message: 'must be whole micro-dollars (1 USD = 1000000)' })
      .positive({ message: 'must be above 0 micro-dollars (1 USD = 1000000)' })
      .max(1e15),
    enforce: z.boolean().default(false),
  })
  .strict();
const LogQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  beforeId: z.coerce.number().int().min(1).optional(),
  keyHash: keyHash.optional(),
});
const ShareBody = z
  .object({
    apiKeyHash: keyHash,
    label: z.preprocess((v) => (v === '' ? null : v), z.string().trim().min(1).max(120).nullable().optional()),
  })
  .strict();
const SharesQuery = z.object({ keyHash: keyHash.optional() });

export interface BudgetRoutesOptions {
  budgets: BudgetService;
  store: Pick<ServerStore, 'budgets' | 'apiKeys'>;
}

export default async function budgetRoutes(appBase: FastifyInstance, opts: BudgetRoutesOptions): Promise<void> {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const { budgets, store } = opts;

  app.get('/v0/management/budgets', async () => ({
    items: await budgets.list(),
    keys: (await store.apiKeys.list()).map((k) => ({ hash: k.hash, label: k.label, alias: k.alias })),
  }));

  app.put('/v0/management/budgets/:hash', { schema: { params: HashParams, body: BudgetBody } }, async (request) => {
    const budget = await budgets.set(request.params.hash, request.body);
    // Enforcement and alerts follow a change at once, not at the next timer tick.
    await budgets.check();
    return { budget: (await budgets.status(request.params.hash)) ?? budget };
  });

  app.delete('/v0/management/budgets/:hash', { schema: { params: HashParams } }, async (request) => {
    if (!(await budgets.remove(request.params.hash)))
      throw new ServerError('not_found', `No budget for the API key ${request.params.hash.slice(0, 12)}…; list them with GET /v0/management/budgets.`);
    return { ok: true };
  });

  app.post('/v0/management/budgets/check', async () => {
    await budgets.check();
    return { items: await budgets.list() };
  });

  app.get('/v0/management/budgets/log', { schema: { querystring: LogQuery } }, async (request) => {
    const { limit, beforeId, keyHash: k } = request.query;
    const items = await store.budgets.listLog({ limit, ...(beforeId !== undefined ? { beforeId } : {}), ...(k !== undefined ? { keyHash: k } : {}) });
    return { items, nextCursor: items.length === limit ? (items[items.length - 1]?.id ?? null) : null };
  });

  app.get('/v0/management/share-links', { schema: { querystring: SharesQuery } }, async (request) => ({
    items: await store.budgets.listShares(request.query.keyHash !== undefined ? { keyHash: request.query.keyHash } : {}),
  }));

  app.post('/v0/management/share-links', { schema: { body: ShareBody } }, async (request, reply) => {
    const t = newShareToken();
    const link = await store.budgets.createShare({ keyHash: request.body.apiKeyHash, tokenHash: t.tokenHash, tokenPrefix: t.tokenPrefix, label: request.body.label ?? null });
    // The token is shown once; only its hash is stored. `path` is relative to the server's root.
    return reply.status(201).send({ link, token: t.token, path: `share/${t.token}` });
  });

  app.delete('/v0/management/share-links/:id', { schema: { params: IdParams } }, async (request) => {
    const link = await store.budgets.revokeShare(request.params.id);
    if (!link) throw new ServerError('not_found', `No share link with id ${request.params.id}; list them with GET /v0/management/share-links.`);
    return { link };
  });
}
