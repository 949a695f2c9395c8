// Account-pool routes (docs/reference/http-api.md) and Plus's automation routes
// (/usage-service/account-processing-policy, /usage-service/quota-cooldowns). Admin auth (the default).
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ServerStore } from '../server-store';
import type { ConnectionService } from '../connection';
import { ServerError } from '../errors';
import { applySuggestions, BULK_ACTIONS } from '../pool/apply-suggestions';
import { PoolPolicyEditSchema } from '../pool/policy';
import type { PoolService } from '../pool/pool-service';
import { resultsPerUpstream, toResult, toRun } from '../pool/types';
import { ACCOUNT_STATES } from '../pool/account-status';
import { pageAccounts } from '../pool/views';
import { cooldownEvidence } from '../plus-compat/pool-compat';
import { upstreamOfKey } from '../pool/pool-key';
import { requestedUpstream } from '../upstreams/upstream-set';

const RESULT_KINDS = ['ok', 'unauthorized', 'exhausted', 'banned', 'error'] as const;
const intQ = (min: number, max: number, def: number) => z.coerce.number().int().min(min).max(max).default(def);
/** Several CPAs: one CPA's pool (checked against the configured names by scopeOf). */
const upstreamQ = z.string().trim().min(1).max(64).optional();

const AccountsQuery = z.object({
  provider: z.string().trim().min(1).max(40).optional(),
  status: z.enum(ACCOUNT_STATES).optional(),
  plan: z.string().trim().min(1).max(60).optional(),
  q: z.string().max(200).optional(),
  sort: z.enum(['exhaust', 'usage', 'value', 'name']).default('exhaust'),
  limit: intQ(1, 500, 100),
  cursor: z.string().regex(/^\d{1,9}$/, { message: 'cursor must be a nextCursor value from a previous page' }).optional(),
  upstream: upstreamQ,
});
const AuthIndexParams = z.object({ authIndex: z.string().min(1).max(200) });
const IdParams = z.object({ id: z.coerce.number().int().min(1) });
const InspectionBody = z
  .object({
    provider: z.string().trim().min(1).max(40).optional(),
    authIndexes: z.array(z.string().min(1).max(200)).min(1).max(10_000).optional(),
    dryRun: z.boolean().optional(),
  })
  .strict()
  .default({});
const ApplyBody = z
  .object({
    actions: z.array(z.enum(BULK_ACTIONS as unknown as ['disable', 'enable', 'delete'])).min(1).max(3).optional(),
    authIndexes: z.array(z.string().min(1).max(200)).min(1).max(10_000).optional(),
    dryRun: z.boolean().optional(),
  })
  .strict()
  .default({});
const RunsQuery = z.object({ limit: intQ(1, 200, 20), upstream: upstreamQ });
const PolicyQuery = z.object({ upstream: upstreamQ });
const ResultsQuery = z.object({ result: z.enum(RESULT_KINDS).optional(), limit: intQ(1, 1000, 100), offset: intQ(0, 10_000_000, 0), upstream: upstreamQ });
const IssuesQuery = z.object({ state: z.enum(['open', 'ignored', 'resolved']).optional(), upstream: upstreamQ });
const IssueActionParams = z.object({ id: z.coerce.number().int().min(1), action: z.enum(['ignore', 'resolve', 'enable', 'disable', 'delete']) });
const ActionsQuery = z.object({
  limit: intQ(1, 500, 100),
  cursor: z.string().regex(/^\d{1,15}$/, { message: 'cursor must be a nextCursor value from a previous page' }).optional(),
  upstream: upstreamQ,
});
const PlusPolicyPatch = z
  .object({ codexQuotaCooldownEnabled: z.boolean(), authIssueQueueEnabled: z.boolean(), authIssueAutoDisableEnabled: z.boolean() })
  .partial()
  .strict();

function locked(field: string, env: string, code: 'setting_locked' | 'account_processing_policy_env_locked' = 'setting_locked'): ServerError {
  return new ServerError(code, `The policy field ${field} is set by the environment variable ${env} and cannot be changed here; change or unset ${env} and restart cpamp.`);
}

export interface PoolRoutesOptions {
  pool: PoolService;
  store: Pick<ServerStore, 'pool'>;
  connection: Pick<ConnectionService, 'current'>;
  now: () => number;
}

