// CPA Manager Plus's own routes (its router.go, v1.12.2) answered locally in Plus's shapes, as adapters over
// cpamp's analytics and pool models. Registered in the store-routes scope, so these static paths win over
// the proxy's /v0/management/* wildcard and never reach CPA. An answer that lacks data cpamp does not keep
// says so in the X-Cpamp-Partial header (see partial.ts) instead of looking like "nothing to do".
import { upstreamOfKey } from '../pool/pool-key';
import type { PoolIssueRow } from '@cpamp/store';
import type { ServerStore } from '../server-store';
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ConnectionService } from '../connection';
import { ServerError } from '../errors';
import type { PoolService } from '../pool/pool-service';
import { plusDashboardSummary } from './dashboard-summary';
import { plusAccountHistory, plusAccountWindowUsage, plusHeaderSnapshots } from './monitoring-accounts';
import { plusAnalytics } from './monitoring-analytics';
import { plusCodexInspection } from './config-sections';
import { markPartial } from './partial';
import {
  AccountHistoryBody,
  AccountWindowUsageBody,
  CandidateIdParams,
  CandidateParams,
  CandidatesQuery,
  DashboardQuery,
  ExecuteActionsBody,
  HeaderSnapshotsQuery,
  PlusAnalyticsBody,
  QuotaSnapshotQueryBody,
  QuotaSnapshotWriteBody,
  RunIdParams,
  RunsQuery,
} from './plus-compat.schema';
import {
  candidateStatusFilter,
  plusCandidate,
  plusResult,
  plusRun,
  plusWindow,
  windowFromPlus,
} from './pool-compat';

export interface PlusCompatRoutesOptions {
  store: Pick<ServerStore, 'analytics' | 'events' | 'accounts' | 'pool'>;
  pool: PoolService;
  connection: Pick<ConnectionService, 'current'>;
  now: () => number;
}

const M = '/v0/management';
const CI = `${M}/codex-inspection`;
const AC = `${M}/account-action-candidates`;
interface ActionOutcome {
  resultId: number;
  accountKey?: string;
  fileName: string;
  displayAccount: string;
  action: string;
  status: 'success' | 'failed' | 'skipped';
  success: boolean;
  error?: string;
}

const NOT_CONFIGURED =
  'cpamp is not connected to CPA yet: finish setup (or set CPA_UPSTREAM_URL and CPA_MANAGEMENT_KEY) first.';

