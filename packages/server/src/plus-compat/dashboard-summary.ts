// GET /v0/management/dashboard/summary in Plus's shape: today's totals, the last 30 minutes, 24 hourly
// buckets from today_start_ms, a 10-minute health strip, token mix, channel health and recent failures,
// all computed from cpamp's analytics views.
import { createHash } from 'node:crypto';
import type { AnalyticsFilter } from '@cpamp/store';
import type { ServerStore } from '../server-store';
import { failureRow, type PlusAnswer } from './monitoring-analytics';
import { plusTokens, rate, usd } from './plus-numbers';
import { perAuthIndex } from './account-rows';

type DashboardStore = Pick<ServerStore, 'analytics' | 'events' | 'accounts'>;

const HOUR = 3_600_000;
const HEALTH_BUCKET = 600_000;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export interface DashboardParams {
  todayStartMs: number;
  nowMs: number;
  topModels: number;
  recentFailures: number;
}

/** A row's colour from its failure rate: no traffic is "empty", 10 % or more failing is "bad". */
function stripTone(calls: number, failureRate: number, future: boolean): string {
  if (future) return 'future';
  if (calls === 0) return 'empty';
  if (failureRate >= 0.1) return 'bad';
  return failureRate > 0 ? 'warn' : 'good';
}

/** A channel's colour: bad below 85 % success or from 5 failures, warn below 95 % or on any failure. */
function channelTone(successRate: number, failures: number): string {
  if (successRate < 0.85 || failures >= 5) return 'bad';
  return successRate < 0.95 || failures > 0 ? 'warn' : 'good';
}

