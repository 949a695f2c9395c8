// The panel's analytics API: one GET per view under /v0/management/analytics/, answered locally from the
// store (these static routes win over the proxy's /v0/management/* wildcard). Query params are checked
// with zod, so a bad value is a 400 that names the param (e.g. an unknown time zone), never a 500.
import { parseAccountToken, type AnalyticsFilter, type EventListFilter } from '@cpamp/store';
import type { ServerStore } from '../server-store';
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { timelineGranularity } from '../analytics/timeline-granularity';
import { ServerError } from '../errors';

const PRESETS = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000, '90d': 90 * 86_400_000 } as const;
type Preset = keyof typeof PRESETS;

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const epochMs = z.coerce.number().int().min(0).max(8_640_000_000_000_000);
/** A filter value: repeat the param (`?model=a&model=b`) or separate with commas. */
const multi = z
  .union([z.string().max(4096), z.array(z.string().max(4096)).max(1000)])
  .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== ''))
  .optional();

const FilterQuery = z.object({
  from: epochMs.optional(),
  to: epochMs.optional(),
  range: z.enum(Object.keys(PRESETS) as [Preset, ...Preset[]]).optional(),
  tz: z
    .string()
    .max(100)
    .refine(isTimeZone, { message: 'unknown time zone: use an IANA name such as UTC, Europe/Berlin or Asia/Shanghai' })
    .optional(),
  key: multi,
  account: multi,
  model: multi,
  provider: multi,
  /** The CPA (upstream name) events came from. */
  upstream: multi,
  status: z
    .string()
    .regex(/^(success|failure|[1-5]\d\d)$/, { message: 'use success, failure or an HTTP status code' })
    .optional(),
});
type FilterQueryT = z.infer<typeof FilterQuery>;

const limitParam = (max: number) => z.coerce.number().int().min(1).max(max).optional();

const TimelineQuery = FilterQuery.extend({
  granularity: z.enum(['hour', 'day']).optional(),
  splitTopModels: z.coerce.number().int().min(0).max(20).optional(),
});
const MatrixQuery = FilterQuery.extend({
  /** The matrix's rows: top keys, accounts or providers. */
  by: z.enum(['key', 'account', 'provider']).optional(),
  sort: z.enum(['requests', 'tokens', 'cost', 'failures']).optional(),
  rows: limitParam(100),
  columns: limitParam(30),
});
const BreakdownParams = z.object({ dimension: z.enum(['model', 'key', 'account', 'provider']) });
const BreakdownQuery = FilterQuery.extend({
  sort: z.enum(['requests', 'failures', 'tokens', 'cost', 'lastSeen', 'name']).optional(),
  order: z.enum(['asc', 'desc']).optional(),
  limit: limitParam(1000),
  offset: z.coerce.number().int().min(0).max(1_000_000).optional(),
});
const LatencyQuery = FilterQuery.extend({
  by: z.enum(['model', 'none']).optional(),
  /** latency (default) or ttft: time to first token, requests without a reported ttft left out. */
  metric: z.enum(['latency', 'ttft']).optional(),
  /** Percentiles in percent, comma separated (default 50,95). */
  percentiles: z
    .string()
    .max(200)
    .regex(/^\d+(\.\d+)?(,\d+(\.\d+)?){0,9}$/, { message: 'use up to 10 comma-separated percents such as 50,95,99' })
    .optional(),
});
const AccountParams = z.object({ authIndex: z.string().min(1).max(200) });
const AccountHistoryQuery = FilterQuery.omit({ account: true }).extend({
  granularity: z.enum(['hour', 'day']).optional(),
  recent: z.coerce.number().int().min(0).max(100).optional(),
});
const EventsQuery = FilterQuery.extend({
  limit: limitParam(1000),
  cursor: z.string().max(200).optional(),
  minLatencyMs: z.coerce.number().int().min(0).optional(),
  search: z.string().max(200).optional(),
});

export interface ResolvedRange {
  from: number;
  to: number;
  tz: string;
}

/** from/to win over a preset; the default is the last 24 h ending now. */
export function resolveRange(q: FilterQueryT, now: number): ResolvedRange {
  const to = q.to ?? now;
  const from = q.from ?? to - PRESETS[q.range ?? '24h'];
  if (from > to) throw new ServerError('bad_request', `Invalid querystring.from: from=${from} is after to=${to}; pass from <= to (epoch ms).`);
  return { from, to, tz: q.tz ?? 'UTC' };
}

function toFilter(q: FilterQueryT, range: ResolvedRange): AnalyticsFilter {
  const f: AnalyticsFilter = { from: range.from, to: range.to };
  if (q.key?.length) f.apiKeyHash = q.key;
  if (q.account?.length) f.authIndex = q.account;
  if (q.model?.length) f.model = q.model;
  if (q.provider?.length) f.provider = q.provider;
  if (q.upstream?.length) f.upstream = q.upstream;
  if (q.status !== undefined) f.status = q.status === 'success' || q.status === 'failure' ? q.status : Number(q.status);
  return f;
}


export interface AnalyticsRoutesOptions {
  store: Pick<ServerStore, 'analytics' | 'events' | 'accounts'>;
  now: () => number;
}

