// Plus's inspection, action-candidate and quota-snapshot records, mapped from cpamp's pool model (runs,
// results, auth issues and quota windows in the store's pool repository).
import type { PoolAccountRow, PoolIssueRow, PoolResultRow, PoolRunRow, PoolWindowRow } from '@cpamp/store';

const RUN_STATUS: Record<PoolRunRow['state'], string> = {
  running: 'running',
  done: 'completed',
  cancelled: 'cancelled',
  failed: 'failed',
};
const ACTION: Record<PoolResultRow['suggestedAction'], string> = {
  none: 'keep',
  disable: 'disable',
  enable: 'enable',
  delete: 'delete',
  reauth: 'reauth',
};

/** Plus's CodexInspectionRun from a cpamp inspection run (cpamp has no per-run settings snapshot). */
export function plusRun(r: PoolRunRow, results: readonly PoolResultRow[] = [], settings: object = {}) {
  const count = (a: PoolResultRow['suggestedAction']) =>
    results.filter((x) => x.suggestedAction === a).length;
  return {
    id: r.id,
    triggerType: r.trigger === 'schedule' ? 'scheduled' : 'manual',
    triggerKey: r.trigger === 'schedule' ? 'scheduled' : 'manual',
    status: RUN_STATUS[r.state],
    startedAtMs: r.startedAtMs,
    ...(r.finishedAtMs !== null ? { finishedAtMs: r.finishedAtMs } : {}),
    totalFiles: r.total,
    probeSetCount: r.total,
    sampledCount: r.done,
    disabledCount: r.counts.exhausted + r.counts.banned,
    enabledCount: r.counts.ok,
    deleteCount: count('delete'),
    disableCount: count('disable'),
    enableCount: count('enable'),
    reauthCount: count('reauth'),
    keepCount: count('none'),
    ...(r.error ? { error: r.error } : {}),
    settings,
    createdAtMs: r.startedAtMs,
    updatedAtMs: r.finishedAtMs ?? r.startedAtMs,
    active: r.state === 'running',
    cancellable: r.state === 'running',
  };
}

/** Plus's CodexInspectionResult; `id` is the result's 1-based position in its run (cpamp keys results by run and account). */
export function plusResult(
  r: PoolResultRow,
  id: number,
  account?: Pick<PoolAccountRow, 'email' | 'plan' | 'chatgptAccountId'>,
) {
  const worst = r.windows.reduce<number | null>(
    (m, w) => (w.usedPercent === null ? m : Math.max(m ?? 0, w.usedPercent)),
    null,
  );
  return {
    id,
    runId: r.runId,
    accountKey: r.authIndex,
    fileName: r.fileName ?? '',
    displayAccount: account?.email ?? r.fileName ?? r.authIndex,
    accountSnapshot: account?.email ?? '',
    authIndex: r.authIndex,
    accountId: account?.chatgptAccountId ?? '',
    provider: r.provider,
    disabled: r.result === 'exhausted' || r.result === 'banned',
    status: r.result,
    action: ACTION[r.suggestedAction],
    actionReason: r.detail,
    actionStatus: r.suggestedAction === 'none' ? 'none' : 'pending',
    ...(r.httpStatus !== null ? { statusCode: r.httpStatus } : {}),
    ...(worst !== null ? { usedPercent: worst } : {}),
    isQuota: r.result === 'exhausted',
    autoRecoverEligible: r.result === 'exhausted',
    ...(r.result === 'error' ? { error: r.detail } : {}),
    planType: account?.plan ?? '',
    quotaWindows: r.windows.map((w) => ({
      id: w.window,
      labelKey: `codex_quota.${w.window}_window`,
      usedPercent: w.usedPercent,
      resetLabel: w.resetAtMs !== null ? new Date(w.resetAtMs).toISOString() : '',
      resetAtMs: w.resetAtMs,
      resetAccuracy: w.resetAtMs !== null ? 'exact' : 'unknown',
      limitWindowSeconds: w.windowSeconds,
      modelScope: { kind: 'all', key: '', complete: true },
    })),
    quotaInventoryObserved: r.windows.length > 0,
    createdAtMs: r.atMs,
  };
}

