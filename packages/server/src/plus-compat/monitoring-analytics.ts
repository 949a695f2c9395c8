// POST /v0/management/monitoring/analytics in Plus's shape, computed from cpamp's analytics views. Each
// `include` flag maps to one section; sections cpamp has no data for are answered with the right shape and
// named in the partial list (the route turns it into the X-Cpamp-Partial header).
import { createHash } from 'node:crypto';
import type { AnalyticsFilter, BreakdownRow, StoredEvent } from '@cpamp/store';
import type { ServerStore } from '../server-store';
import { timelineGranularity } from '../analytics/timeline-granularity';
import type { PlusAnalyticsBody } from './plus-compat.schema';
import { plusCacheHit, plusTokens, rate, usd } from './plus-numbers';
import { perAuthIndex } from './account-rows';

type AnalyticsStore = Pick<ServerStore, 'analytics' | 'events' | 'accounts'>;

const MAX_BUCKETS = 400;
const MAX_ROWS = 200;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export interface PlusAnswer<T> {
  body: T;
  /** What the answer lacks (empty when complete). */
  partial: string[];
}

export function plusFilter(body: Pick<PlusAnalyticsBody, 'from_ms' | 'to_ms' | 'filters'>): AnalyticsFilter {
  const f = body.filters ?? {};
  const out: AnalyticsFilter = { from: body.from_ms, to: body.to_ms };
  if (f.models?.length) out.model = f.models;
  if (f.providers?.length) out.provider = f.providers;
  if (f.auth_indices?.length) out.authIndex = f.auth_indices;
  if (f.api_key_hashes?.length) out.apiKeyHash = f.api_key_hashes;
  if (f.failed_only) out.status = 'failure';
  else if (f.include_failed === false) out.status = 'success';
  return out;
}

/** Plus's model row (model_stats and the models inside account / key rows). */
function modelRow(r: BreakdownRow) {
  return {
    model: r.name,
    calls: r.requests,
    success_calls: r.requests - r.failures,
    failure_calls: r.failures,
    success_rate: rate(r.requests - r.failures, r.requests),
    ...plusTokens(r.tokens),
    ...plusCacheHit(r.tokens),
    cost: usd(r.costMicros),
    last_seen_ms: r.lastSeenMs,
  };
}

