import { z } from 'zod';
import type { ManagerClient } from './manager-client';
import { parseJson, type SignalOptions as Opts } from './management-client';
import { errorFromResponse, isAbort, PanelError, type PanelErrorInit } from './errors';

// The cpamp server's analytics API (GET /v0/management/analytics/*), answered from its usage database.
// Schemas are loose: the panel reads what it shows and ignores the rest.

export const PRESETS = ['1h', '24h', '7d', '30d'] as const;
export type Preset = (typeof PRESETS)[number];
export type RangeId = Preset | 'custom';
export const DIMENSIONS = ['model', 'key', 'account', 'provider'] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export const SORTS = ['requests', 'failures', 'tokens', 'cost', 'lastSeen', 'name'] as const;
export type BreakdownSort = (typeof SORTS)[number];

/** The time window and filter row every monitoring call shares. */
export interface AnalyticsQuery {
  range: RangeId;
  /** Custom range bounds (epoch ms); used when range is 'custom'. */
  from?: number | null;
  to?: number | null;
  tz: string;
  key?: string;
  account?: string;
  model?: string;
  provider?: string;
  /** The CPA (upstream name) events came from; '' = every CPA. */
  upstream?: string;
  /** '' | 'success' | 'failure' | an HTTP status code such as '429'. */
  status?: string;
}

const Tokens = z.looseObject({
  input: z.number(),
  cacheRead: z.number(),
  cacheCreation: z.number(),
  output: z.number(),
  reasoning: z.number(),
  unclassified: z.number(),
  total: z.number(),
});
export type TokenTotals = z.output<typeof Tokens>;
export const TOKEN_BUCKETS = ['input', 'output', 'reasoning', 'cacheRead', 'cacheCreation', 'unclassified'] as const;
export type TokenBucket = (typeof TOKEN_BUCKETS)[number];

const SummarySchema = z.looseObject({
  requests: z.number(),
  successes: z.number(),
  failures: z.number(),
  successRate: z.number().nullable(),
  tokens: Tokens,
  costMicros: z.number(),
  unpricedRequests: z.number(),
});
export type Summary = z.output<typeof SummarySchema>;

const Point = z.looseObject({
  label: z.string(),
  startMs: z.number(),
  requests: z.number(),
  failures: z.number(),
  tokens: z.number(),
  costMicros: z.number().optional().default(0),
});
export type SeriesPoint = z.output<typeof Point>;
const TimelineSchema = z.looseObject({
  granularity: z.string(),
  points: z.array(Point),
  byModel: z.array(z.looseObject({ model: z.string(), points: z.array(Point) })).optional().default([]),
});
export type Timeline = z.output<typeof TimelineSchema>;

const Row = z.looseObject({
  name: z.string(),
  label: z.string(),
  requests: z.number(),
  failures: z.number(),
  tokens: Tokens,
  costMicros: z.number(),
  lastSeenMs: z.number(),
  /** By account with several CPAs: the account's CPA. */
  upstream: z.string().optional(),
});
export type BreakdownRow = z.output<typeof Row>;
/** A row's filter value: a CPA's account is `<cpa>~<auth_index>` (the same auth_index on another CPA is another account). */
export const rowToken = (r: { name: string; upstream?: string | undefined }): string => (r.upstream ? `${r.upstream}~${r.name}` : r.name);
const BreakdownSchema = z.looseObject({ rows: z.array(Row), total: z.number() });
export type Breakdown = z.output<typeof BreakdownSchema>;

const Counted = z.looseObject({ name: z.string(), count: z.number().optional() });
const OptionsSchema = z.looseObject({
  keys: z.array(z.looseObject({ hash: z.string(), label: z.string(), alias: z.string().nullable().optional() })),
  accounts: z.array(z.looseObject({ authIndex: z.string(), label: z.string(), upstream: z.string().optional() })).optional().default([]),
  models: z.array(Counted),
  providers: z.array(Counted),
  /** Several CPAs: every upstream name stored (an older server sends none). */
  upstreams: z.array(z.looseObject({ name: z.string() })).optional().default([]),
});
export type FilterOptions = z.output<typeof OptionsSchema>;

