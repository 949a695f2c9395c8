import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, startTestApp, type TestApp } from './helpers';

let fake: FakeCpa;
let t: TestApp | null = null;
beforeEach(async () => {
  fake = await startFakeCpa({ usageStatisticsEnabled: false, retentionSeconds: 60 });
});
afterEach(async () => {
  await t?.close();
  t = null;
  await fake.close();
});

const setup = (app: TestApp, body: object) => app.app.inject({ method: 'POST', url: '/setup', headers: bearer(app.adminKey), payload: body });

describe('POST /setup against the fake CPA', () => {
  it('normalises the URL, validates the key, enables usage statistics and saves the connection', async () => {
    t = await startTestApp();
    const info0 = (await t.app.inject({ url: '/usage-service/info' })).json();
    expect(info0).toMatchObject({ service: 'cpamp', configured: false, setupRequired: true, adminReady: true });
    const res = await setup(t, { cpaBaseUrl: ` ${fake.url.replace('http://', '')}/v0/management/ `, managementKey: fake.managementKey });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ ok: true, upstream: fake.url, retentionSeconds: 60, usageStatisticsEnabled: true });
    expect((await t.app.inject({ url: '/usage-service/info' })).json()).toMatchObject({ configured: true, setupRequired: false, connectionSource: 'db' });
    const enabled = await t.app.inject({ url: '/v0/management/usage-statistics-enabled', headers: bearer(t.adminKey) });
    expect(enabled.json()).toEqual({ 'usage-statistics-enabled': true });
  });

  it('never returns the management key unless an admin asks with ?reveal=1', async () => {
    t = await startTestApp();
    await setup(t, { cpaBaseUrl: fake.url, managementKey: fake.managementKey });
    const cfg = await t.app.inject({ url: '/usage-service/config', headers: bearer(t.adminKey) });
    expect(cfg.statusCode).toBe(200);
    expect(cfg.body).not.toContain(fake.managementKey);
    expect(cfg.json().config.cpaConnection).toMatchObject({ cpaBaseUrl: fake.url, managementKey: '', managementKeySet: true });
    expect(cfg.json().cpaUsage).toEqual({ usageStatisticsEnabled: true, redisUsageQueueRetentionSeconds: 60, retentionSourceDefault: false });
    const revealed = await t.app.inject({ url: '/usage-service/config?reveal=1', headers: bearer(t.adminKey) });
    expect(revealed.json().config.cpaConnection.managementKey).toBe(fake.managementKey);
    expect(t.logs.join('')).toMatch(/revealed/);
    expect((await t.app.inject({ url: '/usage-service/config?reveal=1' })).statusCode).toBe(401);
  });

  it('a wrong management key is 400 invalid_management_key (not 401, which would log the admin out)', async () => {
    t = await startTestApp();
    const res = await setup(t, { cpaBaseUrl: fake.url, managementKey: 'wrong' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'invalid_management_key' });
    expect(res.body).not.toContain('wrong"');
    expect((await t.app.inject({ url: '/usage-service/info' })).json().configured).toBe(false);
  });

  it('requires URL and key; rejects unusable URLs', async () => {
    t = await startTestApp();
    expect((await setup(t, { cpaBaseUrl: fake.url })).json()).toMatchObject({ code: 'cpa_connection_required' });
    expect((await setup(t, { cpaBaseUrl: 'ftp://x', managementKey: 'k' })).statusCode).toBe(400);
  });

  it('checks the poll interval against CPA queue retention', async () => {
    await fake.close();
    fake = await startFakeCpa({ retentionSeconds: 1 });
    t = await startTestApp();
    const res = await setup(t, { cpaBaseUrl: fake.url, managementKey: fake.managementKey, pollIntervalMs: 5000 });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'poll_interval_exceeds_retention' });
  });

  it('502 management_api_validation_failed when CPA is unreachable', async () => {
    t = await startTestApp();
    const res = await setup(t, { cpaBaseUrl: 'http://127.0.0.1:1', managementKey: 'k' });
    expect(res.statusCode).toBe(502);
    expect(res.json()).toMatchObject({ code: 'management_api_validation_failed' });
  });

  it('an env-managed connection refuses a different setup with 409', async () => {
    t = await startTestApp({ cpaUpstreamUrl: fake.url, cpaManagementKey: fake.managementKey });
    const res = await setup(t, { cpaBaseUrl: 'http://elsewhere:8317', managementKey: 'k' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'setup_env_managed' });
    const put = await t.app.inject({ method: 'PUT', url: '/usage-service/config', headers: bearer(t.adminKey), payload: { config: { collector: { batchSize: 5 } } } });
    expect(put.statusCode).toBe(409);
    expect((await t.app.inject({ url: '/usage-service/info' })).json().connectionSource).toBe('env');
  });

  it('PUT /usage-service/config updates collector settings after validating against CPA', async () => {
    t = await startTestApp();
    await setup(t, { cpaBaseUrl: fake.url, managementKey: fake.managementKey });
    const put = await t.app.inject({ method: 'PUT', url: '/usage-service/config', headers: bearer(t.adminKey), payload: { config: { collector: { batchSize: 250, collectorMode: 'http' } } } });
    expect(put.statusCode, put.body).toBe(200);
    const cfg = (await t.app.inject({ url: '/usage-service/config', headers: bearer(t.adminKey) })).json();
    expect(cfg.config.collector).toMatchObject({ batchSize: 250, collectorMode: 'http' });
  });

  it('a new CPA URL without the key is refused: the stored key never goes to a new address', async () => {
    t = await startTestApp();
    await setup(t, { cpaBaseUrl: fake.url, managementKey: fake.managementKey });
    const other = await startFakeCpa({ managementKey: 'other-cpa-key-0123' });
    try {
      const before = other.stats().requests;
      const moved = await t.app.inject({ method: 'PUT', url: '/usage-service/config', headers: bearer(t.adminKey), payload: { config: { cpaConnection: { cpaBaseUrl: other.url } } } });
      expect(moved.statusCode).toBe(400);
      expect(moved.json().error).toMatch(/send the management key for the new address/);
      expect(other.stats().requests).toBe(before);
      const withKey = await t.app.inject({ method: 'PUT', url: '/usage-service/config', headers: bearer(t.adminKey), payload: { config: { cpaConnection: { cpaBaseUrl: other.url, managementKey: other.managementKey } } } });
      expect(withKey.statusCode, withKey.body).toBe(200);
      expect(t.logs.join('')).toMatch(/CPA connection moved to a new address/);
    } finally {
      await other.close();
    }
  });
});

