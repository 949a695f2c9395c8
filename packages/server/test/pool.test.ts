import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from './helpers';
import { codexFile, startPoolHarness, T0, type PoolHarness } from './pool-harness';

const MIN = 60_000;
let h: PoolHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const actions = async (p: PoolHarness) => (await p.app.inject({ url: '/v0/management/pool/actions' })).json().items as { authIndex: string; action: string; actor: string; reason: string; dryRun: boolean; ok: boolean }[];

describe('quota cooldown with ownership (fake clock)', () => {
  it('disables an exhausted account and restores it at the reset; a user-disabled account is never touched', async () => {
    h = await startPoolHarness({ files: [codexFile(1), codexFile(2), codexFile(3, { disabled: true })], automation: { quotaCooldownEnabled: true } });
    h.fake.accounts.setQuota('a1', { primary: { usedPercent: 30 } });
    h.fake.accounts.exhaust('a2', { resetInSeconds: 3600 });
    h.fake.accounts.exhaust('a3', { resetInSeconds: 3600 });
    const run = await h.inspect();
    expect(run).toMatchObject({ state: 'done', counts: { ok: 1, exhausted: 2 } });
    expect(h.disabledInCpa('a1')).toBe(false);
    expect(h.disabledInCpa('a2')).toBe(true);
    expect(h.disabledInCpa('a3')).toBe(true);
    const log = await actions(h);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ authIndex: 'a2', action: 'disable', actor: 'cpamp', ok: true, dryRun: false });
    expect(log[0]!.reason).toContain('quota resets at 2026-11-16T11:00:00.000Z');
    expect(h.signals.filter((s) => s.kind === 'cooldown-entered')).toEqual([{ kind: 'cooldown-entered', subject: 'a2', provider: 'codex', untilMs: T0 + 60 * MIN, reason: expect.any(String) }]);
    const cooldowns = (await h.app.inject({ url: '/usage-service/quota-cooldowns' })).json().items;
    expect(cooldowns).toMatchObject([{ authIndex: 'a2', owner: 'cpamp', recoverAtMs: T0 + 60 * MIN }]);
    const detail = (await h.app.inject({ url: '/v0/management/pool/accounts/a2' })).json();
    expect(detail.account).toMatchObject({ status: 'cooldown', disabledBy: 'cpamp' });
    expect((await h.app.inject({ url: '/v0/management/pool/accounts/a3' })).json().account).toMatchObject({ status: 'disabled_by_user', disabledBy: 'user', owner: 'user' });

    h.advance(59 * MIN);
    await h.service.tick();
    expect(h.disabledInCpa('a2')).toBe(true);
    h.advance(2 * MIN);
    await h.service.tick();
    expect(h.disabledInCpa('a2')).toBe(false);
    expect(h.disabledInCpa('a3')).toBe(true);
    expect((await actions(h))[0]).toMatchObject({ authIndex: 'a2', action: 'enable', actor: 'cpamp', ok: true });
    expect(h.signals.map((s) => s.kind)).toEqual(expect.arrayContaining(['cooldown-recovered', 'resolved']));
    expect(h.signals).toContainEqual({ kind: 'resolved', resolves: 'cooldown-entered', subject: 'a2' });
    expect(h.published.some((p) => p.type === 'action')).toBe(true);
  });

  it('a user who touches a cpamp-disabled account takes it over: cpamp never re-enables it', async () => {
    h = await startPoolHarness({ files: [codexFile(1)], automation: { quotaCooldownEnabled: true } });
    h.fake.accounts.exhaust('a1', { resetInSeconds: 600 });
    await h.inspect();
    expect(h.disabledInCpa('a1')).toBe(true);
    // The user enables and disables again straight in CPA (not through cpamp).
    const mgmt = { authorization: `Bearer ${h.fake.managementKey}`, 'content-type': 'application/json' };
    await fetch(`${h.fake.url}/v0/management/auth-files/status`, { method: 'PATCH', headers: mgmt, body: JSON.stringify({ name: codexFile(1).name, disabled: false }) });
    await h.service.sync();
    expect((await actions(h))[0]).toMatchObject({ action: 'enable', actor: 'user' });
    await fetch(`${h.fake.url}/v0/management/auth-files/status`, { method: 'PATCH', headers: mgmt, body: JSON.stringify({ name: codexFile(1).name, disabled: true }) });
    h.advance(20 * MIN);
    await h.service.tick();
    expect(h.disabledInCpa('a1')).toBe(true);
    expect((await actions(h)).filter((a) => a.actor === 'cpamp').map((a) => a.action)).toEqual(['disable']);
  });

  it('restores early when a probe finds the quota back before the expected reset', async () => {
    h = await startPoolHarness({ files: [codexFile(1)], automation: { quotaCooldownEnabled: true } });
    h.fake.accounts.exhaust('a1', { resetInSeconds: 3 * 3600 });
    await h.inspect();
    expect(h.disabledInCpa('a1')).toBe(true);
    h.advance(10 * MIN);
    h.fake.accounts.setQuota('a1', { primary: { usedPercent: 0 } });
    await h.inspect();
    await h.service.tick();
    expect(h.disabledInCpa('a1')).toBe(false);
    expect((await actions(h))[0]).toMatchObject({ action: 'enable', actor: 'cpamp' });
  });

  it('dry-run logs what it would do and leaves CPA alone', async () => {
    h = await startPoolHarness({ files: [codexFile(1)], automation: { quotaCooldownEnabled: true } });
    expect((await h.app.inject({ method: 'PUT', url: '/v0/management/pool/policy', payload: { dryRun: true } })).statusCode).toBe(200);
    h.fake.accounts.exhaust('a1', { resetInSeconds: 600 });
    const run = await h.inspect();
    expect(run).toMatchObject({ state: 'done' });
    expect(h.disabledInCpa('a1')).toBe(false);
    expect(await actions(h)).toMatchObject([{ action: 'disable', actor: 'cpamp', dryRun: true }]);
    expect(await h.store.pool.listOwnership()).toEqual([]);
  });

  it('a 429 usage limit in the traffic (response evidence) starts the cooldown; headers become windows', async () => {
    h = await startPoolHarness({ files: [codexFile(1), codexFile(2)], automation: { quotaCooldownEnabled: true } });
    await h.service.sync();
    const ev = (i: number, extra: { authIndex: string } & Record<string, unknown>) => ({
      dedupKey: String(i).repeat(64), requestId: 'abcd0001', timestampMs: T0 + i, provider: 'codex', executorType: 'codex', model: 'gpt-5',
      alias: 'gpt-5', endpoint: '/v1/responses', authType: 'oauth', source: '', apiKeyHash: '', apiKeyLabel: '', clientIp: '', userAgent: '',
      failed: false, statusCode: 200, failBody: '', latencyMs: 5, ttftMs: 1, reasoningEffort: '', serviceTier: '', responseServiceTier: '',
      generate: true, inputTokens: 10, cacheReadTokens: 0, cacheCreationTokens: 0, outputTokens: 5, reasoningTokens: 0, unclassifiedTokens: 0,
      totalTokens: 15, tokenQuality: 'complete' as const, ...extra,
    });
    await h.store.insertBatch([
      ev(1, { authIndex: 'a1', rateLimitHeaders: { 'x-codex-primary-used-percent': '64', 'x-codex-primary-window-minutes': '300', 'x-codex-primary-reset-after-seconds': '3000' } }),
      ev(2, { authIndex: 'a2', failed: true, statusCode: 429, failBody: JSON.stringify({ error: { type: 'usage_limit_reached', resets_in_seconds: 900 } }) }),
      // An old row (e.g. an import) never disables anything.
      ev(3, { authIndex: 'a1', timestampMs: T0 - 3_600_000, failed: true, statusCode: 429, failBody: JSON.stringify({ error: { type: 'usage_limit_reached', resets_in_seconds: 9000 } }) }),
    ]);
    await h.service.evidence.scan();
    expect(await h.store.pool.windows('a1')).toMatchObject([{ window: '5h', usedPercent: 64, source: 'response-header', resetAtMs: T0 + 1 + 3_000_000 }]);
    expect(h.disabledInCpa('a2')).toBe(true);
    expect(h.disabledInCpa('a1')).toBe(false);
    expect(await h.store.pool.getOwnership('a2')).toMatchObject({ kind: 'quota', recoverAtMs: T0 + 2 + 900_000 });
  });
});