export async function plusAnalytics(
  store: AnalyticsStore,
  body: PlusAnalyticsBody,
  now: number,
): Promise<PlusAnswer<Record<string, unknown>>> {
  const inc = body.include ?? {};
  const filter = plusFilter(body);
  const tz = body.time_zone || 'UTC';
  const partial: string[] = [];
  const asked = inc.granularity === 'hour' || inc.granularity === 'day' ? inc.granularity : undefined;
  const granularity = timelineGranularity(filter.from, filter.to, asked);
  const out: Record<string, unknown> = { generated_at_ms: now, granularity };

  const providers = new Map<string, string>();
  const providerOf = async (authIndex: string) => {
    if (!providers.has(authIndex))
      providers.set(authIndex, (await store.accounts.get(authIndex))?.provider ?? '');
    return providers.get(authIndex)!;
  };
  const accounts = async () =>
    perAuthIndex(
      (
        await store.analytics.breakdown(filter, {
          by: 'account',
          sort: 'requests',
          order: 'desc',
          limit: MAX_ROWS,
        })
      ).rows,
    );

  if (inc.summary) {
    out.summary = await summary(store, filter, body.now_ms ?? now);
    partial.push(
      'summary.average_latency_ms',
      'summary.p95_ttft_ms',
      'summary.zero_token_calls',
      'summary.approx_tasks',
    );
  }
  if (inc.summary_comparison) {
    const span = filter.to - filter.from;
    const prev = await store.analytics.totals({ ...filter, from: filter.from - span, to: filter.from });
    out.summary_comparison = {
      from_ms: filter.from - span,
      to_ms: filter.from,
      total_calls: prev.requests,
      success_calls: prev.successes,
      failure_calls: prev.failures,
      success_rate: rate(prev.successes, prev.requests),
      total_tokens: prev.tokens.total,
      total_cost: usd(prev.costMicros),
    };
  }
  if (inc.timeline) {
    const series = await store.analytics.timeSeries(filter, { granularity, timeZone: tz });
    const points = series.points.slice(-MAX_BUCKETS);
    const step = granularity === 'hour' ? 3_600_000 : 86_400_000;
    out.timeline = await Promise.all(
      points.map(async (p) => {
        const t = await store.analytics.totals({
          ...filter,
          from: Math.max(p.startMs, filter.from),
          to: Math.min(p.startMs + step, filter.to),
        });
        return {
          bucket_ms: p.startMs,
          label: p.label,
          calls: p.requests,
          tokens: p.tokens,
          success: p.requests - p.failures,
          failure: p.failures,
          ...plusTokens(t.tokens),
          cache_hit_rate: plusCacheHit(t.tokens).cache_hit_rate,
          cost: usd(p.costMicros),
          average_latency_ms: null,
          p95_latency_ms: null,
          p95_ttft_ms: null,
          success_rate: rate(p.requests - p.failures, p.requests),
          failure_rate: rate(p.failures, p.requests),
        };
      }),
    );
    partial.push('timeline.latency');
  }
  if (inc.hourly_distribution || inc.heatmap) {
    const { cells } = await store.analytics.heatmap(filter, { timeZone: tz });
    if (inc.hourly_distribution) {
      const hours = Array.from({ length: 24 }, (_, hour) => ({ hour, calls: 0, tokens: 0 }));
      for (const c of cells) {
        hours[c.hour]!.calls += c.requests;
        hours[c.hour]!.tokens += c.tokens;
      }
      out.hourly_distribution = hours;
    }
    if (inc.heatmap) {
      out.heatmap = cells.map((c) => ({
        weekday: c.weekday,
        hour: c.hour,
        calls: c.requests,
        success: c.requests,
        failure: 0,
        tokens: c.tokens,
        cost: 0,
        failure_rate: 0,
        model_contributors: [],
        api_key_contributors: [],
        provider_contributors: [],
      }));
      partial.push('heatmap.failure', 'heatmap.cost', 'heatmap.contributors');
    }
  }
  if (inc.model_share || inc.model_stats) {
    const { rows } = await store.analytics.breakdown(filter, {
      by: 'model',
      sort: 'requests',
      order: 'desc',
      limit: MAX_ROWS,
    });
    if (inc.model_share)
      out.model_share = rows.map((r) => ({
        model: r.name,
        calls: r.requests,
        tokens: r.tokens.total,
        cost: usd(r.costMicros),
      }));
    if (inc.model_stats) out.model_stats = rows.map(modelRow);
  }
  if (inc.channel_share || inc.failure_sources) {
    const rows = await accounts();
    if (inc.channel_share) {
      out.channel_share = await Promise.all(
        rows.map(async (r) => ({
          auth_index: r.name,
          source: r.label,
          auth_provider_snapshot: await providerOf(r.name),
          calls: r.requests,
          success: r.requests - r.failures,
          failure: r.failures,
          tokens: r.tokens.total,
          cost: usd(r.costMicros),
          average_latency_ms: null,
        })),
      );
    }
    if (inc.failure_sources) {
      out.failure_sources = await Promise.all(
        rows
          .filter((r) => r.failures > 0)
          .map(async (r) => ({
            source: r.label,
            source_hash: sha(r.label),
            auth_index: r.name,
            auth_provider_snapshot: await providerOf(r.name),
            calls: r.requests,
            failure: r.failures,
            last_seen_ms: r.lastSeenMs,
            average_latency_ms: null,
          })),
      );
    }
    partial.push('average_latency_ms');
  }
  const accountStat = async (r: BreakdownRow, id: string) => {
    const models = (
      await store.analytics.breakdown(
        { ...filter, authIndex: r.name },
        { by: 'model', sort: 'requests', order: 'desc', limit: 50 },
      )
    ).rows;
    return {
      id,
      auth_index: r.name,
      source: r.label,
      source_hash: sha(r.label),
      auth_provider_snapshot: await providerOf(r.name),
      auth_indices: [r.name],
      sources: [r.label],
      source_hashes: [sha(r.label)],
      ...stat(r),
      models: models.map(modelRow),
    };
  };
  if (inc.account_stats)
    out.account_stats = await Promise.all((await accounts()).map((r) => accountStat(r, r.label || r.name)));
  if (inc.credential_stats)
    out.credential_stats = await Promise.all((await accounts()).map((r) => accountStat(r, r.name)));
  if (inc.api_key_stats) {
    const { rows } = await store.analytics.breakdown(filter, {
      by: 'key',
      sort: 'requests',
      order: 'desc',
      limit: MAX_ROWS,
    });
    out.api_key_stats = await Promise.all(
      rows.map(async (r) => {
        const scoped = { ...filter, apiKeyHash: r.name };
        const [models, accs] = await Promise.all([
          store.analytics.breakdown(scoped, { by: 'model', sort: 'requests', order: 'desc', limit: 50 }),
          store.analytics
            .breakdown(scoped, { by: 'account', sort: 'requests', order: 'desc', limit: 50 })
            .then((b) => ({ ...b, rows: perAuthIndex(b.rows) })),
        ]);
        return {
          id: r.name,
          api_key_hash: r.name,
          auth_provider_snapshot: accs.rows[0] ? await providerOf(accs.rows[0].name) : '',
          auth_indices: accs.rows.map((a) => a.name),
          sources: accs.rows.map((a) => a.label),
          source_hashes: accs.rows.map((a) => sha(a.label)),
          ...stat(r),
          models: models.rows.map(modelRow),
          // The credentials this key's requests went through.
          contexts: await Promise.all(
            accs.rows.map(async (a) => ({
              id: `${a.name}:${sha(a.label)}`,
              auth_provider_snapshot: await providerOf(a.name),
              auth_index: a.name,
              source: a.label,
              source_hash: sha(a.label),
              calls: a.requests,
              success_calls: a.requests - a.failures,
              failure_calls: a.failures,
              success_rate: rate(a.requests - a.failures, a.requests),
              failure_rate: rate(a.failures, a.requests),
              total_tokens: a.tokens.total,
              cost: usd(a.costMicros),
              average_latency_ms: null,
              last_seen_ms: a.lastSeenMs,
            })),
          ),
        };
      }),
    );
  }
  if (inc.credential_timeline) {
    out.credential_timeline = [];
    partial.push('credential_timeline');
  }
  if (inc.api_key_timeline) {
    out.api_key_timeline = [];
    partial.push('api_key_timeline');
  }
  if (inc.task_buckets) {
    out.task_buckets = [];
    partial.push('task_buckets');
  }
  if (inc.filter_options) {
    // Plus's selector lists are the stats rows themselves plus three name lists.
    const opts = await store.analytics.filterOptions(filter);
    out.filter_options = {
      account_stats:
        out.account_stats ??
        (await Promise.all((await accounts()).map((r) => accountStat(r, r.label || r.name)))),
      api_key_stats: out.api_key_stats ?? [],
      channel_share: out.channel_share ?? [],
      model_stats:
        out.model_stats ??
        (
          await store.analytics.breakdown(filter, {
            by: 'model',
            sort: 'requests',
            order: 'desc',
            limit: MAX_ROWS,
          })
        ).rows.map(modelRow),
      providers: opts.providers.map((p) => p.name),
      models: opts.models.map((m) => m.name),
      api_key_hashes: opts.keys.map((k) => k.hash),
      account_count: opts.accounts.length,
      api_key_count: opts.keys.length,
      request_types: [],
      header_quota_plans: [],
    };
    partial.push('filter_options.request_types', 'filter_options.header_quota_plans');
  }
  if (inc.recent_failures && inc.recent_failures > 0) {
    const page = await store.events.list(
      { ...filter, status: 'failure' },
      { limit: Math.min(inc.recent_failures, 200) },
    );
    out.recent_failures = await Promise.all(
      page.events.map(async (e) => ({
        ...failureRow(e),
        auth_provider_snapshot: e.provider || (await providerOf(e.authIndex)),
      })),
    );
  }
  if (inc.events_page) {
    const limit = inc.events_page.limit ?? 50;
    const page = await store.events.list(filter, {
      limit,
      ...(inc.events_page.cursor ? { cursor: inc.events_page.cursor } : {}),
    });
    const last = page.events[page.events.length - 1];
    out.events = {
      items: page.events.map(eventRow),
      next_before_ms: last?.timestampMs ?? 0,
      next_before_id: last?.id ?? 0,
      has_more: page.nextCursor !== null,
      total_count: (await store.analytics.totals(filter)).requests,
      // cpamp pages with an opaque cursor; Plus clients that pass it back in events_page.cursor get the next page.
      next_cursor: page.nextCursor,
    };
  }
  return { body: out, partial: [...new Set(partial)] };
}