export async function plusDashboardSummary(
  store: DashboardStore,
  p: DashboardParams,
  generatedAt: number,
): Promise<PlusAnswer<Record<string, unknown>>> {
  const today: AnalyticsFilter = { from: p.todayStartMs, to: Math.max(p.nowMs, p.todayStartMs + 1) };
  const rollingStart = p.nowMs - 30 * 60_000;
  const [t, rolling, models, accounts] = await Promise.all([
    store.analytics.totals(today),
    store.analytics.totals({ from: rollingStart, to: Math.max(p.nowMs, rollingStart + 1) }),
    store.analytics.breakdown(today, { by: 'model', sort: 'requests', order: 'desc', limit: 200 }),
    store.analytics
      .breakdown(today, { by: 'account', sort: 'failures', order: 'desc', limit: 200 })
      .then((b) => ({ ...b, rows: perAuthIndex(b.rows, 'failures') })),
  ]);
  const tokens = plusTokens(t.tokens);
  const modelRow = (r: (typeof models.rows)[number]) => ({
    model: r.name,
    calls: r.requests,
    tokens: r.tokens.total,
    cost: usd(r.costMicros),
    success_rate: rate(r.requests - r.failures, r.requests),
  });

  const hourly = await Promise.all(
    Array.from({ length: 24 }, async (_, i) => {
      const from = p.todayStartMs + i * HOUR;
      const x =
        from >= p.nowMs ? null : await store.analytics.totals({ from, to: Math.min(from + HOUR, p.nowMs) });
      return {
        bucket_ms: from,
        calls: x?.requests ?? 0,
        tokens: x?.tokens.total ?? 0,
        failures: x?.failures ?? 0,
      };
    }),
  );
  const maxCalls = Math.max(1, ...hourly.map((h) => h.calls));
  const maxTokens = Math.max(1, ...hourly.map((h) => h.tokens));

  const span = today.to - today.from;
  const healthBuckets = Math.max(1, Math.ceil(span / HEALTH_BUCKET));
  const points = await Promise.all(
    Array.from({ length: Math.min(healthBuckets, 288) }, async (_, i) => {
      const from = p.todayStartMs + i * HEALTH_BUCKET;
      const future = from >= p.nowMs;
      const x = future
        ? null
        : await store.analytics.totals({ from, to: Math.min(from + HEALTH_BUCKET, p.nowMs) });
      const calls = x?.requests ?? 0;
      const failure = x?.failures ?? 0;
      return {
        bucket_ms: from,
        calls,
        tokens: x?.tokens.total ?? 0,
        success: calls - failure,
        failure,
        success_rate: rate(calls - failure, calls),
        failure_rate: rate(failure, calls),
        tone: stripTone(calls, rate(failure, calls), future),
        intensity: 0,
        future,
      };
    }),
  );
  const maxStrip = Math.max(1, ...points.map((x) => x.calls));
  for (const x of points) x.intensity = x.calls / maxStrip;

  const mixTotal = Math.max(
    1,
    t.tokens.input + t.tokens.cacheRead + t.tokens.cacheCreation + t.tokens.output + t.tokens.reasoning,
  );
  const providers = new Map<string, string>();
  const providerOf = async (authIndex: string) => {
    if (!providers.has(authIndex))
      providers.set(authIndex, (await store.accounts.get(authIndex))?.provider ?? '');
    return providers.get(authIndex)!;
  };
  const recent =
    p.recentFailures > 0
      ? (await store.events.list({ ...today, status: 'failure' }, { limit: Math.min(p.recentFailures, 100) }))
          .events
      : [];

  const body = {
    generated_at_ms: generatedAt,
    window: { today_start_ms: p.todayStartMs, now_ms: p.nowMs, rolling_30m_start_ms: rollingStart },
    today: {
      total_calls: t.requests,
      success_calls: t.successes,
      failure_calls: t.failures,
      success_rate: rate(t.successes, t.requests),
      input_tokens: tokens.input_tokens,
      output_tokens: tokens.output_tokens,
      cached_tokens: tokens.cached_tokens,
      cache_read_tokens: tokens.cache_read_tokens,
      cache_creation_tokens: tokens.cache_creation_tokens,
      reasoning_tokens: tokens.reasoning_tokens,
      total_tokens: tokens.total_tokens,
      total_cost: usd(t.costMicros),
      average_latency_ms: null,
      zero_token_calls: 0,
    },
    rolling_30m: {
      rpm: rolling.requests / 30,
      tpm: rolling.tokens.total / 30,
      total_calls: rolling.requests,
      total_tokens: rolling.tokens.total,
    },
    top_models_today: models.rows.slice(0, p.topModels).map(modelRow),
    model_cost_rank: [...models.rows]
      .sort((a, b) => b.costMicros - a.costMicros)
      .slice(0, p.topModels)
      .map((r) => ({ ...modelRow(r), cost_share: rate(r.costMicros, t.costMicros) })),
    traffic_timeline: hourly.map((h) => ({
      bucket_ms: h.bucket_ms,
      calls: h.calls,
      tokens: h.tokens,
      success: h.calls - h.failures,
      failure: h.failures,
      calls_share: h.calls / maxCalls,
      tokens_share: h.tokens / maxTokens,
      failure_rate: rate(h.failures, h.calls),
    })),
    hourly_activity: hourly.map((h, i) => ({
      hour_index: i,
      bucket_ms: h.bucket_ms,
      calls: h.calls,
      tokens: h.tokens,
      intensity: h.tokens / maxTokens,
    })),
    today_request_health_timeline: {
      from_ms: today.from,
      to_ms: today.to,
      bucket_ms: HEALTH_BUCKET,
      success_calls: t.successes,
      failure_calls: t.failures,
      total_calls: t.requests,
      success_rate: rate(t.successes, t.requests),
      points,
    },
    token_mix: [
      { key: 'input', tokens: t.tokens.input + t.tokens.cacheCreation },
      { key: 'cached', tokens: t.tokens.cacheRead },
      { key: 'output', tokens: t.tokens.output },
      { key: 'reasoning', tokens: t.tokens.reasoning },
    ].map((m) => ({ ...m, share: m.tokens / mixTotal })),
    channel_health: await Promise.all(
      accounts.rows.map(async (r) => {
        const successRate = rate(r.requests - r.failures, r.requests);
        return {
          auth_index: r.name,
          source: r.label,
          auth_provider_snapshot: await providerOf(r.name),
          calls: r.requests,
          failures: r.failures,
          failure_rate: rate(r.failures, r.requests),
          success_rate: successRate,
          tokens: r.tokens.total,
          cost: usd(r.costMicros),
          average_latency_ms: null,
          tone: channelTone(successRate, r.failures),
        };
      }),
    ),
    failure_sources: await Promise.all(
      accounts.rows
        .filter((r) => r.failures > 0)
        .map(async (r) => {
          const failureRate = rate(r.failures, r.requests);
          return {
            source: r.label,
            source_hash: sha(r.label),
            auth_index: r.name,
            auth_provider_snapshot: await providerOf(r.name),
            calls: r.requests,
            failures: r.failures,
            failure_rate: failureRate,
            last_seen_ms: r.lastSeenMs,
            average_latency_ms: null,
            tone: failureRate >= 0.5 || r.failures >= 5 ? 'bad' : 'warn',
          };
        }),
    ),
    recent_failures: recent.map(failureRow),
  };
  return { body, partial: ['average_latency_ms', 'today.zero_token_calls'] };
}
