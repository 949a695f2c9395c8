import { z } from 'zod';
import type { ManagerClient } from './manager-client';
import type { SignalOptions as Opts } from './management-client';

// GET /v0/management/analytics/dashboard: the dashboard's usage in one request (loose: the panel reads
// what it shows).

const Tokens = z.looseObject({ total: z.number() });
const TotalsSchema = z.looseObject({
  requests: z.number(),
  failures: z.number(),
  successRate: z.number().nullable(),
  tokens: Tokens,
  costMicros: z.number(),
  unpricedRequests: z.number().optional().default(0),
});
export type DashboardTotals = z.output<typeof TotalsSchema>;
const Point = z.looseObject({
  label: z.string(),
  startMs: z.number(),
  requests: z.number(),
  failures: z.number(),
  tokens: z.number(),
  costMicros: z.number(),
});
const Top = z.looseObject({
  name: z.string(),
  label: z.string(),
  requests: z.number(),
  failures: z.number(),
  tokens: z.number(),
  costMicros: z.number(),
  upstream: z.string().optional(),
});
export type DashboardTop = z.output<typeof Top>;
const Failure = z.looseObject({
  id: z.number(),
  timestampMs: z.number(),
  model: z.string(),
  provider: z.string(),
  authIndex: z.string(),
  apiKeyLabel: z.string(),
  statusCode: z.number(),
  message: z.string(),
});
export type DashboardFailure = z.output<typeof Failure>;
const DashboardSchema = z.looseObject({
  nowMs: z.number(),
  todayStartMs: z.number(),
  today: TotalsSchema,
  yesterdaySoFar: TotalsSchema,
  rpm: z.number(),
  tpm: z.number(),
  series: z.array(Point),
  topModels: z.array(Top),
  topAccounts: z.array(Top),
  recentFailures: z.array(Failure),
  collector: z.looseObject({
    state: z.string(),
    transport: z.string().optional().default(''),
    lastInsertedAt: z.number().optional().default(0),
    totalInserted: z.number().optional().default(0),
    lastError: z.string().optional().default(''),
  }),
});
export type Dashboard = z.output<typeof DashboardSchema>;

export const getDashboard = (c: ManagerClient, tz: string, o: Opts = {}) =>
  c.json('GET', '/analytics/dashboard', DashboardSchema, { query: { tz }, ...o });

/** Change against a base in percent (null when the base is 0: no meaningful Δ). */
export function deltaPct(now: number, base: number): number | null {
  if (!Number.isFinite(now) || !Number.isFinite(base) || base === 0) return null;
  return ((now - base) / base) * 100;
}

// --- saved analytics views (/analytics/views) ---

const ViewSchema = z.looseObject({
  id: z.number(),
  name: z.string(),
  state: z.record(z.string(), z.string()),
});
export type SavedView = z.output<typeof ViewSchema>;
const ViewsSchema = z.looseObject({ views: z.array(ViewSchema) });

export const listViews = (c: ManagerClient, o: Opts = {}) =>
  c.json('GET', '/analytics/views', ViewsSchema, o);
export const saveView = (c: ManagerClient, name: string, state: Record<string, string>, o: Opts = {}) =>
  c.json('POST', '/analytics/views', z.looseObject({ view: ViewSchema }), { body: { name, state }, ...o });
export const deleteView = (c: ManagerClient, id: number, o: Opts = {}) =>
  c.json('DELETE', `/analytics/views/${id}`, z.looseObject({ ok: z.boolean() }), o);