const LatencySchema = z.looseObject({
  percentiles: z.array(z.number()),
  rows: z.array(z.looseObject({ name: z.string(), count: z.number(), percentiles: z.array(z.number().nullable()) })),
});
export type Latency = z.output<typeof LatencySchema>;

const HeatmapSchema = z.looseObject({
  cells: z.array(z.looseObject({ weekday: z.number(), hour: z.number(), requests: z.number(), tokens: z.number() })),
});
export type HeatmapData = z.output<typeof HeatmapSchema>;

const Cell = z.looseObject({ requests: z.number(), failures: z.number(), tokens: z.number(), costMicros: z.number() });
const MatrixSchema = z.looseObject({
  columns: z.array(z.looseObject({ name: z.string(), total: Cell })),
  rows: z.array(z.looseObject({ name: z.string(), label: z.string(), total: Cell, cells: z.array(Cell), upstream: z.string().optional() })),
  total: Cell,
});
export type MatrixData = z.output<typeof MatrixSchema>;

/** One stored usage event as the events route and the live stream send it. */
const EventSchema = z.looseObject({
  id: z.number(),
  requestId: z.string().optional().default(''),
  timestampMs: z.number(),
  provider: z.string().optional().default(''),
  upstream: z.string().optional().default('default'),
  model: z.string().optional().default(''),
  alias: z.string().optional().default(''),
  endpoint: z.string().optional().default(''),
  authType: z.string().optional().default(''),
  authIndex: z.string().optional().default(''),
  source: z.string().optional().default(''),
  apiKeyHash: z.string().optional().default(''),
  apiKeyLabel: z.string().optional().default(''),
  clientIp: z.string().optional().default(''),
  userAgent: z.string().optional().default(''),
  failed: z.boolean(),
  statusCode: z.number().optional().default(0),
  failBody: z.string().optional().default(''),
  latencyMs: z.number().optional().default(0),
  ttftMs: z.number().optional().default(0),
  reasoningEffort: z.string().optional().default(''),
  serviceTier: z.string().optional().default(''),
  responseServiceTier: z.string().optional().default(''),
  inputTokens: z.number().optional().default(0),
  cacheReadTokens: z.number().optional().default(0),
  cacheCreationTokens: z.number().optional().default(0),
  outputTokens: z.number().optional().default(0),
  reasoningTokens: z.number().optional().default(0),
  unclassifiedTokens: z.number().optional().default(0),
  totalTokens: z.number().optional().default(0),
  tokenQuality: z.string().optional().default(''),
  costMicros: z.number().nullable().optional().default(null),
  priceVersion: z.number().optional(),
  priceMissing: z.boolean().optional(),
  costEstimated: z.boolean().optional(),
});
export type UsageRow = z.output<typeof EventSchema>;
export const parseUsageRow = (v: unknown): UsageRow | null => {
  const r = EventSchema.safeParse(v);
  return r.success ? r.data : null;
};
const EventPageSchema = z.looseObject({ events: z.array(EventSchema), nextCursor: z.string().nullable() });
export type EventPage = z.output<typeof EventPageSchema>;

const Rate = z.number().nullable().optional();
const PriceSchema = z.looseObject({
  model: z.string(),
  input: Rate,
  output: Rate,
  cacheRead: Rate,
  cacheCreation: Rate,
  reasoning: Rate,
  inputAbove200k: Rate,
  outputAbove200k: Rate,
  priorityMultiplier: Rate,
  flexMultiplier: Rate,
  perRequestFee: Rate,
  source: z.string().optional().default(''),
  manual: z.boolean().optional(),
  updatedMs: z.number().optional(),
});
export type ModelPrice = z.output<typeof PriceSchema>;
const PricesSchema = z.looseObject({ prices: z.record(z.string(), PriceSchema), version: z.number().optional() });
export type Prices = z.output<typeof PricesSchema>;

/** Epoch-ms window of a query (presets end now; the server resolves the same way). */
export function windowOf(q: AnalyticsQuery, now = Date.now()): { from: number; to: number } {
  const span: Record<Preset, number> = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };
  if (q.range === 'custom') {
    const to = q.to ?? now;
    return { from: q.from ?? to - span['24h'], to };
  }
  return { from: now - span[q.range], to: now };
}

