import { z } from 'zod';
import type { ManagerClient } from './manager-client';
import type { SignalOptions as Opts } from './management-client';

// The cpamp server's account-pool API (/v0/management/pool/*, docs/reference/http-api.md). Loose objects: the panel reads
// what it shows and tolerates fields added later.

// The server's one status model (packages/server/src/pool/account-status.ts), in its order.
export const ACCOUNT_STATUSES = ['active', 'cooldown', 'exhausted', 'disabled_by_user', 'disabled_by_cpamp', 'expired', 'unauthorized', 'banned', 'error'] as const;
export const RESULT_KINDS = ['ok', 'unauthorized', 'exhausted', 'banned', 'error'] as const;
export const ACCOUNT_SORTS = ['exhaust', 'usage', 'value', 'name'] as const;
export const ISSUE_STATES = ['open', 'ignored', 'resolved'] as const;
export const ISSUE_ACTIONS = ['ignore', 'resolve', 'enable', 'disable', 'delete'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];
export type ResultKind = (typeof RESULT_KINDS)[number];
export type AccountSort = (typeof ACCOUNT_SORTS)[number];
export type IssueState = (typeof ISSUE_STATES)[number];
export type IssueAction = (typeof ISSUE_ACTIONS)[number];

const num = z.number();
const nnum = z.number().nullable();
// Unknown enum values from a newer server degrade to a plain string instead of failing the page.
const str = z.string();

export const QuotaWindowSchema = z.looseObject({
  window: str,
  usedPercent: nnum,
  remainingPercent: nnum,
  resetAtMs: nnum,
  source: str.optional(),
  observedAtMs: num.optional(),
});
export type QuotaWindow = z.output<typeof QuotaWindowSchema>;

const Burn = z.looseObject({ requests: num, tokens: num, costMicros: num });

export const PoolAccountSchema = z.looseObject({
  authIndex: str,
  fileName: str.nullable(),
  provider: str,
  email: str.nullable(),
  plan: str.nullable(),
  status: str,
  accountKey: str.optional(),
  usage7d: z.looseObject({ requests: num, failures: num, tokens: num, costMicros: num }).optional(),
  lastSeenMs: nnum.optional(),
  owner: str.nullable().optional(),
  untilMs: nnum.optional(),
  evidence: z.array(z.looseObject({ source: str, fact: str, detail: str, atMs: nnum })).optional(),
  disabledBy: str.nullable(),
  windows: z.array(QuotaWindowSchema),
  lastInspection: z.looseObject({ atMs: num, result: str }).nullable(),
  usage24h: z.looseObject({ requests: num, failures: num, tokens: num, costMicros: num }),
  burnPerHour: Burn,
  exhaustAtMs: nnum,
  emptyUntilMs: nnum.optional().default(null),
  valueMicros: num,
});
export type PoolAccount = z.output<typeof PoolAccountSchema>;

const Counts = z.record(z.string(), num);

export const InspectionRunSchema = z.looseObject({
  id: num,
  trigger: str,
  state: str,
  startedAtMs: num,
  finishedAtMs: nnum,
  total: num,
  done: num,
  dryRun: z.boolean(),
  counts: Counts,
});
export type InspectionRun = z.output<typeof InspectionRunSchema>;

export const InspectionResultSchema = z.looseObject({
  runId: num,
  authIndex: str,
  fileName: str.nullable(),
  provider: str,
  result: str,
  httpStatus: nnum,
  detail: str,
  windows: z.array(QuotaWindowSchema),
  suggestedAction: str,
  atMs: num,
  /** The account's CPA (a newer server). */
  upstream: str.optional(),
});
export type InspectionResult = z.output<typeof InspectionResultSchema>;

export const AuthIssueSchema = z.looseObject({
  id: num,
  authIndex: str,
  fileName: str.nullable(),
  provider: str,
  issue: str,
  detail: str,
  firstSeenMs: num,
  lastSeenMs: num,
  count: num,
  state: str,
});
export type AuthIssue = z.output<typeof AuthIssueSchema>;

export const ActionLogEntrySchema = z.looseObject({
  id: num,
  atMs: num,
  authIndex: str,
  fileName: str.nullable(),
  action: str,
  actor: str,
  reason: str,
  dryRun: z.boolean(),
  ok: z.boolean(),
  error: str.nullable(),
});
export type ActionLogEntry = z.output<typeof ActionLogEntrySchema>;

export const PoolPolicySchema = z.looseObject({
  autoDisableOnExhaustion: z.boolean(),
  autoRestoreAtReset: z.boolean(),
  authIssueQueue: z.boolean(),
  autoDisableAuthIssues: z.boolean(),
  dryRun: z.boolean(),
  inspectionIntervalMinutes: num,
  inspectionConcurrency: num,
  inspectionProviders: z.array(str),
});
export type PoolPolicy = z.output<typeof PoolPolicySchema>;

export const ProviderForecastSchema = z.looseObject({
  provider: str,
  plan: str.nullable(),
  accounts: num,
  active: num,
  exhausted: num,
  burnPerHour: Burn,
  windows: z.array(z.looseObject({ window: str, avgUsedPercent: nnum, minRemainingPercent: nnum, nextResetAtMs: nnum })),
  exhaustAtMs: nnum,
  dryAtMs: nnum.optional().default(null),
  nextResetAtMs: nnum,
  emptyUntilMs: nnum.optional().default(null),
  bindingWindow: str.nullable().optional().default(null),
  verdict: str,
  reason: str.optional().default('no-data'),
  message: str,
});
export type ProviderForecast = z.output<typeof ProviderForecastSchema>;