export default async function poolRoutes(appBase: FastifyInstance, opts: PoolRoutesOptions): Promise<void> {
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const base = '/v0/management/pool';
  /**
   * Several CPAs: the CPA a request is about (X-Cpamp-Upstream header or ?upstream=, as the proxy reads it;
   * the panel sends the switcher's CPA), or undefined for every CPA.
   */
  const scopeOf = (request: FastifyRequest): string | undefined => {
    const name = requestedUpstream(request);
    if (name === null) return undefined;
    const names = opts.pool.upstreams();
    if (!names.includes(name)) throw new ServerError('upstream_unknown', `No upstream is named "${name.slice(0, 64)}": use one of ${names.join(', ')} (X-Cpamp-Upstream header or ?upstream=).`);
    return name;
  };
  const inScope = (scope: string | undefined, key: string) => scope === undefined || upstreamOfKey(key) === scope;

  app.get(`${base}/overview`, async (request) => {
    const s = await opts.pool.snapshot(scopeOf(request));
    return { generatedAtMs: s.generatedAtMs, counts: s.counts, providers: s.providers, series: s.series };
  });

  app.get(`${base}/accounts`, { schema: { querystring: AccountsQuery } }, async (request) => {
    const q = request.query;
    const page = pageAccounts(await opts.pool.snapshot(scopeOf(request)), {
      ...(q.provider ? { provider: q.provider } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...(q.plan ? { plan: q.plan } : {}),
      ...(q.q ? { q: q.q } : {}),
      sort: q.sort,
      limit: q.limit,
      offset: q.cursor ? Number(q.cursor) : 0,
    });
    return { items: page.items, nextCursor: page.nextOffset === null ? null : String(page.nextOffset), total: page.total };
  });

  app.get(`${base}/accounts/:authIndex`, { schema: { params: AuthIndexParams } }, async (request) => {
    const s = opts.pool;
    const { authIndex } = request.params;
    const account = (await s.snapshot()).byIndex.get(authIndex);
    if (!account) throw new ServerError('not_found', `No pool account with auth_index ${authIndex}; list them with GET ${base}/accounts (run an inspection or wait for the next sync if it is new).`);
    const repo = opts.store.pool;
    const byWindow = new Map<string, { tMs: number; usedPercent: number }[]>();
    // History follows the account: every auth_index with the same canonical key (a re-login, a renamed file).
    const ids = await repo.identities();
    const siblings = [...ids].filter(([, k]) => k === account.accountKey).map(([i]) => i);
    const since = opts.now() - 7 * 86_400_000;
    const points = siblings.length > 1 ? (await Promise.all(siblings.map((i) => repo.windowHistory(i, since)))).flat().sort((a, b) => a.tMs - b.tMs) : await repo.windowHistory(authIndex, since);
    for (const p of points) {
      const list = byWindow.get(p.window) ?? [];
      list.push({ tMs: p.tMs, usedPercent: p.usedPercent });
      byWindow.set(p.window, list);
    }
    return {
      account,
      windowHistory: [...byWindow].map(([window, points]) => ({ window, points })),
      actions: siblings.length > 1 ? (await Promise.all(siblings.map((i) => repo.listActions({ limit: 50, authIndex: i })))).flat().sort((a, b) => b.atMs - a.atMs).slice(0, 50) : await repo.listActions({ limit: 50, authIndex }),
      inspections: (await repo.resultsFor(authIndex, 20)).map(toResult),
    };
  });

  app.post(`${base}/inspections`, { schema: { body: InspectionBody } }, async (request, reply) => {
    const s = opts.pool;
    if (!opts.connection.current()) throw new ServerError('usage_service_not_configured', 'cpamp is not connected to CPA yet: finish setup (or set CPA_UPSTREAM_URL and CPA_MANAGEMENT_KEY) before inspecting accounts.');
    const body = request.body ?? {};
    const scope = scopeOf(request);
    const started = await s.startInspection({
      trigger: 'manual',
      ...(scope ? { upstream: scope } : {}),
      ...(body.provider ? { provider: body.provider } : {}),
      ...(body.authIndexes ? { authIndexes: body.authIndexes } : {}),
      ...(body.dryRun !== undefined ? { dryRun: body.dryRun } : {}),
    });
    if ('running' in started) {
      throw new ServerError('inspection_running', `Inspection run ${started.running} is still running; wait for it or cancel it (POST ${base}/inspections/${started.running}/cancel).`);
    }
    return reply.status(202).send({ run: toRun(started.run) });
  });

  app.get(`${base}/inspections`, { schema: { querystring: RunsQuery } }, async (request) => {
    // One CPA: its own runs and the runs over every CPA (which probed it too).
    const scope = scopeOf(request);
    return { items: (await opts.store.pool.listRuns(request.query.limit, scope ? { upstream: scope } : {})).map(toRun) };
  });

  app.get(`${base}/inspections/:id`, { schema: { params: IdParams, querystring: ResultsQuery } }, async (request) => {
    const repo = opts.store.pool;
    const run = await repo.getRun(request.params.id);
    if (!run) throw new ServerError('not_found', `No inspection run ${request.params.id}; list runs with GET ${base}/inspections.`);
    // One CPA named: its accounts' results; a run over every CPA also says how each CPA's accounts fared.
    const scope = scopeOf(request);
    const { items, total } = await repo.listResults(run.id, { ...(request.query.result ? { result: request.query.result } : {}), limit: request.query.limit, offset: request.query.offset, ...(scope ? { upstream: scope } : {}) });
    const upstreams = run.upstream === null && opts.pool.upstreams().length > 1 ? resultsPerUpstream(await repo.resultCountsByUpstream(run.id)) : undefined;
    return { run: toRun(run), results: items.map(toResult), total, ...(upstreams ? { upstreams } : {}) };
  });

  app.post(`${base}/inspections/:id/cancel`, { schema: { params: IdParams } }, async (request) => {
    const s = opts.pool;
    const run = await s.inspections.cancel(request.params.id);
    if (!run) throw new ServerError('not_found', `No inspection run ${request.params.id}; list runs with GET ${base}/inspections.`);
    const active = s.inspections.active();
    if (active && active.id === run.id) await active.done;
    return { run: toRun((await opts.store.pool.getRun(run.id))!) };
  });

  app.post(`${base}/inspections/:id/apply`, { schema: { params: IdParams, body: ApplyBody } }, async (request) => {
    const run = await opts.store.pool.getRun(request.params.id);
    if (!run) throw new ServerError('not_found', `No inspection run ${request.params.id}; list runs with GET ${base}/inspections.`);
    if (!request.body.dryRun && !opts.connection.current()) {
      throw new ServerError('usage_service_not_configured', 'cpamp is not connected to CPA yet: finish setup before changing accounts.');
    }
    const scope = scopeOf(request);
    return applySuggestions(opts.store.pool, opts.pool.automation, run.id, { ...request.body, ...(scope ? { upstream: scope } : {}) });
  });

  app.get(`${base}/issues`, { schema: { querystring: IssuesQuery } }, async (request) => {
    const scope = scopeOf(request);
    return { items: (await opts.store.pool.listIssues(request.query.state)).filter((i) => inScope(scope, i.authIndex)) };
  });

  app.post(`${base}/issues/:id/:action`, { schema: { params: IssueActionParams } }, async (request) => {
    const s = opts.pool;
    const { id, action } = request.params;
    if ((action === 'enable' || action === 'disable' || action === 'delete') && !opts.connection.current()) {
      throw new ServerError('usage_service_not_configured', 'cpamp is not connected to CPA yet: finish setup before changing accounts.');
    }
    const out = await s.automation.issueAction(id, action);
    if (!out) throw new ServerError('not_found', `No auth issue ${id}; list them with GET ${base}/issues.`);
    return out;
  });

  app.get(`${base}/actions`, { schema: { querystring: ActionsQuery } }, async (request) => {
    const { limit, cursor } = request.query;
    const scope = scopeOf(request);
    const items = await opts.store.pool.listActions({ limit: limit + 1, ...(cursor ? { beforeId: Number(cursor) } : {}) });
    const page = items.slice(0, limit);
    // One CPA: a page of every CPA's log, filtered (a page may hold fewer than `limit`; the cursor still moves on).
    return { items: page.filter((a) => inScope(scope, a.authIndex)), nextCursor: items.length > limit ? String(page[page.length - 1]!.id) : null };
  });

  // Several CPAs: a named CPA's policy is its own fields over the global policy (`own` lists them); the default
  // CPA's, or no CPA named, is the global policy every CPA follows where it has no field of its own.
  const policyView = (s: PoolService, scope: string | undefined) => ({
    policy: s.policy(scope),
    locked: s.locked(),
    upstream: scope ?? null,
    own: scope && scope !== 'default' ? Object.keys(s.savedPolicy(scope)) : [],
  });
  app.get(`${base}/policy`, { schema: { querystring: PolicyQuery } }, async (request) => policyView(opts.pool, scopeOf(request)));

  app.put(`${base}/policy`, { schema: { querystring: PolicyQuery, body: PoolPolicyEditSchema } }, async (request) => {
    const s = opts.pool;
    const scope = scopeOf(request);
    const res = await s.updatePolicy(request.body, scope);
    if (!res.ok) throw locked(res.field, res.env);
    return policyView(s, scope);
  });

  // Plus's shapes, so Plus-era panels and scripts keep working. Only Plus's three toggles are described here:
  // `source` says where they come from (env when one of their env keys is set, database when the admin saved
  // one, else startup), whatever CPAMP_POOL_* keys lock elsewhere.
  const PLUS_FIELDS = ['autoDisableOnExhaustion', 'authIssueQueue', 'autoDisableAuthIssues'] as const;
  const plusPolicy = (s: PoolService) => {
    const p = s.policy();
    const lockedBy = s.locked();
    const saved = s.savedPolicy() as Record<string, unknown>;
    const sourceOf = (field: string): 'env' | 'database' | 'startup' =>
      lockedBy[field] !== undefined ? 'env' : saved[field] !== undefined ? 'database' : 'startup';
    const sources = PLUS_FIELDS.map(sourceOf);
    const entry = (enabled: boolean, field: (typeof PLUS_FIELDS)[number], envKey: string, configFileKey: string, extra: object = {}) => ({
      enabled,
      configured: sourceOf(field) !== 'startup',
      source: sourceOf(field),
      locked: lockedBy[field] !== undefined,
      envKey,
      configFileKey,
      ...extra,
    });
    return {
      source: sources.includes('env') ? 'env' : sources.includes('database') ? 'database' : 'startup',
      updatedAtMs: opts.now(),
      codexQuotaCooldown: entry(p.autoDisableOnExhaustion, 'autoDisableOnExhaustion', 'USAGE_QUOTA_COOLDOWN_ENABLED', 'quotaCooldownEnabled'),
      authIssueQueue: entry(p.authIssueQueue, 'authIssueQueue', 'USAGE_ACCOUNT_ACTIONS_ENABLED', 'accountActionsEnabled'),
      authIssueAutoDisable: entry(p.autoDisableAuthIssues, 'autoDisableAuthIssues', 'USAGE_ACCOUNT_ACTIONS_AUTO_DISABLE', 'accountActionsAutoDisable', { dependsOn: 'authIssueQueue' }),
    };
  };
  app.get('/usage-service/account-processing-policy', async () => plusPolicy(opts.pool));
  app.patch('/usage-service/account-processing-policy', { schema: { body: PlusPolicyPatch } }, async (request) => {
    const s = opts.pool;
    const b = request.body;
    const res = await s.updatePolicy({
      ...(b.codexQuotaCooldownEnabled !== undefined ? { autoDisableOnExhaustion: b.codexQuotaCooldownEnabled } : {}),
      ...(b.authIssueQueueEnabled !== undefined ? { authIssueQueue: b.authIssueQueueEnabled } : {}),
      ...(b.authIssueAutoDisableEnabled !== undefined ? { autoDisableAuthIssues: b.authIssueAutoDisableEnabled } : {}),
    });
    if (!res.ok) throw locked(res.field, res.env, 'account_processing_policy_env_locked');
    return plusPolicy(s);
  });
  app.get('/usage-service/quota-cooldowns', async () => {
    const repo = opts.store.pool;
    const cooldowns = (await repo.listOwnership()).filter((o) => o.kind === 'quota');
    return {
      items: await Promise.all(
        cooldowns.map(async (o) => {
          const acc = await repo.getAccount(o.authIndex);
          return {
            authFileName: o.fileName,
            authIndex: o.authIndex,
            accountSnapshot: acc?.email ?? null,
            provider: o.provider,
            owner: 'cpamp',
            reasonCode: o.provider === 'codex' ? 'codex_usage_limit_reached' : 'usage_limit_reached',
            windowKind: o.window,
            evidence: cooldownEvidence(o, await repo.windows(o.authIndex)),
            recoverAtMs: o.recoverAtMs,
            disabledAtMs: o.disabledAtMs,
            createdAtMs: o.disabledAtMs,
          };
        }),
      ),
    };
  });
}