const claudeFile = (i: number) => ({ name: `claude-c${i}@pool.test.json`, authIndex: `c${i}`, content: { type: 'claude', email: `c${i}@pool.test`, access_token: `ctok-${i}` } });
type Issue = { id: number; authIndex: string; issue: string; state: string; count: number; detail: string };
const issuesOf = async (p: PoolHarness, state = 'open') => (await p.app.inject({ url: `/v0/management/pool/issues?state=${state}` })).json().items as Issue[];

describe('exhausted accounts cpamp does not cool down', () => {
  it('a full Claude window (200, utilization 100) is exhausted with its reset and queued as `exhausted` until the reset', async () => {
    h = await startPoolHarness({ files: [claudeFile(1), codexFile(2)], automation: { quotaCooldownEnabled: false, accountActionsEnabled: true } });
    h.fake.accounts.setQuota('c1', { primary: { usedPercent: 50 }, secondary: { usedPercent: 30 } });
    h.fake.accounts.exhaust('c1', { resetInSeconds: 3600 });
    h.fake.accounts.exhaust('a2', { resetInSeconds: 7200 });
    const run = await h.inspect();
    expect(run.counts).toMatchObject({ exhausted: 2, error: 0 });
    const results = (await h.app.inject({ url: `/v0/management/pool/inspections/${run.id}?result=exhausted` })).json().results as { authIndex: string; httpStatus: number; windows: { window: string; usedPercent: number; resetAtMs: number }[] }[];
    const c1 = results.find((r) => r.authIndex === 'c1')!;
    expect(c1.httpStatus).toBe(200);
    expect(c1.windows).toContainEqual(expect.objectContaining({ window: '5h', usedPercent: 100, resetAtMs: T0 + 60 * MIN }));
    // Policy off: nothing disabled, both queued for the user, shown as exhausted (cooldown), not auth issues.
    expect(h.disabledInCpa('c1') || h.disabledInCpa('a2')).toBe(false);
    expect(await actions(h)).toEqual([]);
    let open = await issuesOf(h);
    expect(open.map((i) => [i.authIndex, i.issue]).sort()).toEqual([['a2', 'exhausted'], ['c1', 'exhausted']]);
    expect(open.find((i) => i.authIndex === 'c1')!.detail).toContain('quota resets at 2026-11-16T11:00:00.000Z');
    expect((await h.app.inject({ url: '/v0/management/pool/accounts/c1' })).json().account).toMatchObject({ status: 'exhausted', disabledBy: null });
    expect(h.signals.some((s) => s.kind === 'account-auth-issue')).toBe(false);

    // Seen again: the same issue, counted twice.
    h.advance(10 * MIN);
    await h.inspect();
    open = await issuesOf(h);
    expect(open.find((i) => i.authIndex === 'c1')).toMatchObject({ count: 2, state: 'open' });

    // c1's reset passes: its issue resolves by itself; a2's (reset in 2 h) stays.
    h.advance(51 * MIN);
    await h.service.tick();
    expect((await issuesOf(h)).map((i) => i.authIndex)).toEqual(['a2']);
    expect((await issuesOf(h, 'resolved')).map((i) => [i.authIndex, i.issue])).toEqual([['c1', 'exhausted']]);
    // The user acts on a2: disabling it answers the issue.
    const a2 = (await issuesOf(h))[0]!;
    const out = (await h.app.inject({ method: 'POST', url: `/v0/management/pool/issues/${a2.id}/disable` })).json();
    expect(out).toMatchObject({ issue: { state: 'resolved' }, action: { action: 'disable', actor: 'user', ok: true } });
    expect(h.disabledInCpa('a2')).toBe(true);
  });

  it('dry run queues the exhausted account; a probe that finds quota again resolves it; a real cooldown needs no issue', async () => {
    h = await startPoolHarness({ files: [codexFile(1), codexFile(2)], automation: { quotaCooldownEnabled: true, accountActionsEnabled: true } });
    await h.app.inject({ method: 'PUT', url: '/v0/management/pool/policy', payload: { dryRun: true } });
    h.fake.accounts.exhaust('a1', { resetInSeconds: 3 * 3600 });
    await h.inspect();
    expect(h.disabledInCpa('a1')).toBe(false);
    expect(await actions(h)).toMatchObject([{ action: 'disable', dryRun: true }]);
    expect((await issuesOf(h)).map((i) => [i.authIndex, i.issue])).toEqual([['a1', 'exhausted']]);
    h.advance(10 * MIN);
    h.fake.accounts.setQuota('a1', { primary: { usedPercent: 5 } });
    await h.inspect();
    expect(await issuesOf(h)).toEqual([]);

    await h.app.inject({ method: 'PUT', url: '/v0/management/pool/policy', payload: { dryRun: false } });
    h.fake.accounts.exhaust('a2', { resetInSeconds: 600 });
    await h.inspect();
    expect(h.disabledInCpa('a2')).toBe(true);
    expect(await issuesOf(h)).toEqual([]);
  });

  it('with the issue queue off nothing is queued', async () => {
    h = await startPoolHarness({ files: [codexFile(1)], automation: { quotaCooldownEnabled: false, accountActionsEnabled: false } });
    h.fake.accounts.exhaust('a1', { resetInSeconds: 600 });
    expect((await h.inspect()).counts).toMatchObject({ exhausted: 1 });
    expect(await h.store.pool.listIssues()).toEqual([]);
  });
});

