// Model prices, answered locally from the store (these static routes win over the proxy's wildcard):
// list, upsert (a manual edit, never overwritten by a sync), delete, LiteLLM sync from a URL or an uploaded
// model_prices_and_context_window.json, and a per-model usage summary for the price editor.
import type { ModelPrice, PriceInput, Store } from '@cpamp/store';
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ServerError } from '../errors';
import { fetchPriceFile } from '../net/fetch-price-file';

/** LiteLLM's file is ~1.5 MB today; leave room for growth without opening the default limit for all routes. */
const SYNC_BODY_LIMIT = 64 * 1024 * 1024;

const rate = z.number().finite().min(0).nullable().optional();
const TierRatesSchema = z.object({ input: rate, output: rate, cacheRead: rate, cacheCreation: rate }).partial();
const PriceInputSchema = z
  .object({
    input: rate,
    output: rate,
    cacheRead: rate,
    cacheCreation: rate,
    reasoning: rate,
    inputAbove200k: rate,
    outputAbove200k: rate,
    cacheReadAbove200k: rate,
    cacheCreationAbove200k: rate,
    priorityMultiplier: rate,
    flexMultiplier: rate,
    batchMultiplier: rate,
    perRequestFee: rate,
    tierPrices: z.record(z.enum(['priority', 'flex', 'batch']), TierRatesSchema).nullable().optional(),
  })
  .strict();
const modelName = z.string().trim().min(1).max(300);
const PutBody = z.union([
  z.object({ prices: z.record(modelName, PriceInputSchema).refine((p) => Object.keys(p).length > 0, { message: 'give at least one model' }) }).strict(),
  z.object({ model: modelName, price: PriceInputSchema }).strict(),
]);
const ModelParams = z.object({ model: modelName });
/** `{url}` (optionally with `models`), or the LiteLLM JSON document itself as the body. */
const UrlSyncBody = z
  .object({
    url: z.string().url().max(2000).refine((u) => /^https?:\/\//i.test(u), { message: 'use an http(s) URL' }),
    models: z.array(modelName).max(10_000).optional(),
    timeoutMs: z.number().int().min(1000).max(300_000).optional(),
  })
  .strict();


async function priceMap(store: PriceStore): Promise<Record<string, ModelPrice>> {
  const out: Record<string, ModelPrice> = {};
  for (const p of await store.prices.list()) out[p.model] = p;
  return out;
}

const modelsQuery = z.object({
  models: z
    .string()
    .max(100_000)
    .transform((s) => s.split(',').map((m) => m.trim()).filter((m) => m !== ''))
    .optional(),
});

type PriceStore = Pick<Store, 'prices' | 'analytics'>;

export default async function priceRoutes(appBase: FastifyInstance, opts: { store: PriceStore; allowLocalTargets: boolean }): Promise<void> {
  const { store } = opts;
  const app = appBase.withTypeProvider<ZodTypeProvider>();

  app.get('/v0/management/model-prices', { exposeHeadRoute: false }, async () => {
    return { prices: await priceMap(store), version: await store.prices.currentVersion() };
  });

  // Upsert only (Plus's PUT replaced everything; deleting is explicit here, so a partial edit cannot wipe prices).
  app.put('/v0/management/model-prices', { schema: { body: PutBody } }, async (request) => {
    const entries: [string, PriceInput][] = 'prices' in request.body ? Object.entries(request.body.prices) : [[request.body.model, request.body.price]];
    const updated: ModelPrice[] = [];
    for (const [model, price] of entries) updated.push(await store.prices.set(model, price as PriceInput));
    return { updated, prices: await priceMap(store), version: await store.prices.currentVersion() };
  });

  app.delete('/v0/management/model-prices/:model', { schema: { params: ModelParams } }, async (request) => {
    if (!(await store.prices.delete(request.params.model))) {
      throw new ServerError('not_found', `No price for model "${request.params.model}"; GET /v0/management/model-prices lists the priced models.`);
    }
    return { ok: true, version: await store.prices.currentVersion() };
  });

  app.post(
    '/v0/management/model-prices/sync',
    { bodyLimit: SYNC_BODY_LIMIT, schema: { querystring: modelsQuery } },
    async (request) => {
      const body: unknown = request.body;
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        throw new ServerError('bad_request', 'Invalid body: send {"url":"https://…/model_prices_and_context_window.json"} or the LiteLLM JSON file itself (Content-Type: application/json).');
      }
      const looksLikeUrlRequest = 'url' in body || Object.keys(body).length === 0 || 'models' in body;
      let report;
      if (looksLikeUrlRequest) {
        const parsed = UrlSyncBody.safeParse(body);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          const where = issue?.path.length ? `body.${issue.path.join('.')}` : 'body';
          throw new ServerError('bad_request', `Invalid ${where}: ${issue?.message ?? 'invalid'}. Send {"url":"https://…"} or upload the LiteLLM JSON file.`);
        }
        const models = parsed.data.models ?? request.query.models;
        const json = await fetchPriceFile(parsed.data.url, { timeoutMs: parsed.data.timeoutMs ?? 30_000, allowLocalTargets: opts.allowLocalTargets });
        report = await store.prices.sync({ json }, models ? { models } : {});
      } else {
        const models = request.query.models;
        report = await store.prices.sync({ json: body }, models ? { models } : {});
      }
      return { source: 'litellm', ...report, imported: report.matched.length, prices: await priceMap(store) };
    },
  );

  // Which models were called and whether each has a price (the price editor lists the unpriced first).
  app.get('/v0/management/model-prices/usage-summary', { exposeHeadRoute: false }, async () => {
    const { rows, total } = await store.analytics.breakdown({ from: 0, to: Number.MAX_SAFE_INTEGER }, { by: 'model', sort: 'requests', order: 'desc', limit: 1000 });
    const models = await Promise.all(
      rows.map(async (r) => ({ model: r.name, calls: r.requests, unpricedCalls: r.unpricedRequests, priced: (await store.prices.lookup(r.name, '')) !== undefined })),
    );
    const totalEvents = models.reduce((n, m) => n + m.calls, 0);
    return { sampled_events: totalEvents, total_events: totalEvents, truncated: total > rows.length, models };
  });
}
