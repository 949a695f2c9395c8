// Model prices, answered locally from the store (these static routes win over the proxy's wildcard):
// list, upsert (a manual edit, never overwritten by a sync), delete, LiteLLM sync from a URL or an uploaded
// model_prices_and_context_window.json, and a per-model usage summary for the price editor.
import type { ModelPrice, PriceInput } from '@cpamp/store';
import type { ServerStore } from '../server-store';
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ServerError } from '../errors';
import { jobView } from '../jobs/jobs.schema';
import { fetchPriceFile } from '../net/fetch-price-file';
import { plusModelUsage } from '../plus-compat/usage-summary';
import { isPlusEntry, plusToPriceInput, PlusPriceSchema, withPlusFields } from '../prices/plus-price-shape';
import { defineRepriceJob, startReprice, type RepriceTarget } from '../prices/reprice-job';

/** LiteLLM's file is ~1.5 MB today; leave room for growth without opening the default limit for all routes. */
const SYNC_BODY_LIMIT = 64 * 1024 * 1024;
/** Where a sync without a URL (Plus's `{"models":[…]}` body) reads prices. */
export const LITELLM_URL = 'https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json';
/** The published files of each price source (a sync may also name any URL; the format is detected). */
export const PRICE_SOURCE_URLS = { litellm: LITELLM_URL, 'models.dev': 'https://models.dev/api.json', openrouter: 'https://openrouter.ai/api/v1/models' } as const;

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
    contextTiers: z.array(TierRatesSchema.extend({ thresholdTokens: z.number().int().positive() })).max(50).nullable().optional(),
  })
  .strict();
/** "all" (all history), "now", an ISO date or epoch milliseconds: from when a price change applies. */
const ApplyFrom = z.union([z.literal('all'), z.literal('now'), z.number().int().min(0), z.string().max(40).refine((s) => !Number.isNaN(Date.parse(s)), { message: 'use "all", "now", an ISO date or epoch milliseconds' })]);
/** A cpamp entry, or Plus's (prompt / completion / …Configured, contextTiers, serviceTiers). */
const PriceEntry = z.record(z.string(), z.unknown()).transform((entry, ctx): PriceInput => {
  const parsed = isPlusEntry(entry) ? PlusPriceSchema.safeParse(entry) : PriceInputSchema.safeParse(entry);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, code: 'custom', message: issue.message });
    return z.NEVER;
  }
  return isPlusEntry(entry) ? plusToPriceInput(parsed.data as z.infer<typeof PlusPriceSchema>) : (parsed.data as PriceInput);
});
const modelName = z.string().trim().min(1).max(300);
const PutBody = z.union([
  z.object({ prices: z.record(modelName, PriceEntry).refine((p) => Object.keys(p).length > 0, { message: 'give at least one model' }), applyFrom: ApplyFrom.optional() }),
  z.object({ model: modelName, price: PriceEntry, applyFrom: ApplyFrom.optional() }).strict(),
]);
const PutQuery = z.object({
  applyFrom: z.union([z.literal('all'), z.literal('now'), z.string().max(40)]).optional(),
  /** true: answer after the re-pricing job finished (scripts, tests); default: at once, with the job. */
  wait: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
});