const CANDIDATE_STATUS: Record<PoolIssueRow['state'], string> = {
  open: 'pending',
  ignored: 'ignored',
  resolved: 'resolved',
};

/** What Plus would do about each kind of cpamp auth issue, and its reason code for it. */
const CANDIDATE_KIND: Record<PoolIssueRow['issue'], { actionType: string; reasonCode: string }> = {
  unauthorized: { actionType: 'reauth', reasonCode: 'invalid_credentials' },
  expired: { actionType: 'reauth', reasonCode: 'invalid_credentials' },
  banned: { actionType: 'delete', reasonCode: 'account_deactivated' },
  exhausted: { actionType: 'disable', reasonCode: 'usage_limit_reached' },
};

/** The failed request an issue was raised from, when cpamp has one (inspection-raised issues have none). */
export interface CandidateEvent {
  requestId: string;
  dedupKey: string;
  timestampMs: number;
  endpoint: string;
  model: string;
  statusCode: number;
  failBody: string;
}

function errorFields(body: string): { errorCode: string; errorType: string } {
  try {
    const e = (JSON.parse(body) as { error?: { code?: unknown; type?: unknown } }).error;
    return {
      errorCode: typeof e?.code === 'string' ? e.code : '',
      errorType: typeof e?.type === 'string' ? e.type : '',
    };
  } catch {
    return { errorCode: '', errorType: '' };
  }
}

/** Plus's AccountActionCandidate from a cpamp auth issue (`email`: the pool account's, when known). */
export function plusCandidate(
  i: PoolIssueRow,
  autoDisable: boolean,
  email: string | null = null,
  event: CandidateEvent | null = null,
) {
  const kind = CANDIDATE_KIND[i.issue];
  const evidence = {
    accountIdSnapshot: '',
    accountSnapshot: email ?? '',
    actionType: kind.actionType,
    authFileName: i.fileName ?? '',
    authIndex: i.authIndex,
    authLabel: email ?? '',
    autoDisableEligible: autoDisable,
    confidence: event ? 'high' : 'medium',
    endpoint: event?.endpoint ?? '',
    ...errorFields(event?.failBody ?? ''),
    eventHash: event?.dedupKey ?? '',
    failSummary: event?.failBody ?? i.detail,
    headerErrorCode: '',
    headerErrorKind: '',
    headerTraceId: '',
    model: event?.model ?? '',
    provider: i.provider,
    reason: i.detail,
    reasonCode: kind.reasonCode,
    requestId: event?.requestId ?? '',
    statusCode: event?.statusCode ?? 0,
    timestamp: new Date(event?.timestampMs ?? i.lastSeenMs).toISOString(),
    timestampMs: event?.timestampMs ?? i.lastSeenMs,
  };
  return {
    id: i.id,
    actionType: kind.actionType,
    status: CANDIDATE_STATUS[i.state],
    provider: i.provider,
    authFileName: i.fileName ?? '',
    authIndex: i.authIndex,
    ...(email ? { accountSnapshot: email, authLabel: email } : {}),
    reasonCode: kind.reasonCode,
    reason: i.detail,
    autoDisableEligible: autoDisable,
    evidence,
    firstSeenAtMs: i.firstSeenMs,
    lastSeenAtMs: i.lastSeenMs,
    hitCount: i.count,
    createdAtMs: i.firstSeenMs,
    updatedAtMs: i.lastSeenMs,
  };
}

export const candidateStatusFilter = (status: string | undefined): PoolIssueRow['state'] | undefined =>
  status === 'pending' ? 'open' : status === 'ignored' || status === 'resolved' ? status : undefined;

