// The HTTP shapes of the account-pool API (docs/reference/http-api.md) and what the pool services share.
import { upstreamOfKey } from './pool-key';
import type { EventsRepository, PoolRepository, SettingsRepository } from '@cpamp/store';
import type { AlertSignal } from '../alerts/signal-bus';
import type { PoolPolicy } from './policy';
import type { PoolCpa } from './cpa-port';
import type { ForecastReason, PoolVerdict } from './forecast';
import { ACCOUNT_STATES, type AccountState, type AccountStateOwner, type StatusEvidence } from './account-status';

export type {
  PoolAccountRow,
  PoolWindowRow,
  PoolRunRow,
  PoolResultRow,
  PoolIssueRow,
  PoolActionRow,
  PoolOwnershipRow,
} from '@cpamp/store';
import type { PoolActionRow, PoolIssueRow, PoolResultRow, PoolRunRow, PoolWindowRow } from '@cpamp/store';

export type QuotaWindow = {
  window: string;
  usedPercent: number | null;
  remainingPercent: number | null;
  resetAtMs: number | null;
  source: 'inspection' | 'response-header';
  observedAtMs: number;
};
// One status model for every page, route, alert and metric (account-status.ts).
export type AccountStatus = AccountState;
export const ACCOUNT_STATUSES: readonly AccountStatus[] = ACCOUNT_STATES;
export type InspectionResultKind = 'ok' | 'unauthorized' | 'exhausted' | 'banned' | 'error';
export type UsageNumbers = { requests: number; tokens: number; costMicros: number };
export type PoolAccount = {
  /** The pool's key: CPA's auth_index, prefixed `<upstream>~` for a CPA other than the default one (pool-key.ts). */
  authIndex: string;
  /** The CPA the account lives in ('default' for the single CPA_UPSTREAM_URL one). */
  upstream: string;
  fileName: string | null;
  provider: string;
  email: string | null;
  plan: string | null;
  status: AccountStatus;
  /** Who holds the disable or cooldown (cpamp, the user, or CPA's own back-off). */
  owner: AccountStateOwner | null;
  /** End of a cooldown or an exhaustion, when known. */
  untilMs: number | null;
  /** The facts behind `status`, strongest first. */
  evidence: StatusEvidence[];
  disabledBy: 'cpamp' | 'user' | null;
  windows: QuotaWindow[];
  lastInspection: { atMs: number; result: InspectionResultKind } | null;
  /** Canonical identity (upstream/provider/account id|email): usage and costs of every auth_index it had. */
  accountKey: string;
  usage24h: { requests: number; failures: number; tokens: number; costMicros: number };
  usage7d: { requests: number; failures: number; tokens: number; costMicros: number };
  /** Newest usage record of the account in the last 7 days. */
  lastSeenMs: number | null;
  burnPerHour: UsageNumbers;
  exhaustAtMs: number | null;
  /** An exhausted account: when its full windows reset (null when not exhausted or no reset known). */
  emptyUntilMs: number | null;
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
  /** The CPA the run probed; null when it covered several or every CPA. */
  upstream: string | null;
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
  /** The account's CPA (read off its pool key). */
  upstream: string;
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
  /** When the pool runs dry before capacity comes back (watch / at-risk); never in the past. */
  exhaustAtMs: number | null;
  /** When it would run dry at the current pace ignoring resets (reset-first: after nextResetAtMs). */
  dryAtMs: number | null;
  nextResetAtMs: number | null;
  /** Empty pools: when the first account comes back. */
  emptyUntilMs: number | null;
  bindingWindow: string | null;
  verdict: PoolVerdict;
  reason: ForecastReason;
  /** The card's sentence in English (the panel builds its own from the fields above). */
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
  upstream: r.upstream ?? null,
});
export const toResult = (r: PoolResultRow): InspectionResult => ({ ...r, windows: r.windows.map(toQuotaWindow), upstream: upstreamOfKey(r.authIndex) });

export interface PoolLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What the pool services share. */
export interface PoolDeps {
  repo: PoolRepository;
  /** Pool settings live in the store's settings under `pool.` keys. */
  settings: SettingsRepository;
  /** The event log, read after a watermark for quota and auth evidence. */
  events: Pick<EventsRepository, 'maxId' | 'evidenceAfter'>;
  /** The port of the CPA a pool key belongs to (pool-key.ts; none: the default CPA), or null when not connected. */
  cpa(key?: string): PoolCpa | null;
  now(): number;
  /** The policy of CPA `upstream` (its own fields over the global policy); none or 'default': the global one. */
  policy(upstream?: string): PoolPolicy;
  emit(signal: AlertSignal): void;
  publish(payload: unknown): void;
  logger: PoolLogger;
  /**
   * Something the views show changed: 'state' (actions, issues, ownership), 'data' (results, windows,
   * accounts), 'soft' (traffic evidence: rebuilt lazily).
   */
  invalidate(kind: 'state' | 'data' | 'soft'): void;
}

/** How each CPA's accounts fared in a run over every CPA: per CPA, its result count and the count of each kind. */
export type RunUpstreamCounts = { name: string; total: number; counts: Record<InspectionResultKind, number> };

export function resultsPerUpstream(rows: readonly { upstream: string; result: InspectionResultKind; n: number }[]): RunUpstreamCounts[] {
  const out = new Map<string, RunUpstreamCounts>();
  for (const r of rows) {
    let u = out.get(r.upstream);
    if (!u) out.set(r.upstream, (u = { name: r.upstream, total: 0, counts: { ok: 0, unauthorized: 0, exhausted: 0, banned: 0, error: 0 } }));
    u.total += r.n;
    u.counts[r.result] += r.n;
  }
  return [...out.values()];
}