export default async function analyticsRoutes(appBase: FastifyInstance, opts: AnalyticsRoutesOptions): Promise<void> {
  const { store, now } = opts;
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const base = '/v0/management/analytics';

  app.get(`${base}/summary`, { schema: { querystring: FilterQuery } }, async (request) => {
    const range = resolveRange(request.query, now());
    return { range, ...(await store.analytics.totals(toFilter(request.query, range))) };
  });

  app.get(`${base}/timeline`, { schema: { querystring: TimelineQuery } }, async (request) => {
    const q = request.query;
    const range = resolveRange(q, now());
    const granularity = timelineGranularity(range.from, range.to, q.granularity);
    const result = await store.analytics.timeSeries(toFilter(q, range), { granularity, timeZone: range.tz, splitTopModels: q.splitTopModels ?? 0 });
    return { range, granularity, ...result };
  });

  app.get(`${base}/breakdown/:dimension`, { schema: { params: BreakdownParams, querystring: BreakdownQuery } }, async (request) => {
    const q = request.query;
    const range = resolveRange(q, now());
    const result = await store.analytics.breakdown(toFilter(q, range), {
      by: request.params.dimension,
      ...(q.sort ? { sort: q.sort } : {}),
      ...(q.order ? { order: q.order } : {}),
      limit: q.limit ?? 50,
      offset: q.offset ?? 0,
    });
    return { range, dimension: request.params.dimension, ...result };
  });

  // Top entities × top models in one scan (the Monitoring matrix): cells, row and column totals.
  app.get(`${base}/matrix`, { schema: { querystring: MatrixQuery } }, async (request) => {
    const q = request.query;
    const range = resolveRange(q, now());
    const result = await store.analytics.matrix(toFilter(q, range), {
      by: q.by ?? 'key',
      ...(q.sort ? { sort: q.sort } : {}),
      rows: q.rows ?? 10,
      columns: q.columns ?? 6,
    });
    return { range, ...result };
  });

  app.get(`${base}/filter-options`, { schema: { querystring: FilterQuery } }, async (request) => {
    const range = resolveRange(request.query, now());
    return { range, ...(await store.analytics.filterOptions(toFilter(request.query, range))) };
  });

  app.get(`${base}/latency-percentiles`, { schema: { querystring: LatencyQuery } }, async (request) => {
    const q = request.query;
    const range = resolveRange(q, now());
    const percents = (q.percentiles ?? '50,95').split(',').map(Number);
    if (percents.some((p) => !(p > 0 && p <= 100))) {
      throw new ServerError('bad_request', 'Invalid querystring.percentiles: each value must be > 0 and <= 100 (e.g. 50,95,99).');
    }
    const result = await store.analytics.latencyPercentiles(toFilter(q, range), { by: q.by ?? 'model', percentiles: percents.map((p) => p / 100), metric: q.metric ?? 'latency' });
    return { range, percentiles: percents, metric: q.metric ?? 'latency', ...result };
  });

  app.get(`${base}/heatmap`, { schema: { querystring: FilterQuery } }, async (request) => {
    const range = resolveRange(request.query, now());
    return { range, ...(await store.analytics.heatmap(toFilter(request.query, range), { timeZone: range.tz })) };
  });

  // One account over time, kept after its auth file is deleted: snapshot, totals, series, recent requests.
  app.get(`${base}/accounts/:authIndex`, { schema: { params: AccountParams, querystring: AccountHistoryQuery } }, async (request) => {
    const q = request.query;
    // `<cpa>~<auth_index>`: that CPA's account (its figures only); a bare auth_index: that index on every CPA.
    const { authIndex } = request.params;
    const account = await store.accounts.get(parseAccountToken(authIndex).authIndex);
    if (!account) throw new ServerError('not_found', `No account with auth index "${authIndex}" has been seen; pick one from filter-options.`);
    const range = resolveRange(q, now());
    const filter = { ...toFilter(q, range), authIndex };
    const granularity = timelineGranularity(range.from, range.to, q.granularity);
    const series = await store.analytics.timeSeries(filter, { granularity, timeZone: range.tz });
    const recent = (await store.events.list(filter, { limit: q.recent ?? 10 })).events;
    return { range, granularity, account, totals: await store.analytics.totals(filter), points: series.points, recent };
  });

  app.get(`${base}/events`, { schema: { querystring: EventsQuery } }, async (request) => {
    const q = request.query;
    // The event list is open-ended unless a range is asked for: newest first over everything.
    const hasRange = q.from !== undefined || q.to !== undefined || q.range !== undefined;
    const range = hasRange ? resolveRange(q, now()) : null;
    const f: EventListFilter = range ? toFilter(q, range) : toFilter(q, { from: 0, to: 0, tz: 'UTC' });
    if (!range) {
      delete f.from;
      delete f.to;
    }
    if (q.minLatencyMs !== undefined) f.minLatencyMs = q.minLatencyMs;
    if (q.search) f.search = q.search;
    const page = await store.events.list(f, { limit: q.limit ?? 50, cursor: q.cursor ?? null });
    return { range, ...page };
  });
}
