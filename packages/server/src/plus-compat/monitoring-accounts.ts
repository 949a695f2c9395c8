// Plus's per-account monitoring views (account-history, account-window-usage, header-snapshots) over
// cpamp's analytics totals and event log. Targets are matched by auth_index, else by the account's email,
// label or auth file name as cpamp recorded them.
import { createHash } from 'node:crypto';
import type { ServerStore } from '../server-store';
import type { z } from 'zod';
import type { AccountHistoryBody, AccountWindowUsageBody } from './plus-compat.schema';
import { rate, usd } from './plus-numbers';
import { perAuthIndex } from './account-rows';

type MonitoringStore = Pick<ServerStore, 'analytics' | 'events' | 'accounts'>;
type Target = {
  auth_index?: string | undefined;
  account_snapshot?: string | undefined;
  auth_label_snapshot?: string | undefined;
  auth_file_snapshot?: string | undefined;
  source?: string | undefined;
};

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const END_OF_TIME = 8_640_000_000_000_000;

async function resolveAuthIndex(store: MonitoringStore, t: Target): Promise<string | null> {
  if (t.auth_index) return t.auth_index;
  const names = [t.account_snapshot, t.auth_label_snapshot, t.auth_file_snapshot, t.source].filter(
    (s): s is string => Boolean(s),
  );
  if (names.length === 0) return null;
  const hit = (await store.accounts.list()).find((a) =>
    names.some((n) => n === a.email || n === a.label || n === a.fileName),
  );
  return hit?.authIndex ?? null;
}

async function usageFor(store: MonitoringStore, authIndex: string | null, from: number, to: number) {
  if (!authIndex) return null;
  // Several CPAs: one row per CPA with this auth_index, folded into one.
  const rows = perAuthIndex(
    (await store.analytics.breakdown({ from, to, authIndex }, { by: 'account', limit: 100 })).rows,
  );
  return rows[0] ?? null;
}

export async function plusAccountHistory(
  store: MonitoringStore,
  body: z.infer<typeof AccountHistoryBody>,
  now: number,
) {
  const maxId = await store.events.maxId();
  const items = await Promise.all(
    body.accounts.map(async (t) => {
      const authIndex = await resolveAuthIndex(store, t);
      const row = await usageFor(store, authIndex, 0, END_OF_TIME);
      const account = authIndex ? await store.accounts.get(authIndex) : undefined;
      const requests = row?.requests ?? 0;
      return {
        row_key: t.row_key,
        account_key: t.account_key || `cpamp:auth-index:${authIndex ?? sha(JSON.stringify(t))}`,
        matched: requests > 0,
        total_requests: requests,
        success_calls: requests - (row?.failures ?? 0),
        failure_calls: row?.failures ?? 0,
        total_tokens: row?.tokens.total ?? 0,
        total_cost: usd(row?.costMicros ?? 0),
        success_rate: requests > 0 ? rate(requests - row!.failures, requests) : null,
        first_seen_ms: requests > 0 ? (account?.firstSeenMs ?? null) : null,
        last_seen_ms: requests > 0 ? row!.lastSeenMs : null,
        sync_status: requests > 0 ? 'ready' : 'empty',
      };
    }),
  );
  // cpamp's analytics read every committed event directly: there is no catch-up checkpoint to wait for.
  return {
    generated_at_ms: now,
    checkpoint: { last_event_id: maxId, latest_id: maxId, pending: false, processed: 0 },
    items,
  };
}

export async function plusAccountWindowUsage(
  store: MonitoringStore,
  body: z.infer<typeof AccountWindowUsageBody>,
  now: number,
) {
  const items = await Promise.all(
    body.windows.map(async (w) => {
      const authIndex = await resolveAuthIndex(store, w);
      const row = await usageFor(store, authIndex, w.from_ms, w.to_ms);
      const requests = row?.requests ?? 0;
      const windowId = w.provider_window_id || w.window_key || '';
      const period = w.period || 'current';
      return {
        request_key: w.request_key || [w.row_key, windowId, w.window_key ?? '', period].join('\u0000'),
        row_key: w.row_key,
        ...(w.window_key ? { window_key: w.window_key } : {}),
        provider_window_id: windowId,
        period,
        from_ms: w.from_ms,
        to_ms: w.to_ms,
        matched: requests > 0,
        total_requests: requests,
        success_calls: requests - (row?.failures ?? 0),
        failure_calls: row?.failures ?? 0,
        total_tokens: row?.tokens.total ?? 0,
        total_cost: usd(row?.costMicros ?? 0),
        success_rate: requests > 0 ? rate(requests - row!.failures, requests) : null,
        last_seen_ms: requests > 0 ? row!.lastSeenMs : null,
        sync_status: requests > 0 ? 'ready' : 'empty',
        // cpamp counts every model of the account in the window; a model scope is not applied.
        scope_match_status: w.model_scope === undefined ? 'complete' : 'unscoped',
        unmatched_requests: 0,
      };
    }),
  );
  return { generated_at_ms: now, items };
}

/** The most recent events that carried quota / rate-limit response headers, newest first. */
export async function plusHeaderSnapshots(
  store: MonitoringStore,
  q: { days?: number | undefined; limit?: number | undefined },
  now: number,
) {
  const days = q.days || 30;
  const limit = q.limit || 200;
  const from = now - days * 86_400_000;
  const maxId = await store.events.maxId();
  // evidenceAfter reads forward from an id; the newest stretch of the log is enough for the newest snapshots.
  const scan = Math.max(limit * 50, 20_000);
  const rows = (await store.events.evidenceAfter(Math.max(0, maxId - scan), scan)).filter(
    (r) => r.headers !== null && r.timestampMs >= from,
  );
  const picked = rows.slice(-limit).reverse();
  const items = [];
  for (const r of picked) {
    const e = await store.events.get(r.eventId);
    if (!e) continue;
    items.push({
      event_hash: e.dedupKey,
      timestamp_ms: e.timestampMs,
      model: e.alias || e.model,
      analytics_model: e.model,
      requested_model: e.alias || e.model,
      resolved_model: e.model,
      auth_index: e.authIndex,
      auth_provider_snapshot: e.provider,
      source: e.source,
      source_hash: sha(e.source),
      response_metadata: {
        response: { content_type: r.headers?.['content-type'] ?? '' },
        headers: r.headers,
      },
    });
  }
  return { generated_at_ms: now, from_ms: from, to_ms: now, items };
}
