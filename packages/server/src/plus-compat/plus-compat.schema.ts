// Request bodies and queries of Plus's own routes (zod: untrusted input). Field names are Plus's. Unknown
// fields are accepted where Plus accepts them (analytics) and refused where Plus refuses them.
import { z } from 'zod';

const epochMs = z.number().int().min(1).max(8_640_000_000_000_000);
const strings = z.array(z.string().max(4096)).max(1000).optional();

export const PlusAnalyticsBody = z
  .object({
    from_ms: epochMs,
    to_ms: epochMs,
    now_ms: z.number().int().min(0).max(8_640_000_000_000_000).optional(),
    time_zone: z.string().max(100).optional(),
    search_query: z.string().max(1000).optional(),
    search_api_key_hash: z.string().max(200).optional(),
    filters: z
      .object({
        models: strings,
        providers: strings,
        accounts: strings,
        credential_ids: strings,
        auth_files: strings,
        auth_indices: strings,
        api_key_hashes: strings,
        source_hashes: strings,
        project_ids: strings,
        request_types: strings,
        include_failed: z.boolean().nullable().optional(),
        failed_only: z.boolean().optional(),
        min_latency_ms: z.number().int().min(0).optional(),
        cache_status: z.string().max(40).optional(),
      })
      .passthrough()
      .optional(),
    include: z
      .object({
        summary: z.boolean().optional(),
        summary_profile: z.string().max(40).optional(),
        summary_percentiles: z.boolean().optional(),
        summary_comparison: z.boolean().optional(),
        timeline: z.boolean().optional(),
        hourly_distribution: z.boolean().optional(),
        model_share: z.boolean().optional(),
        channel_share: z.boolean().optional(),
        model_stats: z.boolean().optional(),
        failure_sources: z.boolean().optional(),
        account_stats: z.boolean().optional(),
        credential_stats: z.boolean().optional(),
        credential_timeline: z.boolean().optional(),
        api_key_timeline: z.boolean().optional(),
        api_key_stats: z.boolean().optional(),
        filter_options: z.boolean().optional(),
        filter_selectors: z.boolean().optional(),
        heatmap: z.boolean().optional(),
        anomaly_points: z.boolean().optional(),
        task_buckets: z.boolean().optional(),
        recent_failures: z.number().int().min(0).max(1000).optional(),
        events_page: z
          .object({
            limit: z.number().int().min(1).max(50_000).optional(),
            cursor: z.string().max(200).optional(),
          })
          .passthrough()
          .nullable()
          .optional(),
        granularity: z.string().max(20).optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough()
  .refine((b) => b.from_ms < b.to_ms, {
    message: 'from_ms and to_ms are required and from_ms must be less than to_ms',
  });
export type PlusAnalyticsBody = z.infer<typeof PlusAnalyticsBody>;

const optInt = (max: number) => z.coerce.number().int().min(0).max(max).optional();
export const DashboardQuery = z.object({
  today_start_ms: z.coerce
    .number()
    .int()
    .min(1, { message: 'today_start_ms must be a positive integer' })
    .max(8_640_000_000_000_000),
  now_ms: optInt(8_640_000_000_000_000),
  top_models: optInt(100),
  recent_failures: optInt(100),
});

/** The account fields Plus's account targets carry (history, window usage, quota snapshots). */
const target = {
  account_key: z.string().max(500).optional(),
  account_snapshot: z.string().max(500).optional(),
  auth_label_snapshot: z.string().max(500).optional(),
  auth_file_snapshot: z.string().max(500).optional(),
  auth_provider_snapshot: z.string().max(100).optional(),
  auth_project_id_snapshot: z.string().max(500).optional(),
  auth_index: z.string().max(200).optional(),
  source: z.string().max(500).optional(),
};

export const AccountHistoryBody = z
  .object({
    accounts: z
      .array(z.object({ row_key: z.string().trim().min(1).max(500), ...target }).strict())
      .min(1)
      .max(200),
    catch_up: z.boolean().optional(),
  })
  .strict()
  .refine((b) => new Set(b.accounts.map((a) => a.row_key)).size === b.accounts.length, {
    message: 'row_key must be unique',
  });

export const AccountWindowUsageBody = z
  .object({
    windows: z
      .array(
        z
          .object({
            request_key: z.string().max(500).optional(),
            row_key: z.string().trim().min(1).max(500),
            window_key: z.string().max(200).optional(),
            provider_window_id: z.string().max(200).optional(),
            period: z.string().max(40).optional(),
            from_ms: epochMs,
            to_ms: epochMs,
            model_scope: z.unknown().optional(),
            ...target,
          })
          .strict()
          .refine((w) => w.from_ms < w.to_ms, {
            message: 'from_ms and to_ms are required and from_ms must be less than to_ms',
          })
          .refine((w) => Boolean(w.provider_window_id || w.window_key), {
            message: 'provider_window_id is required',
          }),
      )
      .min(1)
      .max(400),
  })
  .strict();

export const HeaderSnapshotsQuery = z.object({
  days: z.coerce.number().int().min(0).max(365).optional(),
  limit: z.coerce.number().int().min(0).max(1000).optional(),
});

const accountTarget = z.object({ ...target }).strict();
const windowInput = z
  .object({
    provider_window_id: z.string().min(1).max(200),
    window_kind: z.string().max(100).optional(),
    window_mode: z.string().max(40).optional(),
    source: z.string().max(40).optional(),
    observed_at_ms: z.number().int().min(0).optional(),
    cycle_start_ms: z.number().int().nullable().optional(),
    cycle_end_ms: z.number().int().nullable().optional(),
    duration_seconds: z.number().int().nullable().optional(),
    used_percent: z.number().nullable().optional(),
    remaining_percent: z.number().nullable().optional(),
  })
  .passthrough();
export const QuotaSnapshotWriteBody = z
  .object({
    entries: z
      .array(
        z
          .object({
            row_key: z.string().max(500).optional(),
            provider: z.string().min(1).max(40),
            account: accountTarget,
            observation: z.object({}).passthrough().optional(),
            windows: z.array(windowInput).max(100),
            removed_windows: z.array(z.object({}).passthrough()).max(100).optional(),
          })
          .strict(),
      )
      .min(1, { message: 'entries are required' })
      .max(500),
  })
  .strict();
export const QuotaSnapshotQueryBody = z
  .object({
    accounts: z
      .array(
        z
          .object({ row_key: z.string().max(500), provider: z.string().max(40), account: accountTarget })
          .strict(),
      )
      .min(1, { message: 'accounts are required' })
      .max(500),
    now_ms: z.number().int().min(0).max(8_640_000_000_000_000).optional(),
    include_inactive: z.boolean().optional(),
  })
  .strict();

export const RunsQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(20) });
export const RunIdParams = z.object({ id: z.coerce.number().int().min(1) });
export const ExecuteActionsBody = z
  .object({
    resultIds: z.array(z.number().int().min(1)).max(10_000).optional(),
    actionOverrides: z
      .array(z.object({ resultId: z.number().int(), action: z.string().max(20) }))
      .max(10_000)
      .optional(),
  })
  .passthrough();
export const CandidatesQuery = z.object({
  status: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export const CandidateParams = z.object({
  id: z.coerce.number().int().min(1),
  action: z.enum(['ignore', 'resolve', 'enable']),
});
export const CandidateIdParams = z.object({ id: z.coerce.number().int().min(1) });
