import { z } from 'zod';
import type { CpaClient } from './cpa-client';

// The cpamp server's analytics API (GET /v0/management/analytics/*), answered from its usage database.
// Schemas are loose: the panel reads what it shows and ignores the rest.

export const PRESETS = ['1h', '24h', '7d', '30d'] as const;
export type Preset = (typeof PRESETS)[number];
export const DIMENSIONS = ['model', 'key', 'account', 'provider'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export interface AnalyticsQuery {
  range: Preset;
  tz: string;
  model?: string;
  key?: string;
  provider?: string;
  failuresOnly?: boolean;
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

const Point = z.looseObject({ label: z.string(), startMs: z.number(), requests: z.number(), failures: z.number(), tokens: z.number() });
const TimelineSchema = z.looseObject({ granularity: z.string(), points: z.array(Point) });
export type Timeline = z.output<typeof TimelineSchema>;

const Row = z.looseObject({
  name: z.string(),
  label: z.string(),
  requests: z.number(),
  failures: z.number(),
  tokens: Tokens,
  costMicros: z.number(),
  lastSeenMs: z.number(),
});
const BreakdownSchema = z.looseObject({ rows: z.array(Row), total: z.number() });
export type Breakdown = z.output<typeof BreakdownSchema>;

const Named = z.looseObject({ name: z.string() });
const OptionsSchema = z.looseObject({
  keys: z.array(z.looseObject({ hash: z.string(), label: z.string(), alias: z.string().nullable().optional() })),
  models: z.array(Named),
  providers: z.array(Named),
});
export type FilterOptions = z.output<typeof OptionsSchema>;

/** Query params shared by every call: preset, browser time zone and the filter row. */
export function analyticsParams(q: AnalyticsQuery): Record<string, string | undefined> {
  return {
    range: q.range,
    tz: q.tz,
    model: q.model || undefined,
    key: q.key || undefined,
    provider: q.provider || undefined,
    status: q.failuresOnly ? 'failure' : undefined,
  };
}

type Opts = { signal?: AbortSignal };
const BASE = '/analytics';

export const getSummary = (c: CpaClient, q: AnalyticsQuery, o: Opts = {}) =>
  c.json('GET', `${BASE}/summary`, SummarySchema, { query: analyticsParams(q), ...o });
export const getTimeline = (c: CpaClient, q: AnalyticsQuery, o: Opts = {}) =>
  c.json('GET', `${BASE}/timeline`, TimelineSchema, { query: analyticsParams(q), ...o });
export const getBreakdown = (c: CpaClient, dim: Dimension, q: AnalyticsQuery, o: Opts = {}) =>
  c.json('GET', `${BASE}/breakdown/${dim}`, BreakdownSchema, { query: { ...analyticsParams(q), limit: 50 }, ...o });
/** Options for the filter row: the preset's range only, so picking one never hides the others. */
export const getFilterOptions = (c: CpaClient, q: AnalyticsQuery, o: Opts = {}) =>
  c.json('GET', `${BASE}/filter-options`, OptionsSchema, { query: { range: q.range, tz: q.tz }, ...o });

/** The browser's IANA time zone, or UTC when it cannot tell. */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}