/** The effective time an `applyFrom` names: undefined = the default, null = all history. */
function effectiveFrom(v: string | number | undefined): number | null | undefined {
  if (v === undefined) return undefined;
  if (v === 'all') return null;
  if (v === 'now') return Date.now();
  if (typeof v === 'number') return v;
  if (/^\d+$/.test(v)) return Number(v);
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new ServerError('bad_request', `Invalid applyFrom "${v}": use "all", "now", an ISO date or epoch milliseconds.`);
  return ms;
}
const ModelParams = z.object({ model: modelName });
/** `{url}` (optionally with `models`), or the LiteLLM JSON document itself as the body. */
const UrlSyncBody = z
  .object({
    url: z.string().url().max(2000).refine((u) => /^https?:\/\//i.test(u), { message: 'use an http(s) URL' }).optional(),
    /** Without a URL: which published source to read (default LiteLLM, as Plus's `{"models":[…]}`). */
    source: z.enum(['litellm', 'models.dev', 'openrouter']).optional(),
    /** Picks among a model's candidates (models.dev lists a model under several providers): model → sourceModelId. */
    select: z.record(modelName, z.string().max(300)).optional(),
    models: z.array(modelName).max(10_000).optional(),
    timeoutMs: z.number().int().min(1000).max(300_000).optional(),
  })
  .strict();


/** Every price by model, with CPA Manager Plus's fields beside cpamp's. */
async function priceMap(store: PriceStore): Promise<Record<string, ReturnType<typeof withPlusFields>>> {
  const out: Record<string, ReturnType<typeof withPlusFields>> = {};
  for (const p of await store.prices.list()) out[p.model] = withPlusFields(p);
  return out;
}

const modelsQuery = z.object({
  wait: z.enum(['true', 'false']).optional(),
  models: z
    .string()
    .max(100_000)
    .transform((s) => s.split(',').map((m) => m.trim()).filter((m) => m !== ''))
    .optional(),
});

type PriceStore = Pick<ServerStore, 'prices' | 'analytics' | 'events'>;

export default async function priceRoutes(appBase: FastifyInstance, opts: { store: PriceStore; allowLocalTargets: boolean }): Promise<void> {
  const { store } = opts;
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const jobs = appBase.jobs;
  if (!jobs) throw new ServerError('store_unavailable', 'The job runner is missing: price routes need the cpamp-jobs plugin.');
  defineRepriceJob(jobs, store);

  /** Queues the re-price of changed models; with `wait`, resolves once it finished. */
  const reprice = async (targets: RepriceTarget[], reason: string, wait: boolean) => {
    const job = await startReprice(jobs, targets, reason);
    if (!job) return null;
    return jobView(wait ? await jobs.settled(job.id) : job);
  };

  app.get('/v0/management/model-prices', { exposeHeadRoute: false }, async () => {
    return { prices: await priceMap(store), version: await store.prices.currentVersion() };
  });

  // Upsert only (Plus's PUT replaced everything; deleting is explicit here, so a partial edit cannot wipe prices).
  // Upsert only (Plus's PUT replaced everything; deleting is explicit here, so a partial edit cannot wipe prices).
  // Accepts cpamp's fields and Plus's. A changed price applies from `applyFrom` (body or query): by default
  // all history for a model that had no price, from now for a changed one; the history is re-priced by a job.
  app.put('/v0/management/model-prices', { schema: { body: PutBody, querystring: PutQuery } }, async (request) => {
    const entries: [string, PriceInput][] = 'prices' in request.body ? Object.entries(request.body.prices) : [[request.body.model, request.body.price]];
    const from = effectiveFrom(request.body.applyFrom ?? request.query.applyFrom);
    const updated: ModelPrice[] = [];
    const targets: RepriceTarget[] = [];
    for (const [model, price] of entries) {
      const change = await store.prices.apply(model, price, from === undefined ? {} : { effectiveFrom: from });
      updated.push(change.price);
      if (change.changed) targets.push({ model: change.price.model, fromMs: change.effectiveFrom });
    }
    const job = await reprice(targets, 'manual', request.query.wait);
    return { updated, prices: await priceMap(store), version: await store.prices.currentVersion(), reprice: { targets, job } };
  });

  // Every version of a model's price with its effective range (null ends are open).
  app.get('/v0/management/model-prices/:model/versions', { exposeHeadRoute: false, schema: { params: ModelParams } }, async (request) => ({
    model: request.params.model,
    versions: await store.prices.versions(request.params.model),
  }));

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
      const looksLikeUrlRequest = 'url' in body || Object.keys(body).length === 0 || 'models' in body || 'source' in body || 'select' in body;
      let report;
      if (looksLikeUrlRequest) {
        const parsed = UrlSyncBody.safeParse(body);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          const where = issue?.path.length ? `body.${issue.path.join('.')}` : 'body';
          throw new ServerError('bad_request', `Invalid ${where}: ${issue?.message ?? 'invalid'}. Send {"url":"https://…"} or upload the LiteLLM JSON file.`);
        }
        const models = parsed.data.models ?? request.query.models;
        const url = parsed.data.url ?? PRICE_SOURCE_URLS[parsed.data.source ?? 'litellm'];
        const json = await fetchPriceFile(url, { timeoutMs: parsed.data.timeoutMs ?? 30_000, allowLocalTargets: opts.allowLocalTargets });
        report = await store.prices.sync({ json }, { ...(models ? { models } : {}), ...(parsed.data.select ? { select: parsed.data.select } : {}) });
      } else {
        const models = request.query.models;
        report = await store.prices.sync({ json: body }, models ? { models } : {});
      }
      // A sync that changes prices re-prices history the same way a manual edit does.
      const targets = (report.changes ?? []).map((c) => ({ model: c.model, fromMs: c.effectiveFrom }));
      const job = await reprice(targets, 'sync', request.query.wait === 'true');
      return {
        source: report.format ?? 'litellm',
        ...report,
        imported: report.matched.length,
        skipped: report.skippedEntries,
        preserved: report.preservedManual,
        prices: await priceMap(store),
        reprice: { targets, job },
      };
    },
  );

  // Models with traffic whose events have no price (the cost figures are incomplete until they get one):
  // the fix is a PUT of the model's price, which prices its whole history.
  app.get('/v0/management/model-prices/unpriced', { exposeHeadRoute: false }, async () => {
    const { rows } = await store.analytics.breakdown({ from: 0, to: Number.MAX_SAFE_INTEGER }, { by: 'model', sort: 'requests', order: 'desc', limit: 1000 });
    const models = rows.filter((r) => r.unpricedRequests > 0).map((r) => ({ model: r.name, calls: r.requests, unpricedCalls: r.unpricedRequests, fix: { method: 'PUT', path: '/v0/management/model-prices', body: { model: r.name, price: { input: null, output: null } } } }));
    return { models };
  });

  // Which models were called and whether each has a price (the price editor lists the unpriced first).
  app.get('/v0/management/model-prices/usage-summary', { exposeHeadRoute: false }, async () => {
    const { rows, total } = await store.analytics.breakdown({ from: 0, to: Number.MAX_SAFE_INTEGER }, { by: 'model', sort: 'requests', order: 'desc', limit: 1000 });
    const models = await Promise.all(
      rows.map(async (r) => ({ model: r.name, calls: r.requests, unpricedCalls: r.unpricedRequests, priced: (await store.prices.lookup(r.name, '')) !== undefined })),
    );
    // Plus's split per name (requested by clients vs served under another requested name), over a recent sample.
    const plus = await plusModelUsage(store);
    const split = new Map(plus.models.map((m) => [m.model, m]));
    const merged = models.map((m) => ({ ...m, requested_calls: split.get(m.model)?.requested_calls ?? 0, resolved_calls: split.get(m.model)?.resolved_calls ?? 0 }));
    const known = new Set(models.map((m) => m.model));
    // Names clients asked for that CPA served under another model: Plus lists them; cpamp's price list skips them.
    const aliasOnly = plus.models.filter((m) => !known.has(m.model)).map((m) => ({ ...m, unpricedCalls: 0, priced: false, requestedNameOnly: true }));
    return { sampled_events: plus.sampled_events, total_events: plus.total_events, truncated: plus.truncated || total > rows.length, models: [...merged, ...aliasOnly] };
  });
}
