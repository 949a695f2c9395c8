// The account pool and its alerts per CPA (issue #21 item 2): two fake CPAs over real sockets that keep an
// auth file of the same name and auth_index (the same container layout) for two different accounts.
import { startFakeCpa, type FakeAuthFile, type FakeCpa } from '@cpamp/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineConfig } from '../src/index';
import { readUsage } from '../src/pool/views';
import { bearer, startTestApp, type TestApp } from './helpers';

const file = (who: string, i: number): FakeAuthFile => ({
  name: `codex-u${i}.json`,
  authIndex: `a${i}`,
  content: {
    type: 'codex',
    email: `u${i}@${who}.test`,
    access_token: `tok-${who}-${i}`,
    account_id: `acc-${who}-${i}`,
  },
});

let main: FakeCpa;
let east: FakeCpa;
let t: TestApp;

beforeAll(async () => {
  main = await startFakeCpa({ managementKey: 'main-key', authFiles: [file('main', 1), file('main', 2)] });
  east = await startFakeCpa({ managementKey: 'east-key', authFiles: [file('east', 1)] });
  const base = defineConfig({ dataDir: '/unused' });
  t = await startTestApp({
    logLevel: 'silent',
    cpaUpstreamUrl: main.url,
    cpaManagementKey: 'main-key',
    collector: { ...base.collector, mode: 'http', pollIntervalMs: 1_000 },
    automation: { ...base.automation, quotaCooldownEnabled: true },
    upstreams: [{ name: 'east', url: east.url, managementKey: 'east-key', collectorMode: null }],
  });
  await t.app.pool.sync();
}, 30_000);

afterAll(async () => {
  await t?.close();
  await main?.close();
  await east?.close();
});

const req = async (
  method: 'GET' | 'POST' | 'PATCH',
  url: string,
  opts: { headers?: Record<string, string>; payload?: object } = {},
) => {
  const res = await t.app.inject({
    method,
    url,
    headers: { ...bearer(t.adminKey), ...opts.headers },
    ...(opts.payload ? { payload: opts.payload } : {}),
  });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json();
};
type Account = {
  authIndex: string;
  upstream: string;
  email: string;
  status: string;
  disabledBy: string | null;
};
const accounts = async (query = '', headers: Record<string, string> = {}) =>
  ((await req('GET', `/v0/management/pool/accounts?sort=name${query}`, { headers })).items as Account[])
    .map((a) => [a.upstream, a.authIndex, a.email, a.status])
    .sort((x, y) => `${x[0]}${x[1]}`.localeCompare(`${y[0]}${y[1]}`));
const disabledIn = (cpa: FakeCpa, authIndex: string) =>
  cpa.authFiles().find((f) => f.authIndex === authIndex)?.content.disabled === true;