/** Plus's quota-snapshot window from a cpamp quota window (`n`: its 1-based position, Plus's logical id). */
export function plusWindow(w: PoolWindowRow, now: number, n: number, plan: string | null) {
  const start =
    w.resetAtMs !== null && w.windowSeconds !== null ? w.resetAtMs - w.windowSeconds * 1000 : null;
  const accuracy = w.resetAtMs !== null ? 'exact' : 'unknown';
  return {
    provider_window_id: w.window,
    provider_window_aliases: [] as string[],
    window_kind: w.window,
    window_mode: w.resetAtMs !== null ? 'fixed' : 'unknown',
    model_scope_kind: 'all',
    model_scope_key: '',
    source: w.source === 'inspection' ? 'inspection' : 'response_header',
    observed_at_ms: w.observedAtMs,
    boundary_accuracy: accuracy,
    ...(start !== null ? { cycle_start_ms: start } : {}),
    ...(w.resetAtMs !== null ? { cycle_end_ms: w.resetAtMs } : {}),
    ...(w.windowSeconds !== null ? { duration_seconds: w.windowSeconds } : {}),
    ...(w.usedPercent !== null ? { used_percent: w.usedPercent } : {}),
    ...(w.remainingPercent !== null ? { remaining_percent: w.remainingPercent } : {}),
    plan_type: plan ?? '',
    stale: w.resetAtMs !== null && w.resetAtMs < now,
    logical_window_id: n,
    activation_generation: 1,
    availability: 'active',
    first_seen_at_ms: w.observedAtMs,
    last_seen_at_ms: w.observedAtMs,
    // cpamp keeps one current cycle per window (no cycle history): it is described from the window itself.
    current_cycle: {
      id: n,
      activation_id: n,
      state: w.resetAtMs !== null && w.resetAtMs < now ? 'ended' : 'active',
      ...(start !== null ? { scheduled_start_ms: start } : {}),
      ...(w.resetAtMs !== null ? { scheduled_end_ms: w.resetAtMs } : {}),
      actual_start_ms: start ?? w.observedAtMs,
      ...(w.windowSeconds !== null ? { duration_seconds: w.windowSeconds } : {}),
      boundary_accuracy: accuracy,
      forecast_eligible: w.resetAtMs !== null,
    },
  };
}

/** A cpamp quota window from a window Plus's clients write (POST /quota-snapshots). */
export function windowFromPlus(
  w: {
    provider_window_id: string;
    source?: string | undefined;
    observed_at_ms?: number | undefined;
    cycle_end_ms?: number | null | undefined;
    duration_seconds?: number | null | undefined;
    used_percent?: number | null | undefined;
    remaining_percent?: number | null | undefined;
  },
  now: number,
): PoolWindowRow {
  const used = w.used_percent ?? (w.remaining_percent != null ? 100 - w.remaining_percent : null);
  return {
    window: w.provider_window_id,
    usedPercent: used,
    remainingPercent: w.remaining_percent ?? (used !== null ? 100 - used : null),
    resetAtMs: w.cycle_end_ms ?? null,
    windowSeconds: w.duration_seconds ?? null,
    source: w.source === 'response_header' ? 'response-header' : 'inspection',
    observedAtMs: w.observed_at_ms || now,
  };
}

/**
 * Plus's `evidence` on a quota cooldown: what showed the account exhausted. cpamp keeps the quota window the
 * cooldown was taken on, so the evidence is that window's last observation (Plus only has it for xAI bodies).
 */
export function cooldownEvidence(
  o: { provider: string; window: string | null; recoverAtMs: number | null },
  windows: readonly PoolWindowRow[],
) {
  const w = windows.find((x) => x.window === o.window) ?? windows[0];
  if (!w) return null;
  return {
    provider: o.provider,
    kind: 'quota_window',
    state: 'exhausted',
    unit: 'percent',
    ...(w.usedPercent !== null ? { actual: w.usedPercent, limit: 100 } : {}),
    ...(w.remainingPercent !== null ? { remaining: w.remainingPercent } : {}),
    window_kind: w.window,
    observed_at_ms: w.observedAtMs,
    ...(o.recoverAtMs !== null
      ? { recover_at_ms: o.recoverAtMs, recover_at_estimated: w.resetAtMs === null }
      : {}),
    source: w.source === 'inspection' ? 'inspection' : 'response_header',
  };
}
