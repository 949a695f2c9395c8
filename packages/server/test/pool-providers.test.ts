// Inspection of every provider Plus covers, against the fake CPA's emulation of each provider's quota
// endpoint (real SQLite, HTTP over real sockets, a fake clock): Antigravity, Kimi, xAI (billing, inference,
// free-usage cooldown, permission_denied), a 402 deactivated workspace, sample size, auto-action, bulk apply.
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeAuthFile } from '@cpamp/testkit';
import { codexFile, startPoolHarness, T0, type PoolHarness } from './pool-harness';

const H = 3_600_000;
const file = (type: string, i: number): FakeAuthFile => ({
  name: `${type}-u${i}@pool.test.json`,
  authIndex: `${type}${i}`,
  content: { type, email: `${type}${i}@pool.test`, access_token: `tok-${type}-${i}` },
});
type Result = {
  authIndex: string;
  result: string;
  detail: string;
  suggestedAction: string;
  windows: { window: string; usedPercent: number; resetAtMs: number | null }[];
};

let h: PoolHarness;
afterEach(async () => {
  await h?.close();
});

async function results(runId: number): Promise<Map<string, Result>> {
  const body = (await h.app.inject({ url: `/v0/management/pool/inspections/${runId}?limit=100` })).json() as {
    results: Result[];
  };
  return new Map(body.results.map((r) => [r.authIndex, r]));
}

describe('provider quota probes through the fake CPA', () => {
  it('reads Antigravity, Kimi and xAI quota windows; classifies free usage, 402 and exhaustion', async () => {
    const files = [
      file('antigravity', 1),
      file('kimi', 1),
      file('kimi', 2),
      file('xai', 1),
      file('xai', 2),
      codexFile(1),
    ];
    h = await startPoolHarness({ files });
    h.fake.accounts.setQuota('antigravity1', {
      primary: { usedPercent: 30, resetInSeconds: 3600 },
      secondary: { usedPercent: 55 },
    });
    h.fake.accounts.setQuota('kimi1', {
      primary: { usedPercent: 20, resetInSeconds: 1800 },
      secondary: { usedPercent: 40 },
    });
    h.fake.accounts.setQuota('kimi2', {
      primary: { usedPercent: 100, resetInSeconds: 7200 },
      secondary: { usedPercent: 60 },
    });
    h.fake.accounts.setQuota('xai1', { secondary: { usedPercent: 35, resetInSeconds: 3 * 86_400 } });
    h.fake.accounts.setQuota('xai2', { state: 'free-usage-exhausted' });
    h.fake.accounts.setQuota('a1', { state: 'workspace-deactivated' });
    await h.service.updatePolicy({ autoDisableOnExhaustion: false, authIssueQueue: true });
    const run = await h.inspect();
    expect(run).toMatchObject({ state: 'done', counts: { ok: 3, exhausted: 2, banned: 1 } });
    const r = await results(run.id);
    expect(r.get('antigravity1')!.windows.map((w) => [w.window, w.usedPercent, w.resetAtMs])).toEqual([
      ['claude-5h', 30, T0 + H],
      ['gemini-weekly', 55, T0 + 7 * 24 * H],
    ]);
    expect(r.get('kimi1')!.windows.map((w) => [w.window, w.usedPercent])).toEqual([
      ['weekly', 40],
      ['5h', 20],
    ]);
    expect(r.get('kimi2')).toMatchObject({ result: 'exhausted', suggestedAction: 'disable' });
    expect(r.get('xai1')!.windows).toMatchObject([
      { window: 'weekly', usedPercent: 35, resetAtMs: T0 + 3 * 86_400_000 },
    ]);
    // Free usage refills over a rolling 24 h: the account cools down for 24 h.
    expect(r.get('xai2')).toMatchObject({
      result: 'exhausted',
      detail: expect.stringContaining('free usage'),
    });
    const issues = (await h.app.inject({ url: '/v0/management/pool/issues' })).json().items as {
      authIndex: string;
      issue: string;
    }[];
    expect(issues.find((i) => i.authIndex === 'xai2')).toMatchObject({ issue: 'exhausted' });
    expect(await h.store.settings.get('pool.exhausted_until:xai2')).toBe(T0 + 24 * H);
    expect(r.get('a1')).toMatchObject({
      result: 'banned',
      suggestedAction: 'delete',
      detail: expect.stringContaining('workspace deactivated'),
    });
  });

  it('xAI inference probe: permission_denied is an auth issue, a completed answer is healthy; retries cover a 5xx', async () => {
    h = await startPoolHarness({ files: [file('xai', 1), file('xai', 2)] });
    h.fake.accounts.setQuota('xai1', { secondary: { usedPercent: 10 } });
    h.fake.accounts.setQuota('xai2', { state: 'permission-denied', secondary: { usedPercent: 10 } });
    await h.service.updatePolicy({ xaiInferenceProbe: true, inspectionRetries: 1 });
    const run = await h.inspect();
    const r = await results(run.id);
    expect(r.get('xai1')).toMatchObject({ result: 'ok', detail: expect.stringContaining('inference OK') });
    expect(r.get('xai2')).toMatchObject({
      result: 'unauthorized',
      suggestedAction: 'reauth',
      detail: expect.stringContaining('permission_denied'),
    });
    // Billing + inference per account.
    expect(h.fake.accounts.calls('xai1')).toBe(2);
    h.fake.accounts.setQuota('xai1', { state: 'error' });
    await h.inspect();
    // A 500 on billing is retried once; inference still runs (billing alone proves nothing) and is retried once too.
    expect(h.fake.accounts.calls('xai1')).toBe(2 + 4);
  });

  it('samples the least recently inspected accounts, auto-deletes banned ones in dry run, applies suggestions in bulk', async () => {
    const files = [file('kimi', 1), file('kimi', 2), file('kimi', 3)];
    h = await startPoolHarness({ files });
    for (const i of [1, 2, 3])
      h.fake.accounts.setQuota(`kimi${i}`, { primary: { usedPercent: 100, resetInSeconds: 3600 } });
    await h.service.updatePolicy({ inspectionSampleSize: 2, autoDisableOnExhaustion: false });
    const first = await h.inspect();
    expect(first.counts.exhausted).toBe(2);
    h.advance(60_000);
    const second = await h.inspect();
    // The one left out last time comes first now.
    expect([...(await results(second.id)).keys()]).toContain('kimi3');

    // Bulk: a dry run only logs; the real apply disables through CPA.
    const dry = (
      await h.app.inject({
        method: 'POST',
        url: `/v0/management/pool/inspections/${first.id}/apply`,
        payload: { dryRun: true },
      })
    ).json();
    expect(dry).toMatchObject({ applied: 2, failed: 0 });
    expect(files.filter((f) => h.disabledInCpa(f.authIndex!))).toHaveLength(0);
    const real = (
      await h.app.inject({
        method: 'POST',
        url: `/v0/management/pool/inspections/${first.id}/apply`,
        payload: { actions: ['disable'] },
      })
    ).json();
    expect(real).toMatchObject({ applied: 2, failed: 0 });
    expect(
      real.actions.every(
        (a: { actor: string; action: string }) => a.actor === 'user' && a.action === 'disable',
      ),
    ).toBe(true);
    expect(
      (await h.app.inject({ method: 'POST', url: '/v0/management/pool/inspections/999/apply', payload: {} }))
        .statusCode,
    ).toBe(404);

    h.fake.accounts.setQuota('kimi3', { state: 'workspace-deactivated' });
    await h.service.updatePolicy({ inspectionAutoAction: 'delete', dryRun: true, inspectionSampleSize: 0 });
    await h.inspect({ authIndexes: ['kimi3'] });
    const log = (await h.app.inject({ url: '/v0/management/pool/actions' })).json().items as {
      authIndex: string;
      action: string;
      dryRun: boolean;
    }[];
    expect(log.find((a) => a.authIndex === 'kimi3' && a.action === 'delete')).toMatchObject({ dryRun: true });
    expect(h.fake.authFiles().some((f) => f.authIndex === 'kimi3')).toBe(true);
  });
});