/** Query params shared by every call: the range, browser time zone and the filter row. */
export function analyticsParams(q: AnalyticsQuery): Record<string, string | undefined> {
  const custom = q.range === 'custom';
  return {
    range: custom ? undefined : q.range,
    from: custom && q.from != null ? String(q.from) : undefined,
    to: custom && q.to != null ? String(q.to) : undefined,
    tz: q.tz,
    key: q.key || undefined,
    account: q.account || undefined,
    model: q.model || undefined,
    provider: q.provider || undefined,
    upstream: q.upstream || undefined,
    status: q.status || undefined,
  };
}

const BASE = '/analytics';

export const getSummary = (c: ManagerClient, q: AnalyticsQuery, o: Opts = {}) =>
  c.json('GET', `${BASE}/summary`, SummarySchema, { query: analyticsParams(q), ...o });
export const getTimeline = (c: ManagerClient, q: AnalyticsQuery, p: { granularity?: 'hour' | 'day'; splitTopModels?: number } = {}, o: Opts = {}) =>
  c.json('GET', `${BASE}/timeline`, TimelineSchema, { query: { ...analyticsParams(q), granularity: p.granularity, splitTopModels: p.splitTopModels || undefined }, ...o });
export const getBreakdown = (
  c: ManagerClient,
  dim: Dimension,
  q: AnalyticsQuery,
  p: { sort?: BreakdownSort; order?: 'asc' | 'desc'; limit?: number; offset?: number } = {},
  o: Opts = {},
) => c.json('GET', `${BASE}/breakdown/${dim}`, BreakdownSchema, { query: { ...analyticsParams(q), sort: p.sort, order: p.order, limit: p.limit ?? 50, offset: p.offset || undefined }, ...o });
/** Options for the filter row: the range only, so picking one never hides the others. */
export const getFilterOptions = (c: ManagerClient, q: AnalyticsQuery, o: Opts = {}) => {
  const { range, from, to, tz } = analyticsParams(q);
  return c.json('GET', `${BASE}/filter-options`, OptionsSchema, { query: { range, from, to, tz }, ...o });
};
/** p50 / p95 of latency or of time to first token (`ttft`), per model or over all (`none`). */
export const getLatency = (c: ManagerClient, q: AnalyticsQuery, o: Opts = {}, p: { metric?: 'latency' | 'ttft'; by?: 'model' | 'none' } = {}) =>
  c.json('GET', `${BASE}/latency-percentiles`, LatencySchema, { query: { ...analyticsParams(q), by: p.by ?? 'model', percentiles: '50,95', metric: p.metric }, ...o });
export const getHeatmap = (c: ManagerClient, q: AnalyticsQuery, o: Opts = {}) =>
  c.json('GET', `${BASE}/heatmap`, HeatmapSchema, { query: analyticsParams(q), ...o });
/** Top keys / accounts / providers × top models in one request (cells, row and column totals). */
export const getMatrix = (c: ManagerClient, q: AnalyticsQuery, p: { by: Exclude<Dimension, 'model'>; rows: number; columns: number }, o: Opts = {}) =>
  c.json('GET', `${BASE}/matrix`, MatrixSchema, { query: { ...analyticsParams(q), by: p.by, rows: p.rows, columns: p.columns }, ...o });
/** Newest first, keyset paged: pass the previous page's nextCursor. */
export const getEvents = (c: ManagerClient, q: AnalyticsQuery, p: { search?: string; cursor?: string | null; limit?: number }, o: Opts = {}) =>
  c.json('GET', `${BASE}/events`, EventPageSchema, {
    query: { ...analyticsParams(q), search: p.search || undefined, cursor: p.cursor ?? undefined, limit: p.limit ?? 50 },
    ...o,
  });
export const getPrices = (c: ManagerClient, o: Opts = {}) => c.json('GET', '/model-prices', PricesSchema, o);

// --- setup (manager mode, first run) ---

export const COLLECTOR_MODES = ['auto', 'resp', 'http'] as const;
export type CollectorMode = (typeof COLLECTOR_MODES)[number];
const Finding = z.looseObject({
  id: z.string().optional().default(''),
  level: z.enum(['ok', 'info', 'warn', 'error']).catch('info'),
  title: z.string(),
  detail: z.string().optional().default(''),
  fix: z.string().nullable().optional(),
});
export type DoctorFinding = z.output<typeof Finding>;
const CheckSchema = z.looseObject({ ok: z.boolean(), cpaVersion: z.string().nullable().optional(), findings: z.array(Finding) });
export type SetupCheck = z.output<typeof CheckSchema>;
const SetupSchema = z.looseObject({ ok: z.boolean(), upstream: z.string().optional() });