describe('auth-issue queue', () => {
  it('queues 401/expired and 403/banned, auto-disables them when asked, and handles issue actions', async () => {
    h = await startPoolHarness({ files: [codexFile(1), codexFile(2), codexFile(3)], automation: { accountActionsEnabled: true, accountActionsAutoDisable: true } });
    h.fake.accounts.expire('a1');
    h.fake.accounts.ban('a2');
    h.fake.accounts.setQuota('a3', { primary: { usedPercent: 90 } });
    const run = await h.inspect();
    expect(run.counts).toMatchObject({ unauthorized: 1, banned: 1, ok: 1 });
    const issues = (await h.app.inject({ url: '/v0/management/pool/issues?state=open' })).json().items as { id: number; authIndex: string; issue: string }[];
    expect(issues.map((i) => [i.authIndex, i.issue]).sort()).toEqual([['a1', 'expired'], ['a2', 'banned']]);
    expect(h.disabledInCpa('a1') && h.disabledInCpa('a2')).toBe(true);
    expect(h.signals.filter((s) => s.kind === 'account-auth-issue').map((s) => s.subject).sort()).toEqual(['a1', 'a2']);
    expect(h.signals).toContainEqual(expect.objectContaining({ kind: 'quota-low', subject: 'a3', window: '5h', remainingPercent: 10 }));
    const results = (await h.app.inject({ url: `/v0/management/pool/inspections/${run.id}?result=unauthorized` })).json();
    expect(results.total).toBe(1);
    expect(results.results[0]).toMatchObject({ authIndex: 'a1', httpStatus: 401, suggestedAction: 'reauth' });

    const a1 = issues.find((i) => i.authIndex === 'a1')!;
    const enabled = (await h.app.inject({ method: 'POST', url: `/v0/management/pool/issues/${a1.id}/enable` })).json();
    expect(enabled.issue.state).toBe('resolved');
    expect(enabled.action).toMatchObject({ action: 'enable', actor: 'user', ok: true });
    expect(h.disabledInCpa('a1')).toBe(false);
    expect(await h.store.pool.getOwnership('a1')).toBeUndefined();

    const a2 = issues.find((i) => i.authIndex === 'a2')!;
    expect((await h.app.inject({ method: 'POST', url: `/v0/management/pool/issues/${a2.id}/delete` })).json().action).toMatchObject({ action: 'delete', ok: true });
    expect(h.fake.authFiles().map((f) => f.authIndex)).toEqual(['a1', 'a3']);

    const bad = await h.app.inject({ method: 'POST', url: `/v0/management/pool/issues/${a2.id}/explode` });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toContain('action');
    expect((await h.app.inject({ method: 'POST', url: '/v0/management/pool/issues/999/ignore' })).statusCode).toBe(404);
  });
});