function stat(r: BreakdownRow) {
  return {
    calls: r.requests,
    success_calls: r.requests - r.failures,
    failure_calls: r.failures,
    success_rate: rate(r.requests - r.failures, r.requests),
    ...plusTokens(r.tokens),
    cost: usd(r.costMicros),
    average_latency_ms: null,
    last_seen_ms: r.lastSeenMs,
  };
}

async function summary(store: AnalyticsStore, filter: AnalyticsFilter, nowMs: number) {
  const [t, recent, lat] = await Promise.all([
    store.analytics.totals(filter),
    store.analytics.totals({ ...filter, from: nowMs - 30 * 60_000, to: nowMs }),
    store.analytics.latencyPercentiles(filter, { by: 'none', percentiles: [0.95] }),
  ]);
  const tokens = plusTokens(t.tokens);
  const days = Math.max(1, (filter.to - filter.from) / 86_400_000);
  return {
    total_calls: t.requests,
    success_calls: t.successes,
    failure_calls: t.failures,
    success_rate: rate(t.successes, t.requests),
    ...tokens,
    cache_hit_rate: plusCacheHit(t.tokens).cache_hit_rate,
    total_cost: usd(t.costMicros),
    average_cost_per_call: t.requests > 0 ? usd(t.costMicros) / t.requests : 0,
    average_latency_ms: null,
    p95_latency_ms: lat.rows[0]?.percentiles[0] ?? null,
    p95_ttft_ms: null,
    zero_token_calls: 0,
    rpm_30m: recent.requests / 30,
    tpm_30m: recent.tokens.total / 30,
    avg_daily_requests: t.requests / days,
    avg_daily_tokens: t.tokens.total / days,
    approx_tasks: t.requests,
    approx_task_failures: t.failures,
    approx_task_success_rate: rate(t.successes, t.requests),
    zero_token_models: [],
  };
}