describe('xAI evidence in the traffic', () => {
  it('a free-usage 429 starts a 24 h cooldown; permission_denied queues an auth issue', async () => {
    h = await startPoolHarness({ files: [file('xai', 1), file('xai', 2)], automation: { quotaCooldownEnabled: true, accountActionsEnabled: true } });
    await h.service.sync();
    const ev = (i: number, authIndex: string, statusCode: number, failBody: string) => ({
      dedupKey: String(i).repeat(64), requestId: `abcd000${i}`, timestampMs: T0 + i, provider: 'xai', executorType: 'xai', model: 'grok-4',
      alias: 'grok-4', endpoint: '/v1/responses', authType: 'oauth', source: '', apiKeyHash: '', apiKeyLabel: '', clientIp: '', userAgent: '',
      failed: true, statusCode, failBody, latencyMs: 5, ttftMs: 1, reasoningEffort: '', serviceTier: '', responseServiceTier: '',
      generate: true, inputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0, outputTokens: 0, reasoningTokens: 0, unclassifiedTokens: 0,
      totalTokens: 0, tokenQuality: 'complete' as const, authIndex,
    });
    await h.store.insertBatch([
      ev(1, 'xai1', 429, '{"code":"subscription:free-usage-exhausted","error":"You have used all of your included free usage"}'),
      ev(2, 'xai2', 403, '{"code":"permission_denied","error":"The credential is not permitted to use the chat endpoint"}'),
    ]);
    await h.service.evidence.scan();
    expect(h.disabledInCpa('xai1')).toBe(true);
    expect(await h.store.pool.getOwnership('xai1')).toMatchObject({ kind: 'quota', recoverAtMs: T0 + 1 + 24 * H });
    const issues = (await h.app.inject({ url: '/v0/management/pool/issues' })).json().items as { authIndex: string; issue: string }[];
    expect(issues.find((i) => i.authIndex === 'xai2')).toMatchObject({ issue: 'unauthorized' });
    // Traffic evidence never disables for an auth issue (only a probe may).
    expect(h.disabledInCpa('xai2')).toBe(false);
  });
});