export interface SetupInput {
  cpaBaseUrl: string;
  managementKey: string;
  collectorMode: CollectorMode;
}

/** A cpamp server error that kept the server's own `code` (e.g. invalid_management_key). */
export class ServerCodeError extends PanelError {
  readonly serverCode: string;
  constructor(init: PanelErrorInit & { serverCode: string }) {
    super(init);
    this.serverCode = init.serverCode;
  }
}

async function postRoot<S extends z.ZodType>(c: ManagerClient, key: string, path: string, schema: S, body: unknown, o: Opts): Promise<z.output<S>> {
  // /setup lives outside /v0/management; read error bodies here to keep the server's code.
  const url = `${c.baseUrl}${path}`;
  const timeout = AbortSignal.timeout(60_000);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: o.signal ? AbortSignal.any([o.signal, timeout]) : timeout,
      cache: 'no-store',
    });
  } catch (e) {
    if (o.signal?.aborted || isAbort(e)) throw e;
    throw new PanelError({ code: timeout.aborted ? 'timeout' : 'network', url: c.baseUrl, cause: e });
  }
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    const base = errorFromResponse(url, res.status, text, false, res.headers.get('retry-after'));
    let serverCode = '';
    try {
      const j = JSON.parse(text) as { code?: unknown };
      if (typeof j.code === 'string') serverCode = j.code;
    } catch {
      // not JSON
    }
    const init: PanelErrorInit & { serverCode: string } = { code: base.code, url, status: res.status, serverCode };
    if (base.detail !== undefined) init.detail = base.detail;
    if (base.wait !== undefined) init.wait = base.wait;
    throw new ServerCodeError(init);
  }
  return parseJson(res, schema, url);
}

/** Runs the collector doctor against a candidate connection without saving it. */
export const checkSetup = (c: ManagerClient, key: string, s: SetupInput, o: Opts = {}) => postRoot(c, key, '/setup/check', CheckSchema, s, o);
export const saveSetup = (c: ManagerClient, key: string, s: SetupInput, o: Opts = {}) => postRoot(c, key, '/setup', SetupSchema, s, o);

/** The server's own code and message for an error from postRoot (null for anything else). */
export function serverMessage(e: unknown): { code: string; message: string } | null {
  if (!(e instanceof ServerCodeError)) return null;
  return { code: e.serverCode, message: e.detail ?? '' };
}

/** The browser's IANA time zone, or UTC when it cannot tell. */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

// --- one event with the store's cost explanation ---

const CostLineSchema = z.looseObject({
  bucket: z.string(),
  tokens: z.number(),
  rate: z.number(),
  source: z.string(),
  multiplier: z.number(),
  micros: z.number(),
  estimated: z.boolean(),
});
const EventDetailSchema = z.looseObject({
  event: EventSchema,
  costExplanation: z.looseObject({
    costMicros: z.number().nullable(),
    missing: z.boolean(),
    estimated: z.boolean(),
    serviceTier: z.string().nullable(),
    serviceTierFrom: z.enum(['requested', 'response']).nullable(),
    longContext: z.boolean(),
    contextTierThreshold: z.number().nullable(),
    priceModel: z.string().nullable(),
    priceSource: z.string().nullable(),
    lines: z.array(CostLineSchema),
  }),
  price: z
    .looseObject({
      model: z.string(),
      source: z.string().optional().default(''),
      manual: z.boolean().optional().default(false),
      updatedMs: z.number().optional().default(0),
      versionId: z.number().nullable().optional().default(null),
      effectiveFromMs: z.number().nullable().optional().default(null),
      effectiveToMs: z.number().nullable().optional().default(null),
    })
    .nullable(),
});
export type EventDetail = z.output<typeof EventDetailSchema>;
/** One event and how the store computed its cost (with the price version in effect at its time). */
export const getEventDetail = (c: ManagerClient, id: number, o: Opts = {}) =>
  c.json('GET', `${BASE}/events/${id}`, EventDetailSchema, o);