/** Plus's response metadata: cpamp keeps the quota / rate-limit headers CPA forwarded, not the content type. */
function responseMetadata(e: StoredEvent) {
  const h = e.rateLimitHeaders ?? {};
  return {
    response: { content_type: h['content-type'] ?? '' },
    ...(Object.keys(h).length ? { headers: h } : {}),
  };
}

export function failureRow(e: StoredEvent) {
  return {
    timestamp_ms: e.timestampMs,
    model: e.model,
    api_key_hash: e.apiKeyHash,
    source: e.source,
    source_hash: sha(e.source),
    auth_index: e.authIndex,
    endpoint: e.endpoint,
    duration_ms: e.latencyMs,
    fail_status_code: e.statusCode,
    fail_summary: (e.failBody ?? '').slice(0, 200),
    response_metadata: responseMetadata(e),
  };
}

export function eventRow(e: StoredEvent) {
  const [method = '', path = ''] = e.endpoint.split(' ');
  return {
    request_id: e.requestId,
    event_hash: e.dedupKey,
    timestamp_ms: e.timestampMs,
    model: e.alias || e.model,
    analytics_model: e.model,
    requested_model: e.alias || e.model,
    resolved_model: e.model,
    endpoint: e.endpoint,
    method,
    path,
    client_ip: e.clientIp,
    user_agent: e.userAgent,
    auth_index: e.authIndex,
    source: e.source,
    source_hash: sha(e.source),
    api_key_hash: e.apiKeyHash,
    account_snapshot: e.source,
    auth_label_snapshot: e.source,
    auth_provider_snapshot: e.provider,
    reasoning_effort: e.reasoningEffort,
    service_tier: e.serviceTier,
    executor_type: e.executorType,
    input_tokens: e.inputTokens + e.cacheReadTokens + e.cacheCreationTokens,
    output_tokens: e.outputTokens + e.reasoningTokens,
    cached_tokens: 0,
    cache_read_tokens: e.cacheReadTokens,
    cache_creation_tokens: e.cacheCreationTokens,
    reasoning_tokens: e.reasoningTokens,
    total_tokens: e.totalTokens,
    latency_ms: e.latencyMs,
    ttft_ms: e.ttftMs,
    failed: e.failed,
    fail_status_code: e.statusCode,
    fail_summary: e.failed ? (e.failBody ?? '').slice(0, 200) : '',
    response_metadata: responseMetadata(e),
    cost: e.costMicros === null ? null : usd(e.costMicros),
  };
}
