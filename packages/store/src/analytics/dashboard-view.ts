import type { AnalyticsRepository, EventsRepository } from '../repositories';
import type { BreakdownRow, SeriesPoint, Totals } from './analytics.repository';

/**
 * The dashboard in one answer: today's totals (and yesterday up to the same time, for the Δ), the rate
 * of the last minute, the last 24 h by hour, the top models and accounts of 24 h and the latest
 * failures. Built from the repository's views, so SQLite and Postgres answer it alike; every part is a
 * bounded query (at most 24 h of events, ten rows).
 */

const H = 3_600_000;
const MINUTE = 60_000;

export interface DashboardOptions {
  now: number;
  /** IANA zone that decides where "today" starts (default UTC). */
  timeZone?: string;
  /** Rows of the top lists (default 5) and of recent failures (default 8). */
  top?: number;
  failures?: number;
}

export interface DashboardTop {
  name: string;
  label: string;
  requests: number;
  failures: number;
  tokens: number;
  costMicros: number;
  /** Accounts, when the store holds several CPAs: the account's CPA. */
  upstream?: string;
}

export interface DashboardFailure {
  id: number;
  timestampMs: number;
  model: string;
  provider: string;
  authIndex: string;
  apiKeyLabel: string;
  statusCode: number;
  /** The start of the failure body (the whole body is on the event). */
  message: string;
}

export interface DashboardView {
  nowMs: number;
  timeZone: string;
  /** Start of today in timeZone (epoch ms). */
  todayStartMs: number;
  today: Totals;
  /** Yesterday from its start up to the same time of day: the base of the Δ. */
  yesterdaySoFar: Totals;
  /** Requests and tokens of the last 60 s. */
  rpm: number;
  tpm: number;
  /** 24 hourly points ending now (oldest first). */
  series: SeriesPoint[];
  topModels: DashboardTop[];
  topAccounts: DashboardTop[];
  recentFailures: DashboardFailure[];
}

const topOf = (rows: readonly BreakdownRow[]): DashboardTop[] =>
  rows.map((r) => ({
    name: r.name,
    label: r.label,
    requests: r.requests,
    failures: r.failures,
    tokens: r.tokens.total,
    costMicros: r.costMicros,
    ...(r.upstream !== undefined && { upstream: r.upstream }),
  }));

export async function dashboardView(
  repos: { analytics: AnalyticsRepository; events: EventsRepository },
  opts: DashboardOptions,
): Promise<DashboardView> {
  const { analytics, events } = repos;
  const now = opts.now;
  const timeZone = opts.timeZone ?? 'UTC';
  const top = opts.top ?? 5;
  const day = { from: now - 24 * H, to: now + 1 };
  // The daily series of the last 26 h ends with today's bucket, whose start is midnight in the zone
  // (DST-correct, without a second time-zone implementation here).
  const days = await analytics.timeSeries(
    { from: now - 26 * H, to: now + 1 },
    { granularity: 'day', timeZone },
  );
  const todayStartMs = Math.min(now, days.points[days.points.length - 1]?.startMs ?? now);
  const [today, yesterdaySoFar, minute, hourly, models, accounts, failed] = await Promise.all([
    analytics.totals({ from: todayStartMs, to: now + 1 }),
    analytics.totals({ from: todayStartMs - 24 * H, to: now + 1 - 24 * H }),
    analytics.totals({ from: now - MINUTE, to: now + 1 }),
    analytics.timeSeries({ from: now - 23 * H - (now % H), to: now + 1 }, { granularity: 'hour', timeZone }),
    analytics.breakdown(day, { by: 'model', sort: 'requests', limit: top }),
    analytics.breakdown(day, { by: 'account', sort: 'requests', limit: top }),
    events.list({ ...day, status: 'failure' }, { limit: opts.failures ?? 8 }),
  ]);
  return {
    nowMs: now,
    timeZone,
    todayStartMs,
    today,
    yesterdaySoFar,
    rpm: minute.requests,
    tpm: minute.tokens.total,
    series: hourly.points,
    topModels: topOf(models.rows),
    topAccounts: topOf(accounts.rows),
    recentFailures: failed.events.map((e) => ({
      id: e.id,
      timestampMs: e.timestampMs,
      model: e.model,
      provider: e.provider,
      authIndex: e.authIndex,
      apiKeyLabel: e.apiKeyLabel,
      statusCode: e.statusCode,
      message: e.failBody.slice(0, 300),
    })),
  };
}
