/** Row shapes of the account-pool repository. Times are epoch ms. */

export type PoolWindowSource = 'inspection' | 'response-header';
export type PoolInspectionResultKind = 'ok' | 'unauthorized' | 'exhausted' | 'banned' | 'error';
export type PoolSuggestedAction = 'none' | 'disable' | 'enable' | 'delete' | 'reauth';
export type PoolIssueKind = 'unauthorized' | 'expired' | 'banned' | 'exhausted';
export type PoolIssueState = 'open' | 'ignored' | 'resolved';
export type PoolActionKind = 'disable' | 'enable' | 'delete';
export type PoolActor = 'cpamp' | 'user';
export type PoolRunState = 'running' | 'done' | 'cancelled' | 'failed';

/** What the pool last saw of one CPA auth file. */
export interface PoolAccountRow {
  authIndex: string;
  fileName: string | null;
  provider: string;
  email: string | null;
  plan: string | null;
  chatgptAccountId: string | null;
  disabled: boolean;
  cpaStatus: string | null;
  statusMessage: string | null;
  lastInspectionMs: number | null;
  lastResult: PoolInspectionResultKind | null;
  syncedMs: number;
  deletedMs: number | null;
}

export type PoolAccountSnapshot = Omit<PoolAccountRow, 'lastInspectionMs' | 'lastResult' | 'syncedMs' | 'deletedMs'>;

export interface PoolWindowRow {
  window: string;
  usedPercent: number | null;
  remainingPercent: number | null;
  resetAtMs: number | null;
  windowSeconds: number | null;
  source: PoolWindowSource;
  observedAtMs: number;
}

export interface PoolWindowPoint {
  authIndex: string;
  window: string;
  usedPercent: number;
  resetAtMs: number | null;
  tMs: number;
}

export interface PoolRunRow {
  id: number;
  trigger: 'manual' | 'schedule';
  state: PoolRunState;
  startedAtMs: number;
  finishedAtMs: number | null;
  total: number;
  done: number;
  dryRun: boolean;
  counts: Record<PoolInspectionResultKind, number>;
  error: string | null;
  /** The CPA the run probed; null for a run over several or every CPA (and every run before migration 0027). */
  upstream: string | null;
}

export interface PoolResultRow {
  runId: number;
  authIndex: string;
  fileName: string | null;
  provider: string;
  result: PoolInspectionResultKind;
  httpStatus: number | null;
  detail: string;
  windows: PoolWindowRow[];
  suggestedAction: PoolSuggestedAction;
  atMs: number;
}

export interface PoolIssueRow {
  id: number;
  authIndex: string;
  fileName: string | null;
  provider: string;
  issue: PoolIssueKind;
  detail: string;
  firstSeenMs: number;
  lastSeenMs: number;
  count: number;
  state: PoolIssueState;
}

export interface PoolActionRow {
  id: number;
  atMs: number;
  authIndex: string;
  fileName: string | null;
  action: PoolActionKind;
  actor: PoolActor;
  reason: string;
  dryRun: boolean;
  ok: boolean;
  error: string | null;
}

/** A disable cpamp made itself (quota cooldown or auth issue); only these are restored automatically. */
export interface PoolOwnershipRow {
  authIndex: string;
  fileName: string | null;
  provider: string;
  kind: 'quota' | 'auth-issue';
  reason: string;
  window: string | null;
  disabledAtMs: number;
  recoverAtMs: number | null;
  updatedAtMs: number;
}

/** A usage row that carried rate-limit headers or a failure body (quota / auth evidence). */
export interface PoolEvidenceRow {
  eventId: number;
  timestampMs: number;
  authIndex: string;
  /** The CPA the event came from ('default' for the single CPA_UPSTREAM_URL one). */
  upstream: string;
  provider: string;
  statusCode: number;
  failed: boolean;
  headers: Record<string, string> | null;
  failBody: string | null;
}

export interface PoolRetention {
  /** Window history older than this is deleted (default 14 days). */
  historyDays?: number;
  /** At most this many history rows are kept (default 500,000). */
  historyMaxRows?: number;
  /** Inspection runs beyond the newest N are deleted with their results (default 30). */
  keepRuns?: number;
  /** Actions older than this are deleted (default 90 days). */
  actionDays?: number;
  /** Resolved issues older than this are deleted (default 30 days). */
  resolvedIssueDays?: number;
}