export const SeriesPointSchema = z.looseObject({ tMs: num, remainingPercent: nnum, projected: z.boolean() });
export type SeriesPoint = z.output<typeof SeriesPointSchema>;

const OverviewSchema = z.looseObject({
  generatedAtMs: num,
  counts: Counts,
  providers: z.array(ProviderForecastSchema),
  series: z.array(z.looseObject({ provider: str, plan: str.nullable().optional().default(null), points: z.array(SeriesPointSchema) })),
});
export type PoolOverview = z.output<typeof OverviewSchema>;

const AccountsSchema = z.looseObject({ items: z.array(PoolAccountSchema), nextCursor: str.nullable(), total: num });
export type AccountPage = z.output<typeof AccountsSchema>;

const AccountDetailSchema = z.looseObject({
  account: PoolAccountSchema,
  windowHistory: z.array(z.looseObject({ window: str, points: z.array(z.looseObject({ tMs: num, usedPercent: num })) })),
  actions: z.array(ActionLogEntrySchema),
  inspections: z.array(InspectionResultSchema),
});
export type AccountDetail = z.output<typeof AccountDetailSchema>;

const RunEnvelope = z.looseObject({ run: InspectionRunSchema });
const RunsSchema = z.looseObject({ items: z.array(InspectionRunSchema) });
// A run over every CPA (several CPAs): each CPA's result count and counts by kind.
const RunCpaSchema = z.looseObject({ name: str, total: num, counts: z.record(z.string(), num) });
const RunDetailSchema = z.looseObject({ run: InspectionRunSchema, results: z.array(InspectionResultSchema), total: num, upstreams: z.array(RunCpaSchema).optional() });
export type RunDetail = z.output<typeof RunDetailSchema>;
const IssuesSchema = z.looseObject({ items: z.array(AuthIssueSchema) });
const IssueActionSchema = z.looseObject({ issue: AuthIssueSchema, action: ActionLogEntrySchema.nullable() });
const ActionsSchema = z.looseObject({ items: z.array(ActionLogEntrySchema), nextCursor: str.nullable() });
export type ActionPage = z.output<typeof ActionsSchema>;
const PolicyEnvelopeSchema = z.looseObject({ policy: PoolPolicySchema, locked: z.record(z.string(), z.string()) });
export type PolicyEnvelope = z.output<typeof PolicyEnvelopeSchema>;

/** SSE 'pool' payloads: inspection progress, or `{ type: 'action', action }` for an automation/user action. */
export const ProgressEventSchema = z.looseObject({ type: z.literal('inspection-progress'), run: InspectionRunSchema });

export interface AccountQuery {
  provider?: string;
  status?: string;
  plan?: string;
  q?: string;
  sort?: AccountSort;
  limit?: number;
  cursor?: string | null;
}

const P = '/pool';
const seg = encodeURIComponent;

export const getOverview = (c: ManagerClient, o: Opts = {}) => c.json('GET', `${P}/overview`, OverviewSchema, o);
export const listAccounts = (c: ManagerClient, q: AccountQuery, o: Opts = {}) =>
  c.json('GET', `${P}/accounts`, AccountsSchema, {
    query: { provider: q.provider || undefined, status: q.status || undefined, plan: q.plan || undefined, q: q.q || undefined, sort: q.sort, limit: q.limit, cursor: q.cursor ?? undefined },
    ...o,
  });
export const getAccount = (c: ManagerClient, authIndex: string, o: Opts = {}) =>
  c.json('GET', `${P}/accounts/${seg(authIndex)}`, AccountDetailSchema, o);

export const startInspection = (c: ManagerClient, body: { provider?: string; authIndexes?: string[]; dryRun?: boolean }) =>
  c.json('POST', `${P}/inspections`, RunEnvelope, { body });
export const listInspections = (c: ManagerClient, limit = 20, o: Opts = {}) =>
  c.json('GET', `${P}/inspections`, RunsSchema, { query: { limit }, ...o });
export const getInspection = (c: ManagerClient, id: number, q: { result?: string; limit?: number; offset?: number }, o: Opts = {}) =>
  c.json('GET', `${P}/inspections/${id}`, RunDetailSchema, { query: { result: q.result || undefined, limit: q.limit, offset: q.offset }, ...o });
export const cancelInspection = (c: ManagerClient, id: number) => c.json('POST', `${P}/inspections/${id}/cancel`, RunEnvelope);

export const listIssues = (c: ManagerClient, state: IssueState, o: Opts = {}) =>
  c.json('GET', `${P}/issues`, IssuesSchema, { query: { state }, ...o });
export const actOnIssue = (c: ManagerClient, id: number, action: IssueAction) =>
  c.json('POST', `${P}/issues/${id}/${action}`, IssueActionSchema);

export const listActions = (c: ManagerClient, q: { limit?: number; cursor?: string | null }, o: Opts = {}) =>
  c.json('GET', `${P}/actions`, ActionsSchema, { query: { limit: q.limit, cursor: q.cursor ?? undefined }, ...o });

export const getPolicy = (c: ManagerClient, o: Opts = {}) => c.json('GET', `${P}/policy`, PolicyEnvelopeSchema, o);
export const putPolicy = (c: ManagerClient, patch: Partial<PoolPolicy>) => c.json('PUT', `${P}/policy`, PolicyEnvelopeSchema, { body: patch });

/** Applies a run's suggestions (disable / enable / delete) as the admin's decision; dry run only logs. */
export const applyRunSuggestions = (c: ManagerClient, runId: number, body: { actions?: string[]; dryRun?: boolean }) =>
  c.json('POST', `${P}/inspections/${runId}/apply`, z.looseObject({ applied: num, failed: num, skipped: num }), { body });