export default async function plusCompatRoutes(
  appBase: FastifyInstance,
  opts: PlusCompatRoutesOptions,
): Promise<void> {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const { store, pool, now } = opts;

  app.get(`${M}/dashboard/summary`, { schema: { querystring: DashboardQuery } }, async (request, reply) => {
    const q = request.query;
    const t = now();
    const answer = await plusDashboardSummary(
      store,
      {
        todayStartMs: q.today_start_ms,
        nowMs: q.now_ms || t,
        topModels: q.top_models || 5,
        recentFailures: q.recent_failures || 5,
      },
      t,
    );
    markPartial(reply, answer.partial);
    return answer.body;
  });

  app.post(`${M}/monitoring/analytics`, { schema: { body: PlusAnalyticsBody } }, async (request, reply) => {
    const answer = await plusAnalytics(store, request.body, now());
    markPartial(reply, answer.partial);
    return answer.body;
  });

  app.post(`${M}/monitoring/account-history`, { schema: { body: AccountHistoryBody } }, async (request) =>
    plusAccountHistory(store, request.body, now()),
  );

  app.post(
    `${M}/monitoring/account-window-usage`,
    { schema: { body: AccountWindowUsageBody } },
    async (request, reply) => {
      const body = request.body;
      if (body.windows.some((w) => w.model_scope !== undefined)) markPartial(reply, ['model_scope']);
      return plusAccountWindowUsage(store, body, now());
    },
  );

  app.get(
    `${M}/monitoring/header-snapshots`,
    { schema: { querystring: HeaderSnapshotsQuery } },
    async (request) => plusHeaderSnapshots(store, request.query, now()),
  );

  // Codex inspection = cpamp's pool inspection (all providers cpamp inspects, not only Codex).
  const detail = async (id: number) => {
    const run = await store.pool.getRun(id);
    if (!run)
      throw new ServerError(
        'not_found',
        `codex inspection run not found: no inspection run ${id}; list them with GET ${CI}/runs.`,
      );
    // Result ids are positions in a stable order (auth file name), so a resultId stays valid between calls.
    const key = (r: { fileName: string | null; authIndex: string }) => r.fileName ?? r.authIndex;
    const items = (await store.pool.listResults(id, { limit: 10_000, offset: 0 })).items.sort((a, b) =>
      key(a).localeCompare(key(b)),
    );
    const accounts = new Map(
      (await store.pool.listAccounts({ includeDeleted: true })).map((a) => [a.authIndex, a]),
    );
    return {
      run: plusRun(run, items, plusCodexInspection(pool)),
      results: items.map((r, i) => plusResult(r, i + 1, accounts.get(r.authIndex))),
      logs: [] as unknown[],
    };
  };

  app.post(`${CI}/run`, async (_request, reply) => {
    if (!opts.connection.current()) throw new ServerError('usage_service_not_configured', NOT_CONFIGURED);
    const started = await pool.startInspection({ trigger: 'manual' });
    if ('running' in started)
      throw new ServerError(
        'inspection_running',
        `Inspection run ${started.running} is still running; wait for it or cancel it (POST ${CI}/runs/${started.running}/cancel).`,
      );
    markPartial(reply, ['logs']);
    return detail(started.run.id);
  });

  app.get(`${CI}/runs`, { schema: { querystring: RunsQuery } }, async (request) => ({
    items: (await store.pool.listRuns(request.query.limit)).map((r) =>
      plusRun(r, [], plusCodexInspection(pool)),
    ),
  }));

  app.get(`${CI}/runs/:id`, { schema: { params: RunIdParams } }, async (request, reply) => {
    markPartial(reply, ['logs']);
    return detail(request.params.id);
  });

  app.post(`${CI}/runs/:id/cancel`, { schema: { params: RunIdParams } }, async (request, reply) => {
    const existing = await store.pool.getRun(request.params.id);
    if (!existing)
      throw new ServerError(
        'not_found',
        `codex inspection run not found: no inspection run ${request.params.id}.`,
      );
    if (existing.state !== 'running')
      throw new ServerError(
        'inspection_not_running',
        `codex inspection run cannot be cancelled: run ${existing.id} is ${existing.state}.`,
      );
    const run = (await pool.inspections.cancel(existing.id)) ?? existing;
    const active = pool.inspections.active();
    if (active && active.id === run.id) await active.done;
    markPartial(reply, ['logs']);
    return detail(run.id);
  });

  app.post(
    `${CI}/runs/:id/actions`,
    { schema: { params: RunIdParams, body: ExecuteActionsBody } },
    async (request, reply) => {
      if (!opts.connection.current()) throw new ServerError('usage_service_not_configured', NOT_CONFIGURED);
      const d = await detail(request.params.id);
      const ids = request.body.resultIds ?? [];
      if (ids.length === 0)
        throw new ServerError(
          'bad_request',
          'resultIds are required: pick results from GET ' + `${CI}/runs/${request.params.id}.`,
        );
      const overrides = new Map((request.body.actionOverrides ?? []).map((o) => [o.resultId, o.action]));
      const outcomes: ActionOutcome[] = [];
      for (const id of ids) {
        const r = d.results[id - 1];
        if (!r) {
          outcomes.push({
            resultId: id,
            fileName: '',
            displayAccount: '',
            action: '',
            status: 'failed',
            success: false,
            error: 'result not found',
          });
          continue;
        }
        const action = overrides.get(id) ?? r.action;
        const base = {
          resultId: id,
          accountKey: r.accountKey,
          fileName: r.fileName,
          displayAccount: r.displayAccount,
          action,
        };
        if ((action === 'disable' || action === 'enable') && r.fileName) {
          try {
            await pool.automation.userSetDisabled(r.fileName, action === 'disable');
            outcomes.push({ ...base, status: 'success', success: true });
          } catch (error) {
            outcomes.push({
              ...base,
              status: 'failed',
              success: false,
              error: error instanceof Error ? error.message : String(error),
            });
          }
        } else {
          // Deleting or re-authorising an auth file from an inspection result is done in the Accounts page.
          outcomes.push({
            ...base,
            status: 'skipped',
            success: false,
            error: `action ${action} is not run from inspection results in cpamp`,
          });
        }
      }
      markPartial(reply, ['logs', 'delete/reauth actions']);
      // cpamp keeps no action state per inspection result: the outcomes of this call are shown on the results
      // in this reply (the action log, GET /v0/management/pool/actions, keeps them).
      const after = await detail(request.params.id);
      const results = after.results.map((r) => {
        const o = outcomes.find((x) => x.resultId === r.id);
        return o
          ? {
              ...r,
              actionStatus: o.status,
              executedAction: o.success ? o.action : '',
              actionError: o.error ?? '',
            }
          : r;
      });
      return { outcomes, detail: { ...after, results } };
    },
  );

  // Account action candidates = cpamp's auth issues.
  /** A candidate with its account's email and the last failed request of that account as evidence. */
  const candidate = async (i: PoolIssueRow, reply: FastifyReply) => {
    const email = (await store.pool.getAccount(i.authIndex))?.email ?? null;
    const event =
      (
        await store.events.list(
          { authIndex: i.authIndex, status: 'failure', to: i.lastSeenMs + 1 },
          { limit: 1 },
        )
      ).events[0] ?? null;
    if (!event) markPartial(reply, ['evidence (no failed request recorded for the account)']);
    // The account's own CPA's policy (several CPAs: a CPA may override the global one).
    return plusCandidate(i, pool.policy(upstreamOfKey(i.authIndex)).autoDisableAuthIssues, email, event);
  };

  app.get(AC, { schema: { querystring: CandidatesQuery } }, async (request, reply) => {
    const q = request.query;
    const items = await store.pool.listIssues(candidateStatusFilter(q.status), q.limit);
    const pending = await store.pool.listIssues('open');
    return { items: await Promise.all(items.map((i) => candidate(i, reply))), pendingCount: pending.length };
  });

  const candidateAction = async (
    id: number,
    action: 'ignore' | 'resolve' | 'enable' | 'delete',
    reply: FastifyReply,
  ) => {
    if ((action === 'enable' || action === 'delete') && !opts.connection.current())
      throw new ServerError('usage_service_not_configured', NOT_CONFIGURED);
    const out = await pool.automation.issueAction(id, action);
    if (!out)
      throw new ServerError(
        'not_found',
        `account action candidate not found: no auth issue ${id}; list them with GET ${AC}.`,
      );
    const issue = await store.pool.getIssue(id);
    return { item: issue ? await candidate(issue, reply) : null };
  };
  app.post(`${AC}/:id/:action`, { schema: { params: CandidateParams } }, async (request, reply) =>
    candidateAction(request.params.id, request.params.action, reply),
  );
  app.delete(`${AC}/:id/auth-file`, { schema: { params: CandidateIdParams } }, async (request, reply) =>
    candidateAction(request.params.id, 'delete', reply),
  );

  // Quota snapshots = cpamp's quota windows per account (auth_index is the account key).
  app.post(`${M}/quota-snapshots`, { schema: { body: QuotaSnapshotWriteBody } }, async (request, reply) => {
    const t = now();
    const items = [];
    let dropped = false;
    for (const e of request.body.entries) {
      const authIndex = e.account.auth_index;
      if (!authIndex) {
        dropped = true;
        items.push({
          ...(e.row_key ? { row_key: e.row_key } : {}),
          account_key: '',
          provider: e.provider,
          inserted_count: 0,
        });
        continue;
      }
      await store.pool.recordWindows(
        authIndex,
        e.windows.map((w) => windowFromPlus(w, t)),
      );
      items.push({
        ...(e.row_key ? { row_key: e.row_key } : {}),
        account_key: `cpamp:auth-index:${authIndex}`,
        provider: e.provider,
        inserted_count: e.windows.length,
      });
    }
    markPartial(reply, [
      'cycles',
      'model scopes',
      'removed_windows',
      ...(dropped ? ['entries without account.auth_index'] : []),
    ]);
    return { observed_at_ms: t, items };
  });

  app.post(
    `${M}/quota-snapshots/query`,
    { schema: { body: QuotaSnapshotQueryBody } },
    async (request, reply) => {
      const t = request.body.now_ms || now();
      const items = await Promise.all(
        request.body.accounts.map(async (a) => {
          const authIndex = a.account.auth_index;
          const windows = authIndex ? await store.pool.windows(authIndex) : [];
          const plan = authIndex ? ((await store.pool.getAccount(authIndex))?.plan ?? null) : null;
          return {
            row_key: a.row_key,
            account_key: authIndex ? `cpamp:auth-index:${authIndex}` : '',
            provider: a.provider,
            windows: windows.map((w, i) => plusWindow(w, t, i + 1, plan)),
          };
        }),
      );
      markPartial(reply, ['cycle history', 'field_sources', 'model scopes', 'provider_window_aliases']);
      return { generated_at_ms: now(), items };
    },
  );
}
