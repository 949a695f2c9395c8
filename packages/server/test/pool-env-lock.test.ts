// CPAMP_POOL_* env keys lock their policy fields over HTTP (409 setting_locked naming the variable), as the
// Plus env keys do; config-file values only set defaults.
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/index';
import { codexFile, startPoolHarness, type PoolHarness } from './pool-harness';

let h: PoolHarness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const automationFrom = (env: Record<string, string>, file?: object) =>
  loadConfig({
    env: { CPAMP_DOCKER: '0', ...env },
    argv: file ? ['--config', '/c.json'] : [],
    cwd: '/work',
    readFile: (p) => (file && p === '/c.json' ? JSON.stringify(file) : null),
    fileExists: () => false,
  }).automation;

describe('pool policy locked by CPAMP_POOL_* env keys', () => {
  it('GET names the locked fields; PUT of a locked change is 409 naming the env variable; other fields save', async () => {
    h = await startPoolHarness({
      files: [codexFile(1)],
      automation: automationFrom({ CPAMP_POOL_INSPECTION_INTERVAL_MINUTES: '30', CPAMP_POOL_INSPECTION_PROVIDERS: 'codex', CPAMP_POOL_DRY_RUN: 'true' }),
    });
    const got = (await h.app.inject({ url: '/v0/management/pool/policy' })).json();
    expect(got.policy).toMatchObject({ inspectionIntervalMinutes: 30, inspectionProviders: ['codex'], dryRun: true, autoRestoreAtReset: true });
    expect(got.locked).toEqual({
      inspectionIntervalMinutes: 'CPAMP_POOL_INSPECTION_INTERVAL_MINUTES',
      inspectionProviders: 'CPAMP_POOL_INSPECTION_PROVIDERS',
      dryRun: 'CPAMP_POOL_DRY_RUN',
    });
    const res = await h.app.inject({ method: 'PUT', url: '/v0/management/pool/policy', payload: { inspectionIntervalMinutes: 5 } });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'setting_locked' });
    expect(res.json().error).toMatch(/CPAMP_POOL_INSPECTION_INTERVAL_MINUTES/);
    const providers = await h.app.inject({ method: 'PUT', url: '/v0/management/pool/policy', payload: { inspectionProviders: ['codex', 'claude'] } });
    expect(providers.statusCode).toBe(409);
    expect(providers.json().error).toMatch(/CPAMP_POOL_INSPECTION_PROVIDERS/);
    // Repeating a locked value is not a change; unlocked fields save.
    const ok = await h.app.inject({ method: 'PUT', url: '/v0/management/pool/policy', payload: { inspectionProviders: ['codex'], dryRun: true, inspectionConcurrency: 2, autoRestoreAtReset: false } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().policy).toMatchObject({ inspectionConcurrency: 2, autoRestoreAtReset: false, inspectionIntervalMinutes: 30 });
  });

  it('CPAMP_POOL_AUTO_RESTORE locks autoRestoreAtReset; a config-file key is only a default', async () => {
    h = await startPoolHarness({ files: [codexFile(1)], automation: automationFrom({ CPAMP_POOL_AUTO_RESTORE: 'false' }, { poolInspectionConcurrency: 6 }) });
    const got = (await h.app.inject({ url: '/v0/management/pool/policy' })).json();
    expect(got.policy).toMatchObject({ autoRestoreAtReset: false, inspectionConcurrency: 6 });
    expect(got.locked).toEqual({ autoRestoreAtReset: 'CPAMP_POOL_AUTO_RESTORE' });
    const res = await h.app.inject({ method: 'PUT', url: '/v0/management/pool/policy', payload: { autoRestoreAtReset: true } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatch(/CPAMP_POOL_AUTO_RESTORE/);
    const ok = await h.app.inject({ method: 'PUT', url: '/v0/management/pool/policy', payload: { inspectionConcurrency: 3 } });
    expect(ok.json().policy.inspectionConcurrency).toBe(3);
  });

  it("Plus's account-processing-policy source reflects only Plus's three env keys", async () => {
    h = await startPoolHarness({ files: [codexFile(1)], automation: automationFrom({ CPAMP_POOL_DRY_RUN: 'true', CPAMP_POOL_INSPECTION_INTERVAL_MINUTES: '30' }) });
    const url = '/usage-service/account-processing-policy';
    const first = (await h.app.inject({ url })).json();
    expect(first.source).toBe('startup');
    for (const k of ['codexQuotaCooldown', 'authIssueQueue', 'authIssueAutoDisable']) expect(first[k]).toMatchObject({ source: 'startup', locked: false, configured: false });
    const saved = (await h.app.inject({ method: 'PATCH', url, payload: { authIssueQueueEnabled: true } })).json();
    expect(saved).toMatchObject({ source: 'database', authIssueQueue: { enabled: true, source: 'database', configured: true }, codexQuotaCooldown: { source: 'startup' } });
    // A CPAMP_POOL_* field saved through the pool API is not one of Plus's toggles either.
    await h.close();
    h = null;
    h = await startPoolHarness({ files: [codexFile(1)], automation: automationFrom({ CPAMP_POOL_DRY_RUN: 'true' }) });
    await h.app.inject({ method: 'PUT', url: '/v0/management/pool/policy', payload: { inspectionConcurrency: 2 } });
    expect((await h.app.inject({ url })).json().source).toBe('startup');
    await h.close();
    h = null;
    h = await startPoolHarness({ files: [codexFile(1)], automation: automationFrom({ CPAMP_POOL_DRY_RUN: 'true', USAGE_ACCOUNT_ACTIONS_AUTO_DISABLE: 'true' }) });
    const env = (await h.app.inject({ url })).json();
    expect(env).toMatchObject({ source: 'env', authIssueAutoDisable: { enabled: true, source: 'env', locked: true, dependsOn: 'authIssueQueue' }, authIssueQueue: { source: 'startup', locked: false } });
  });
});