describe('admin-triggered checks do not echo what another service answers', () => {
  it('/setup/check against a non-CPA page shows no part of that page', async () => {
    t = await startTestApp();
    const site = createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<html>internal wiki: root password hunter2</html>'));
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
      const res = await t.app.inject({ method: 'POST', url: '/setup/check', headers: bearer(t.adminKey), payload: { cpaBaseUrl: url, managementKey: 'whatever-key' } });
      expect(res.statusCode).toBeLessThan(500);
      expect(res.body).not.toContain('hunter2');
      const setupRes = await setup(t, { cpaBaseUrl: url, managementKey: 'whatever-key' });
      expect(setupRes.body).not.toContain('hunter2');
    } finally {
      await new Promise((r) => site.close(r));
    }
  });
});

describe('saved connection across restarts (real SQLite store)', () => {
  it('comes back after a restart; the management key is encrypted at rest', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { buildApp, defineConfig } = await import('../src/index');
    const { tempDir } = await import('./helpers');
    const dir = tempDir();
    try {
      const config = defineConfig({ dataDir: dir.path, logLevel: 'silent', adminKey: 'restart-test-admin-key' });
      const first = await buildApp(config, { collectorStopTimeoutMs: 1_500 });
      const res = await first.inject({ method: 'POST', url: '/setup', headers: bearer('restart-test-admin-key'), payload: { cpaBaseUrl: fake.url, managementKey: fake.managementKey } });
      expect(res.statusCode, res.body).toBe(200);
      await first.close();
      for (const entry of readdirSync(dir.path, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile()) continue;
        const f = join(entry.parentPath, entry.name);
        expect(readFileSync(f).includes(Buffer.from(fake.managementKey)), f).toBe(false);
      }
      const second = await buildApp(config, { collectorStopTimeoutMs: 1_500 });
      const info = (await second.inject({ url: '/usage-service/info' })).json();
      expect(info).toMatchObject({ configured: true, connectionSource: 'db' });
      const proxied = await second.inject({ url: '/v0/management/config', headers: bearer('restart-test-admin-key') });
      expect(proxied.statusCode).toBe(200);
      await second.close();
    } finally {
      dir.cleanup();
    }
  });
});