describe('inspection runs', () => {
  it('keep concurrency bounded, publish progress, and cancel', async () => {
    const files = Array.from({ length: 24 }, (_, i) => codexFile(i + 1));
    h = await startPoolHarness({ files });
    await h.app.inject({ method: 'PUT', url: '/v0/management/pool/policy', payload: { inspectionConcurrency: 3 } });
    h.fake.accounts.setLatency(15);
    for (const f of files) h.fake.accounts.setQuota(f.authIndex!, { primary: { usedPercent: 10 } });
    const run = await h.inspect();
    expect(run).toMatchObject({ state: 'done', counts: { ok: 24 } });
    expect(h.fake.accounts.maxInFlight()).toBe(3);
    expect(h.published.filter((p) => p.type === 'inspection-progress').length).toBeGreaterThan(3);

    h.fake.accounts.resetCounters();
    h.fake.accounts.setLatency(100);
    const started = await h.app.inject({ method: 'POST', url: '/v0/management/pool/inspections', payload: { dryRun: true } });
    const id = started.json().run.id as number;
    expect((await h.app.inject({ method: 'POST', url: '/v0/management/pool/inspections', payload: {} })).statusCode).toBe(409);
    // Cancel once the run is under way (some accounts inspected, not all).
    const pool = h.app;
    await waitFor(async () => (await pool.inject({ url: `/v0/management/pool/inspections/${id}` })).json().run.done > 0, { what: 'the run to start' });
    const cancelled = (await h.app.inject({ method: 'POST', url: `/v0/management/pool/inspections/${id}/cancel` })).json().run;
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.done).toBeLessThan(24);
    const runs = (await h.app.inject({ url: '/v0/management/pool/inspections?limit=5' })).json().items;
    expect(runs.map((r: { id: number }) => r.id)).toEqual([id, run.id]);
  });

  it('runs on the policy schedule', async () => {
    h = await startPoolHarness({ files: [codexFile(1)] });
    await h.app.inject({ method: 'PUT', url: '/v0/management/pool/policy', payload: { inspectionIntervalMinutes: 10 } });
    await h.service.tick();
    expect(await h.store.pool.listRuns(5)).toEqual([]);
    h.advance(10 * MIN);
    await h.service.tick();
    await h.service.inspections.active()?.done;
    expect(await h.store.pool.listRuns(5)).toMatchObject([{ trigger: 'schedule', state: 'done' }]);
  });
});

