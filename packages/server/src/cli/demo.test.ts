// The pieces of `cpamp demo` that give the pool life: roles, quota states against the fake CPA, the
// per-minute burn, and real-time replay of generated traffic. (The whole demo runs in cli.test.ts.)
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFakeQuotaAccounts, generateAccountPool, generateUsage } from '@cpamp/testkit';
import { DEMO_ACCOUNTS, DEMO_SEED, planDemoPool, sawtooth, seedDemoQuotas, startDemoPool, stepDemoQuotas, type DemoInject } from './demo-pool';
import { recordTimeMs, replayInRealTime } from './demo-traffic';

const T0 = Date.UTC(2026, 10, 16, 10, 0);
const accounts = generateAccountPool({ seed: DEMO_SEED, accounts: DEMO_ACCOUNTS });

describe('demo pool plan and quotas', () => {
  it('assigns distinct roles over Codex and Claude OAuth accounts', () => {
    const plan = planDemoPool(accounts);
    expect(plan.codex.length).toBeGreaterThanOrEqual(25);
    expect(plan.claude.length).toBeGreaterThanOrEqual(8);
    expect([plan.exhausted.length, plan.expired.length, plan.banned.length, plan.hot.length]).toEqual([3, 1, 1, 3]);
    const all = [...plan.steady, ...plan.exhausted, ...plan.expired, ...plan.banned, ...plan.hot].map((a) => a.authIndex);
    expect(new Set(all).size).toBe(plan.codex.length + plan.claude.length);
    expect(plan.exhausted.every((a) => a.provider === 'codex')).toBe(true);
  });

  it('the steady level is the one the generated rate-limit headers report', () => {
    const byIndex = new Map(accounts.map((a) => [a.authIndex, a]));
    let checked = 0;
    for (const r of generateUsage({ seed: DEMO_SEED, accounts: DEMO_ACCOUNTS, events: 300, days: 1, end: T0 })) {
      const used = r.response_headers?.['X-Codex-Primary-Used-Percent']?.[0];
      const acc = byIndex.get(r.auth_index);
      if (!used || !acc || r.failed) continue;
      expect(sawtooth(acc.index, recordTimeMs(r.timestamp), 18_000).usedPercent, r.timestamp).toBe(Number(used));
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('seeds varied states and burns the hot accounts minute by minute', () => {
    let t = T0;
    const quota = createFakeQuotaAccounts(() => t);
    const plan = planDemoPool(accounts);
    seedDemoQuotas(quota, plan, t);
    expect(plan.exhausted.map((a) => quota.get(a.authIndex)?.primary.usedPercent)).toEqual([100, 100, 100]);
    expect(quota.get(plan.exhausted[0]!.authIndex)?.primary.resetAtMs).toBe(T0 + 900_000);
    expect(quota.get(plan.expired[0]!.authIndex)?.state).toBe('expired');
    expect(quota.get(plan.banned[0]!.authIndex)?.state).toBe('banned');
    const levels = new Set(plan.steady.map((a) => quota.get(a.authIndex)?.primary.usedPercent));
    expect(levels.size).toBeGreaterThan(10);
    const hot = plan.hot[0]!;
    const before = quota.get(hot.authIndex)!.primary.usedPercent;
    for (let m = 0; m < 10; m++) {
      t += 60_000;
      stepDemoQuotas(quota, plan, t, new Set());
    }
    expect(quota.get(hot.authIndex)!.primary.usedPercent).toBe(before + 10);
    // A disabled hot account burns nothing; steady accounts follow the saw-tooth.
    t += 60_000;
    stepDemoQuotas(quota, plan, t, new Set([hot.file!.name]));
    expect(quota.get(hot.authIndex)!.primary.usedPercent).toBe(before + 10);
    const steady = plan.steady[0]!;
    expect(quota.get(steady.authIndex)!.primary.usedPercent).toBe(sawtooth(steady.index, t, 18_000).usedPercent);
    // Claude hot accounts stop short of full (a full Claude window answers a bare 429 in the fake).
    const claudeHot = plan.hot.find((a) => a.provider === 'claude')!;
    for (let m = 0; m < 120; m++) stepDemoQuotas(quota, plan, (t += 60_000), new Set());
    expect(quota.get(claudeHot.authIndex)!.primary.usedPercent).toBeLessThanOrEqual(96);
  });
});

describe('startDemoPool', () => {
  let stop: (() => Promise<void>) | null = null;
  afterEach(async () => {
    await stop?.();
    stop = null;
  });

  it('creates channel, rule and policy in order, starts an inspection and warns (never throws) on failures', async () => {
    const calls: string[] = [];
    const warnings: string[] = [];
    const inject: DemoInject = async (req) => {
      calls.push(`${req.method} ${req.url}`);
      if (req.url.endsWith('/channels')) return { statusCode: 201, body: JSON.stringify({ channel: { id: 7 } }) };
      if (req.url.endsWith('/rules')) {
        expect(req.payload).toMatchObject({ kind: 'quota-low', channelIds: [7] });
        return { statusCode: 201, body: JSON.stringify({ rule: { id: 3 } }) };
      }
      if (req.url.endsWith('/policy')) {
        expect(req.payload).toMatchObject({ autoDisableOnExhaustion: true, autoRestoreAtReset: true, authIssueQueue: true, inspectionIntervalMinutes: 5 });
        return { statusCode: 200, body: '{}' };
      }
      if (req.method === 'POST' && req.url.endsWith('/inspections')) return { statusCode: 500, body: 'nope' };
      return { statusCode: 404, body: '{}' };
    };
    const pool = startDemoPool({ quota: createFakeQuotaAccounts(Date.now), plan: planDemoPool(accounts), inject, disabledFiles: () => new Set(), warn: (m) => void warnings.push(m) });
    stop = pool.stop;
    expect(await pool.ready).toEqual({ channelId: 7, ruleId: 3, inspectionRunId: null });
    expect(calls).toEqual(['POST /v0/management/alerts/channels', 'POST /v0/management/alerts/rules', 'PUT /v0/management/pool/policy', 'POST /v0/management/pool/inspections']);
    expect(warnings.join('\n')).toMatch(/first inspection failed \(500\)/);
  });
  it('waits for the first run, then burns quota on its timer until stopped', async () => {
    const quota = createFakeQuotaAccounts(Date.now);
    const plan = planDemoPool(accounts);
    seedDemoQuotas(quota, plan, Date.now());
    let polls = 0;
    const inject: DemoInject = async (req) => {
      if (req.url.endsWith('/channels')) return { statusCode: 201, body: JSON.stringify({ channel: { id: 1 } }) };
      if (req.url.endsWith('/rules')) return { statusCode: 201, body: JSON.stringify({ rule: { id: 1 } }) };
      if (req.method === 'POST' && req.url.endsWith('/inspections')) return { statusCode: 202, body: JSON.stringify({ run: { id: 9, state: 'running' } }) };
      if (req.url.startsWith('/v0/management/pool/inspections/9')) return { statusCode: 200, body: JSON.stringify({ run: { id: 9, state: ++polls < 3 ? 'running' : 'done' } }) };
      return { statusCode: 200, body: '{}' };
    };
    const warnings: string[] = [];
    // The quota timer runs on mocked time (setInterval only: the set-up's polling stays real).
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const pool = startDemoPool({ quota, plan, inject, disabledFiles: () => new Set(), warn: (m) => void warnings.push(m), stepMs: 20 });
      stop = pool.stop;
      expect(await pool.ready).toEqual({ channelId: 1, ruleId: 1, inspectionRunId: 9 });
      expect(polls).toBe(3);
      const hot = plan.hot[0]!.authIndex;
      const before = quota.get(hot)!.primary.usedPercent;
      vi.advanceTimersByTime(120);
      await pool.stop();
      const after = quota.get(hot)!.primary.usedPercent;
      expect(after).toBeGreaterThan(before);
      // Stopped: no timer is left, so however much time passes the quotas stay put.
      expect(vi.getTimerCount()).toBe(0);
      vi.advanceTimersByTime(60);
      expect(quota.get(hot)!.primary.usedPercent).toBe(after);
    } finally {
      vi.useRealTimers();
    }
    expect(warnings).toEqual([]);
  });
});

describe('replayInRealTime', () => {
  it('publishes each record when its timestamp comes due, and stops on abort', async () => {
    const start = Date.now();
    const at = (ms: number) => ({ timestamp: new Date(start + ms).toISOString().replace('Z', '123456+00:00') });
    const got: number[] = [];
    const abort = new AbortController();
    const n = await replayInRealTime({ enqueueUsage: () => void got.push(Date.now() - start) }, [at(-1000), at(0), at(150), at(300)], { signal: abort.signal });
    expect(n).toBe(4);
    expect(got[2]).toBeGreaterThanOrEqual(140);
    expect(got[3]).toBeGreaterThanOrEqual(290);
    const late = replayInRealTime({ enqueueUsage: () => undefined }, [at(60_000)], { signal: abort.signal });
    abort.abort();
    expect(await late).toBe(0);
  });

  it('reads CPA timestamps with nanoseconds and offsets', () => {
    expect(recordTimeMs('2026-11-16T18:00:00.123456789+08:00')).toBe(Date.UTC(2026, 10, 16, 10, 0, 0, 123));
  });
});
