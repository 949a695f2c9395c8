// The HTTP shapes of the account-pool API (docs/reference/http-api.md) and what the pool services share.
import type { PoolRepository } from '@cpamp/store';
import type { AlertSignal } from '../alerts/signal-bus';
import type { PoolPolicy } from './policy';
import type { PoolCpa } from './cpa-port';

export type PoolAccountRow = NonNullable<ReturnType<PoolRepository['getAccount']>>;
export type PoolWindowRow = ReturnType<PoolRepository['windows']>[number];
export type PoolRunRow = NonNullable<ReturnType<PoolRepository['getRun']>>;
export type PoolResultRow = ReturnType<PoolRepository['resultsFor']>[number];
export type PoolIssueRow = NonNullable<ReturnType<PoolRepository['getIssue']>>;
export type PoolActionRow = ReturnType<PoolRepository['logAction']>;
export type PoolOwnershipRow = NonNullable<ReturnType<PoolRepository['getOwnership']>>;

export type QuotaWindow = {
  window: string;
  usedPercent: number | null;
  remainingPercent: number | null;
  resetAtMs: number | null;
  source: 'inspection' | 'response-header';
  observedAtMs: number;
};
export type AccountStatus = 'active' | 'disabled' | 'cooldown' | 'auth-issue' | 'unknown';
export const ACCOUNT_STATUSES: readonly AccountStatus[] = ['active', 'disabled', 'cooldown', 'auth-issue', 'unknown'];
export type InspectionResultKind = 'ok' | 'unauthorized' | 'exhausted' | 'banned' | 'error';
export type UsageNumbers = { requests: number; tokens: number; costMicros: number };
export type PoolAccount = {
  authIndex: string;
  fileName: string | null;
  provider: string;
  email: string | null;
  plan: string | null;
  status: AccountStatus;
  disabledBy: 'cpamp' | 'user' | null;
  windows: QuotaWindow[];
  lastInspection: { atMs: number; result: InspectionResultKind } | null;
  usage24h: { requests: number; failures: number; tokens: number; costMicros: number };
  burnPerHour: UsageNumbers;
  exhaustAtMs: number | null;
  valueMicros: number;
};
export type InspectionRun = {
  id: number;
  trigger: 'manual' | 'schedule';
  state: 'running' | 'done' | 'cancelled' | 'failed';
  startedAtMs: number;
  finishedAtMs: number | null;
  total: number;
  done: number;
  dryRun: boolean;
  counts: Record<InspectionResultKind, number>;
};
export type InspectionResult = {
  runId: number;
  authIndex: string;
  fileName: string | null;
  provider: string;
  result: InspectionResultKind;
  httpStatus: number | null;
  detail: string;
  windows: QuotaWindow[];
  suggestedAction: 'none' | 'disable' | 'enable' | 'delete' | 'reauth';
  atMs: number;
};
export type AuthIssue = PoolIssueRow;
export type ActionLogEntry = PoolActionRow;
export type ProviderForecast = {
  provider: string;
  plan: string | null;
  accounts: number;
  active: number;
  exhausted: number;
  burnPerHour: UsageNumbers;
  windows: { window: string; avgUsedPercent: number | null; minRemainingPercent: number | null; nextResetAtMs: number | null }[];
  exhaustAtMs: number | null;
  nextResetAtMs: number | null;
  verdict: 'ok' | 'at-risk' | 'exhausts-before-reset' | 'no-data';
  message: string;
};

export const toQuotaWindow = (w: PoolWindowRow): QuotaWindow => ({
  window: w.window,
  usedPercent: w.usedPercent,
  remainingPercent: w.remainingPercent,
  resetAtMs: w.resetAtMs,
  source: w.source,
  observedAtMs: w.observedAtMs,
});
export const toRun = (r: PoolRunRow): InspectionRun => ({
  id: r.id,
  trigger: r.trigger,
  state: r.state,
  startedAtMs: r.startedAtMs,
  finishedAtMs: r.finishedAtMs,
  total: r.total,
  done: r.done,
  dryRun: r.dryRun,
  counts: r.counts,
});
export const toResult = (r: PoolResultRow): InspectionResult => ({ ...r, windows: r.windows.map(toQuotaWindow) });

export interface PoolLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What the pool services share. */
export interface PoolDeps {
  repo: PoolRepository;
  /** The CPA client for the current connection, or null before setup. */
  cpa(): PoolCpa | null;
  now(): number;
  policy(): PoolPolicy;
  emit(signal: AlertSignal): void;
  publish(payload: unknown): void;
  logger: PoolLogger;
  /**
   * Something the views show changed: 'state' (actions, issues, ownership), 'data' (results, windows,
   * accounts), 'soft' (traffic evidence: rebuilt lazily).
   */
  invalidate(kind: 'state' | 'data' | 'soft'): void;
}