describe('views, policy and validation', () => {
  it('serves overview, paged accounts and account detail with a forecast', async () => {
    const files = [1, 2, 3].map((i) => codexFile(i));
    h = await startPoolHarness({ files });
    for (const [i, used] of [[1, 20], [2, 40], [3, 60]] as const) h.fake.accounts.setQuota(`a${i}`, { primary: { usedPercent: used, resetInSeconds: 4 * 3600 }, secondary: { usedPercent: used } });
    await h.inspect();
    h.advance(60 * MIN);
    for (const i of [1, 2, 3]) h.fake.accounts.consume(`a${i}`, 10);
    await h.inspect();
    const overview = (await h.app.inject({ url: '/v0/management/pool/overview' })).json();
    expect(overview.counts).toMatchObject({ total: 3, active: 3 });
    // 5h: remaining 70+50+30 = 150 % at 3 × 10 %/h → 5 h, after the 5h reset in 3 h → safe on that window;
    // weekly: the same 150 % at 30 %/h, long before the weekly reset → at risk, bound by the weekly window.
    expect(overview.providers[0]).toMatchObject({ provider: 'codex', plan: 'plus', accounts: 3, verdict: 'at-risk', reason: 'runs-dry', bindingWindow: 'weekly', exhaustAtMs: T0 + 6 * 60 * MIN });
    expect(overview.providers[0].message).toBe('Codex (plus) pool runs dry 16:00 UTC at the current pace, before the weekly reset Mon 10:00 UTC.');
    expect(overview.series[0]).toMatchObject({ provider: 'codex', plan: 'plus' });
    expect(overview.series[0].points.some((p: { projected: boolean }) => p.projected)).toBe(true);
    const page1 = (await h.app.inject({ url: '/v0/management/pool/accounts?sort=name&limit=2' })).json();
    expect(page1).toMatchObject({ total: 3, nextCursor: '2' });
    expect(page1.items.map((a: { authIndex: string }) => a.authIndex)).toEqual(['a1', 'a2']);
    const page2 = (await h.app.inject({ url: `/v0/management/pool/accounts?sort=name&limit=2&cursor=${page1.nextCursor}` })).json();
    expect(page2).toMatchObject({ nextCursor: null, items: [{ authIndex: 'a3' }] });
    const detail = (await h.app.inject({ url: '/v0/management/pool/accounts/a3' })).json();
    expect(detail.account.windows.map((w: { window: string }) => w.window).sort()).toEqual(['5h', 'weekly']);
    expect(detail.windowHistory.find((w: { window: string }) => w.window === '5h').points.map((p: { usedPercent: number }) => p.usedPercent)).toEqual([60, 70]);
    expect(detail.inspections).toHaveLength(2);
    expect((await h.app.inject({ url: '/v0/management/pool/accounts/nope' })).statusCode).toBe(404);
  });

  it('locks env-set policy fields (409 setting_locked) and names bad fields (400)', async () => {
    h = await startPoolHarness({ files: [codexFile(1)], automation: { quotaCooldownEnabled: false, lockedByEnv: ['USAGE_QUOTA_COOLDOWN_ENABLED'] } });
    const got = (await h.app.inject({ url: '/v0/management/pool/policy' })).json();
    expect(got.locked).toEqual({ autoDisableOnExhaustion: 'USAGE_QUOTA_COOLDOWN_ENABLED' });
    const res = await h.app.inject({ method: 'PUT', url: '/v0/management/pool/policy', payload: { autoDisableOnExhaustion: true } });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'setting_locked' });
    expect(res.json().error).toContain('USAGE_QUOTA_COOLDOWN_ENABLED');
    const plus = await h.app.inject({ method: 'PATCH', url: '/usage-service/account-processing-policy', payload: { codexQuotaCooldownEnabled: true } });
    expect(plus.statusCode).toBe(409);
    expect(plus.json().code).toBe('account_processing_policy_env_locked');
    const ok = await h.app.inject({ method: 'PATCH', url: '/usage-service/account-processing-policy', payload: { authIssueQueueEnabled: true } });
    expect(ok.json()).toMatchObject({ codexQuotaCooldown: { locked: true, enabled: false }, authIssueQueue: { enabled: true, locked: false } });
    const bad = await h.app.inject({ method: 'PUT', url: '/v0/management/pool/policy', payload: { inspectionConcurrency: 0 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toContain('inspectionConcurrency');
    const badQuery = await h.app.inject({ url: '/v0/management/pool/accounts?limit=0' });
    expect(badQuery.statusCode).toBe(400);
    expect(badQuery.json().error).toContain('limit');
    const badBody = await h.app.inject({ method: 'POST', url: '/v0/management/pool/inspections', payload: { authIndexes: 'a1' } });
    expect(badBody.statusCode).toBe(400);
    expect(badBody.json().error).toContain('authIndexes');
  });
});
