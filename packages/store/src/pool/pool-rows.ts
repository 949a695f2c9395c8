// Row → record mapping for the pool tables (column names, the same in both dialects, to the camelCase records).
import type {
  PoolAccountRow,
  PoolActionKind,
  PoolActionRow,
  PoolActor,
  PoolInspectionResultKind,
  PoolIssueKind,
  PoolIssueRow,
  PoolIssueState,
  PoolOwnershipRow,
  PoolResultRow,
  PoolRunRow,
  PoolRunState,
  PoolWindowPoint,
  PoolWindowRow,
} from './pool.types';

export const EMPTY_COUNTS = (): Record<PoolInspectionResultKind, number> => ({
  ok: 0,
  unauthorized: 0,
  exhausted: 0,
  banned: 0,
  error: 0,
});
export type Row = Record<string, unknown>;

export const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
export const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
/** A flag column: SQLite keeps 0/1, Postgres a boolean. */
export const flag = (v: unknown): boolean => v === 1 || v === true;

export const toAccount = (r: Row): PoolAccountRow => ({
  authIndex: r.auth_index as string,
  fileName: str(r.file_name),
  provider: r.provider as string,
  email: str(r.email),
  plan: str(r.plan),
  chatgptAccountId: str(r.chatgpt_account_id),
  disabled: flag(r.disabled),
  cpaStatus: str(r.cpa_status),
  statusMessage: str(r.status_message),
  lastInspectionMs: num(r.last_inspection_ms),
  lastResult: str(r.last_result) as PoolInspectionResultKind | null,
  syncedMs: r.synced_ms as number,
  deletedMs: num(r.deleted_ms),
});
export const toWindow = (r: Row): PoolWindowRow => ({
  window: r.window as string,
  usedPercent: num(r.used_percent),
  remainingPercent: num(r.remaining_percent),
  resetAtMs: num(r.reset_at_ms),
  windowSeconds: num(r.window_seconds),
  source: r.source as PoolWindowRow['source'],
  observedAtMs: r.observed_ms as number,
});
export const toPoint = (r: Row): PoolWindowPoint => ({
  authIndex: r.auth_index as string,
  window: r.window as string,
  usedPercent: r.used_percent as number,
  resetAtMs: num(r.reset_at_ms),
  tMs: r.observed_ms as number,
});
export const toRun = (r: Row): PoolRunRow => ({
  id: r.id as number,
  trigger: r.trigger as PoolRunRow['trigger'],
  state: r.state as PoolRunState,
  startedAtMs: r.started_ms as number,
  finishedAtMs: num(r.finished_ms),
  total: r.total as number,
  done: r.done as number,
  dryRun: flag(r.dry_run),
  counts: { ...EMPTY_COUNTS(), ...(JSON.parse(r.counts as string) as object) },
  error: str(r.error),
  upstream: str(r.upstream),
});
export const toResult = (r: Row): PoolResultRow => ({
  runId: r.run_id as number,
  authIndex: r.auth_index as string,
  fileName: str(r.file_name),
  provider: r.provider as string,
  result: r.result as PoolInspectionResultKind,
  httpStatus: num(r.http_status),
  detail: r.detail as string,
  windows: JSON.parse(r.windows as string) as PoolWindowRow[],
  suggestedAction: r.suggested_action as PoolResultRow['suggestedAction'],
  atMs: r.at_ms as number,
});
export const toIssue = (r: Row): PoolIssueRow => ({
  id: r.id as number,
  authIndex: r.auth_index as string,
  fileName: str(r.file_name),
  provider: r.provider as string,
  issue: r.issue as PoolIssueKind,
  detail: r.detail as string,
  firstSeenMs: r.first_seen_ms as number,
  lastSeenMs: r.last_seen_ms as number,
  count: r.count as number,
  state: r.state as PoolIssueState,
});
export const toAction = (r: Row): PoolActionRow => ({
  id: r.id as number,
  atMs: r.at_ms as number,
  authIndex: r.auth_index as string,
  fileName: str(r.file_name),
  action: r.action as PoolActionKind,
  actor: r.actor as PoolActor,
  reason: r.reason as string,
  dryRun: flag(r.dry_run),
  ok: flag(r.ok),
  error: str(r.error),
});
export const toOwnership = (r: Row): PoolOwnershipRow => ({
  authIndex: r.auth_index as string,
  fileName: str(r.file_name),
  provider: r.provider as string,
  kind: r.kind as PoolOwnershipRow['kind'],
  reason: r.reason as string,
  window: str(r.window),
  disabledAtMs: r.disabled_ms as number,
  recoverAtMs: num(r.recover_at_ms),
  updatedAtMs: r.updated_ms as number,
});
