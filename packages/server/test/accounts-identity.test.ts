// Canonical account identity (issue #17): an account that logs in again under a new file name and a new
// auth_index keeps its usage, costs, quota windows, window history and action log.
import { afterEach, describe, expect, it } from 'vitest';
import { accountKey } from '@cpamp/store';
import { codexFile, startPoolHarness, T0, type PoolHarness } from './pool-harness';

let h: PoolHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const ev = (i: number, authIndex: string, timestampMs: number) => ({
  dedupKey: String(i).repeat(64), requestId: `abcd000${i}`, timestampMs, provider: 'codex', executorType: 'codex', model: 'gpt-5',
  alias: 'gpt-5', endpoint: '/v1/responses', authType: 'oauth', source: '', apiKeyHash: '', apiKeyLabel: '', clientIp: '', userAgent: '',
  failed: false, statusCode: 200, failBody: '', latencyMs: 5, ttftMs: 1, reasoningEffort: '', serviceTier: '', responseServiceTier: '',
  generate: true, inputTokens: 10, cacheReadTokens: 0, cacheCreationTokens: 0, outputTokens: 5, reasoningTokens: 0, unclassifiedTokens: 0,
  totalTokens: 15, tokenQuality: 'complete' as const, authIndex,
});

describe('canonical account identity', () => {
  it('keys an account by upstream, provider and account id / email, whatever the file or auth_index', () => {
    expect(accountKey({ provider: 'Codex', accountId: 'ACC-1', email: 'U@x.test', authIndex: 'a1' })).toBe('default/codex/acc-1|u@x.test');
    expect(accountKey({ provider: 'claude', email: 'c@x.test', authIndex: 'c1' })).toBe('default/claude/c@x.test');
    expect(accountKey({ provider: 'gemini', authIndex: 'g1' })).toBe('default/gemini/auth:g1');
  });

  it('history, usage, costs and quota windows survive a re-login under a new file and auth_index', async () => {
    h = await startPoolHarness({ files: [codexFile(1), codexFile(2)] });
    h.fake.accounts.setQuota('a1', { primary: { usedPercent: 40, resetInSeconds: 3600 } });
    await h.service.sync();
    await h.inspect();
    await h.store.insertBatch([ev(1, 'a1', T0 - 60_000), ev(2, 'a1', T0 - 30_000), ev(3, 'a2', T0 - 10_000)]);

    // Log in again: CPA writes a new file (new name, new auth_index) for the same ChatGPT account and email.
    const old = codexFile(1);
    h.fake.putAuthFile({ name: 'codex-relogin.json', authIndex: 'a1b', content: { ...old.content, access_token: 'tok-new' } });
    h.advance(60_000);
    await h.service.sync();
    const page = (await h.app.inject({ url: '/v0/management/pool/accounts?limit=50&sort=name' })).json() as { items: { authIndex: string; accountKey: string; usage24h: { requests: number }; windows: unknown[] }[] };
    const fresh = page.items.find((a) => a.authIndex === 'a1b')!;
    const first = page.items.find((a) => a.authIndex === 'a1')!;
    expect(fresh.accountKey).toBe(first.accountKey);
    expect(fresh.accountKey).toBe('default/codex/acc-1|u1@pool.test');
    // Usage of the old index counts for the account under its new index; the other account is apart.
    expect(fresh.usage24h.requests).toBe(2);
    expect(page.items.find((a) => a.authIndex === 'a2')!.usage24h.requests).toBe(1);
    // Quota windows (not probed yet under the new index) and their history come from the account.
    expect(fresh.windows).toEqual(expect.arrayContaining([expect.objectContaining({ window: '5h', usedPercent: 40 })]));
    const detail = (await h.app.inject({ url: '/v0/management/pool/accounts/a1b' })).json() as { windowHistory: { window: string; points: unknown[] }[] };
    expect(detail.windowHistory.find((w) => w.window === '5h')?.points.length).toBeGreaterThan(0);
  });
});
