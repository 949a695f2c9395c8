// The forecast through the real views (fake CPA over HTTP, real SQLite, fake clock): an idle pool is
// safe, a reset before exhaustion is safe, an exhausted account is "empty until" its reset, never a past
// "runs out" time.
import { afterEach, describe, expect, it } from 'vitest';
import { codexFile, startPoolHarness, T0, type PoolHarness } from './pool-harness';

const MIN = 60_000;
const H = 60 * MIN;
let h: PoolHarness;
afterEach(async () => {
  await h?.close();
});
const overview = async () =>
  (await h.app.inject({ url: '/v0/management/pool/overview' })).json() as {
    providers: Record<string, unknown>[];
    series: { plan: string | null }[];
  };

describe('pool forecast through the views', () => {
  it('an idle pool is safe', async () => {
    h = await startPoolHarness({ files: [1, 2, 3].map((i) => codexFile(i)) });
    for (const i of [1, 2, 3])
      h.fake.accounts.setQuota(`a${i}`, {
        primary: { usedPercent: 30 * i - 10, resetInSeconds: 4 * 3600 },
        secondary: { usedPercent: 25 },
      });
    await h.inspect();
    h.advance(H);
    await h.inspect();
    const [p] = (await overview()).providers;
    expect(p).toMatchObject({ verdict: 'safe', reason: 'idle', exhaustAtMs: null });
  });

  it('a reset before exhaustion is safe; an exhausted account is empty until its reset', async () => {
    h = await startPoolHarness({ files: [1, 2].map((i) => codexFile(i)) });
    h.fake.accounts.setQuota('a1', {
      primary: { usedPercent: 20, resetInSeconds: 2 * 3600 },
      secondary: { usedPercent: 10, resetInSeconds: 5 * 86_400 },
    });
    h.fake.accounts.setQuota('a2', {
      primary: { usedPercent: 100, resetInSeconds: 3 * 3600 },
      secondary: { usedPercent: 10, resetInSeconds: 5 * 86_400 },
    });
    await h.service.updatePolicy({ autoDisableOnExhaustion: false });
    await h.inspect();
    h.advance(H);
    // a1's 5h window burns 30 %/h: 50 % left lasts 1 h 40 min, but it resets in 1 h.
    h.fake.accounts.setQuota('a1', {
      primary: { usedPercent: 50, resetInSeconds: 3600 },
      secondary: { usedPercent: 10, resetInSeconds: 5 * 86_400 - 3600 },
    });
    await h.inspect();
    const [p] = (await overview()).providers;
    expect(p).toMatchObject({
      verdict: 'safe',
      reason: 'reset-first',
      bindingWindow: '5h',
      exhaustAtMs: null,
      nextResetAtMs: T0 + 2 * H,
    });
    expect(p!['dryAtMs']).toBe(T0 + H + (50 / 30) * H);
    const acc = (await h.app.inject({ url: '/v0/management/pool/accounts/a2' })).json().account as {
      exhaustAtMs: number | null;
      emptyUntilMs: number | null;
    };
    expect(acc).toMatchObject({ exhaustAtMs: null, emptyUntilMs: T0 + 3 * H });
    // Sorted by "runs out first", the empty account leads.
    const page = (await h.app.inject({ url: '/v0/management/pool/accounts?sort=exhaust' })).json().items as {
      authIndex: string;
    }[];
    expect(page[0]!.authIndex).toBe('a2');
  });
});