describe('the account pool per CPA', () => {
  it("lists every CPA's accounts, keyed by CPA: the same auth_index on two CPAs is two accounts", async () => {
    expect(await accounts()).toEqual([
      ['default', 'a1', 'u1@main.test', 'active'],
      ['default', 'a2', 'u2@main.test', 'active'],
      ['east', 'east~a1', 'u1@east.test', 'active'],
    ]);
    expect(await accounts('&upstream=east')).toEqual([['east', 'east~a1', 'u1@east.test', 'active']]);
    expect(await accounts('', { 'x-cpamp-upstream': 'default' })).toHaveLength(2);
    const overview = await req('GET', '/v0/management/pool/overview', {
      headers: { 'x-cpamp-upstream': 'east' },
    });
    expect(overview.counts.total).toBe(1);
    const unknown = await t.app.inject({
      url: '/v0/management/pool/accounts?upstream=nowhere',
      headers: bearer(t.adminKey),
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('upstream_unknown');
    const detail = await req('GET', '/v0/management/pool/accounts/east~a1');
    expect(detail.account).toMatchObject({ upstream: 'east', email: 'u1@east.test' });
  });

  it('inspects each CPA through its own connection and acts on the right CPA only; alerts name the CPA', async () => {
    const rules = {
      east: await req('POST', '/v0/management/alerts/rules', {
        payload: {
          name: 'East quota',
          kind: 'quota-low',
          params: { remainingPercentBelow: 40, upstream: 'east' },
        },
      }),
      main: await req('POST', '/v0/management/alerts/rules', {
        payload: {
          name: 'Main quota',
          kind: 'quota-low',
          params: { remainingPercentBelow: 40, upstream: 'default' },
        },
      }),
      any: await req('POST', '/v0/management/alerts/rules', {
        payload: { name: 'Cooldowns', kind: 'cooldown-entered', params: {} },
      }),
    };
    // The same auth_index: 80 % used on east, 10 % on the default CPA; the default CPA's a2 is exhausted.
    east.accounts.setQuota('a1', { primary: { usedPercent: 80 } });
    main.accounts.setQuota('a1', { primary: { usedPercent: 10 } });
    main.accounts.exhaust('a2', { resetInSeconds: 3600 });
    const started = await req('POST', '/v0/management/pool/inspections', { payload: {} });
    await t.app.pool.inspections.active()?.done;
    const run = (await req('GET', `/v0/management/pool/inspections/${started.run.id}`)).run;
    expect(run).toMatchObject({ state: 'done', counts: { ok: 2, exhausted: 1 } });
    expect(east.stats().authFailures + main.stats().authFailures).toBe(0);

    expect(disabledIn(main, 'a2')).toBe(true);
    expect(disabledIn(main, 'a1')).toBe(false);
    expect(disabledIn(east, 'a1')).toBe(false);
    const left = async (upstream: string, authIndex: string) => {
      const acc = (
        (await req('GET', `/v0/management/pool/accounts?upstream=${upstream}`)).items as (Account & {
          windows: { window: string; remainingPercent: number }[];
        })[]
      ).find((a) => a.authIndex === authIndex);
      return Math.min(...acc!.windows.map((w) => w.remainingPercent));
    };
    expect(await left('east', 'east~a1')).toBe(20);
    expect(await left('default', 'a1')).toBe(90);

    await t.app.alerts.engine.idle();
    const incidents = (await req('GET', '/v0/management/alerts/incidents')).items as {
      ruleId: number;
      subject: string;
      message: string;
    }[];
    const of = (rule: { id?: number; rule?: { id: number } }) =>
      incidents.filter((i) => i.ruleId === (rule.rule?.id ?? rule.id));
    // Each rule sees its own CPA only: east's a1 (20 % left) for the east rule, the default CPA's exhausted a2
    // (not its a1 with 90 % left, the same auth_index as east's a1) for the default one.
    expect(of(rules.east).map((i) => i.subject)).toEqual(['east~a1']);
    expect(of(rules.east)[0]!.message).toMatch(/^\[CPA east\] Quota low: account east~a1 \(codex/);
    expect(of(rules.main).map((i) => i.subject)).toEqual(['a2']);
    expect(of(rules.main)[0]!.message).toMatch(/^Quota low: account a2 /);
    const cooldown = of(rules.any);
    expect(cooldown.map((i) => [i.subject, i.message.startsWith('[CPA')])).toEqual([['a2', false]]);
    // The page's names: another CPA's account says which CPA it lives in.
    const listed = (await req('GET', '/v0/management/alerts/incidents/readable')).items as {
      subject: string;
      subjectLabel: string;
    }[];
    expect(listed.find((i) => i.subject === 'east~a1')?.subjectLabel).toBe('u1@east.test (CPA east)');
    expect(listed.find((i) => i.subject === 'a2')?.subjectLabel).toBe('u2@main.test');
  });

  it("reads traffic evidence and usage per CPA: an event of east's a1 is about east's account only", async () => {
    const now = Date.now();
    const ev = (i: number, upstream: string, failed: boolean) => ({
      dedupKey: `${upstream}-${i}`.padEnd(64, '0'),
      requestId: `ev${i}`,
      timestampMs: now - 1000 + i,
      provider: 'codex',
      executorType: 'codex',
      model: 'gpt-5',
      alias: 'gpt-5',
      endpoint: '/v1/responses',
      authType: 'oauth',
      source: '',
      apiKeyHash: '',
      apiKeyLabel: '',
      clientIp: '',
      userAgent: '',
      failed,
      statusCode: failed ? 429 : 200,
      failBody: failed ? '{"error":{"type":"usage_limit_reached","resets_in_seconds":1800}}' : '',
      latencyMs: 5,
      ttftMs: 1,
      reasoningEffort: '',
      serviceTier: '',
      responseServiceTier: '',
      generate: true,
      inputTokens: 10,
      cacheReadTokens: 0,
      cacheCreationTokens: 0,
      outputTokens: 5,
      reasoningTokens: 0,
      unclassifiedTokens: 0,
      totalTokens: 15,
      tokenQuality: 'complete' as const,
      authIndex: 'a1',
      upstream,
    });
    await t.app.store.insertBatch([ev(1, 'east', true), ev(2, 'default', false), ev(3, 'default', false)]);
    await t.app.pool.evidence.scan();
    // East's a1 hit its usage limit: cpamp puts it in a cooldown on east; the default CPA's a1 is untouched.
    expect(disabledIn(east, 'a1')).toBe(true);
    expect(disabledIn(main, 'a1')).toBe(false);
    const usage = await readUsage(t.app.store, Date.now(), ['default', 'east']);
    expect([usage.u24.get('a1')?.requests, usage.u24.get('east~a1')?.requests]).toEqual([2, 1]);
    await expect
      .poll(async () => (await accounts()).map(([u, i, , s]) => `${u}/${i}:${s}`))
      .toEqual(['default/a1:active', 'default/a2:cooldown', 'east/east~a1:cooldown']);
  });

  it("a user's disable through the proxy reaches the chosen CPA and the pool follows it there only", async () => {
    await req('PATCH', '/v0/management/auth-files/status', {
      headers: { 'x-cpamp-upstream': 'east', 'content-type': 'application/json' },
      payload: { name: 'codex-u1.json', disabled: true },
    });
    expect(disabledIn(east, 'a1')).toBe(true);
    expect(disabledIn(main, 'a1')).toBe(false);
    const state = async () => (await accounts()).map(([u, i, , s]) => `${u}/${i}:${s}`);
    await expect
      .poll(state, { timeout: 5_000 })
      .toEqual(['default/a1:active', 'default/a2:cooldown', 'east/east~a1:disabled_by_user']);
  });
});
