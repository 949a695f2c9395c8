// The pool policy and inspection runs per CPA (issue #21 item 2): a CPA's own policy fields over the global
// policy, automation that follows each account's CPA, runs that record their CPA, and per-CPA schedules. Two
// fake CPAs over real sockets.
import { startFakeCpa, type FakeAuthFile, type FakeCpa } from '@cpamp/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineConfig } from '../src/index';
import { bearer, startTestApp, type TestApp } from './helpers';

const file = (who: string, i: number): FakeAuthFile => ({
  name: `codex-u${i}.json`,
  authIndex: `a${i}`,
  content: { type: 'codex', email: `u${i}@${who}.test`, access_token: `tok-${who}-${i}`, account_id: `acc-${who}-${i}` },
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

const call = (method: 'GET' | 'PUT' | 'POST', url: string, opts: { upstream?: string; payload?: object } = {}) =>
  t.app.inject({
    method,
    url,
    headers: { ...bearer(t.adminKey), ...(opts.upstream ? { 'x-cpamp-upstream': opts.upstream } : {}) },
    ...(opts.payload ? { payload: opts.payload } : {}),
  });
const ok = async (...args: Parameters<typeof call>) => {
  const res = await call(...args);
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json();
};
type PolicyView = { policy: Record<string, unknown>; upstream: string | null; own: string[] };
const policy = (upstream?: string) => ok('GET', '/v0/management/pool/policy', upstream ? { upstream } : {}) as Promise<PolicyView>;
const disabledIn = (cpa: FakeCpa, authIndex: string) => cpa.authFiles().find((f) => f.authIndex === authIndex)?.content.disabled === true;

describe('pool policy and inspection runs per CPA', () => {
  it("a CPA's own fields override the global policy; null drops one; the default CPA's policy is the global one", async () => {
    const global = await policy();
    expect(global).toMatchObject({ upstream: null, own: [], policy: { autoDisableOnExhaustion: true } });
    const set = (await ok('PUT', '/v0/management/pool/policy', {
      upstream: 'east',
      payload: { autoDisableOnExhaustion: false, inspectionConcurrency: 2 },
    })) as PolicyView;
    expect(set).toMatchObject({ upstream: 'east', policy: { autoDisableOnExhaustion: false, inspectionConcurrency: 2 } });
    expect(set.own.sort()).toEqual(['autoDisableOnExhaustion', 'inspectionConcurrency']);
    // Global and default are untouched, and are the same policy.
    expect((await policy()).policy).toEqual(global.policy);
    expect((await policy('default')).policy).toEqual(global.policy);
    // A global change reaches east where east has no field of its own.
    await ok('PUT', '/v0/management/pool/policy', { upstream: 'default', payload: { inspectionConcurrency: 5, inspectionRetries: 2 } });
    expect((await policy('east')).policy).toMatchObject({ inspectionConcurrency: 2, inspectionRetries: 2 });
    const reset = (await ok('PUT', '/v0/management/pool/policy?upstream=east', { payload: { inspectionConcurrency: null } })) as PolicyView;
    expect(reset).toMatchObject({ own: ['autoDisableOnExhaustion'], policy: { inspectionConcurrency: 5, autoDisableOnExhaustion: false } });
    // Survives a restart of the pool service: it is stored.
    expect(await t.app.store.settings.get('pool.policy_overrides.east')).toEqual({ autoDisableOnExhaustion: false });
    // A global null drops the saved value: back to the startup default.
    await ok('PUT', '/v0/management/pool/policy', { payload: { inspectionRetries: null } });
    expect((await policy()).policy.inspectionRetries).toBe(0);
    const unknown = await call('GET', '/v0/management/pool/policy', { upstream: 'nowhere' });
    expect([unknown.statusCode, unknown.json().code]).toEqual([404, 'upstream_unknown']);
  });

  it("automation follows each account's CPA: an exhausted account is disabled on the default CPA, not on east", async () => {
    main.accounts.exhaust('a2', { resetInSeconds: 3600 });
    east.accounts.exhaust('a1', { resetInSeconds: 3600 });
    const started = await ok('POST', '/v0/management/pool/inspections', { payload: {} });
    expect(started.run.upstream).toBeNull();
    await t.app.pool.inspections.active()?.done;
    expect(disabledIn(main, 'a2')).toBe(true);
    // East keeps it serving (its own autoDisableOnExhaustion: false), though the run found it exhausted too.
    expect(disabledIn(east, 'a1')).toBe(false);
    const run = (await ok('GET', `/v0/management/pool/inspections/${started.run.id}?result=exhausted`)) as { results: { authIndex: string }[] };
    expect(run.results.map((r) => r.authIndex).sort()).toEqual(['a2', 'east~a1']);
  });

  it('runs record their CPA; the runs list per CPA holds its runs and the runs over every CPA', async () => {
    const eastRun = (await ok('POST', '/v0/management/pool/inspections', { upstream: 'east', payload: {} })).run;
    await t.app.pool.inspections.active()?.done;
    const mainRun = (await ok('POST', '/v0/management/pool/inspections', { upstream: 'default', payload: {} })).run;
    await t.app.pool.inspections.active()?.done;
    expect([eastRun.upstream, eastRun.total, mainRun.upstream, mainRun.total]).toEqual(['east', 1, 'default', 2]);
    const runs = async (upstream?: string) =>
      ((await ok('GET', '/v0/management/pool/inspections', upstream ? { upstream } : {})).items as { id: number; upstream: string | null }[]).map((r) => r.upstream);
    expect(await runs()).toEqual(['default', 'east', null]);
    expect(await runs('east')).toEqual(['east', null]);
    expect(await runs('default')).toEqual(['default', null]);
  });

  it('a CPA with a schedule of its own gets scheduled runs of its own; the others keep the global schedule', async () => {
    await ok('PUT', '/v0/management/pool/policy', { upstream: 'east', payload: { inspectionIntervalMinutes: 60 } });
    expect((await policy()).policy.inspectionIntervalMinutes).toBe(0);
    // East's schedule is due (its last run is long ago); the global one is off.
    await t.app.store.settings.set('pool.last_scheduled_ms.east', 1);
    const before = (await t.app.store.pool.listRuns(1))[0]!.id;
    await t.app.pool.tick();
    await t.app.pool.inspections.active()?.done;
    const [run] = await t.app.store.pool.listRuns(1);
    expect(run).toMatchObject({ trigger: 'schedule', upstream: 'east', total: 1 });
    expect(run!.id).toBeGreaterThan(before);
    // Not again before its interval is over.
    await t.app.pool.tick();
    expect((await t.app.store.pool.listRuns(1))[0]!.id).toBe(run!.id);
  });
});
