import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, DataDirLockedError, defineConfig } from '../src/index';
import { bearer, startTestApp, tempDir, type TestApp } from './helpers';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
const track = (t: TestApp) => {
  cleanups.push(() => t.close());
  return t;
};

describe('app lifecycle', () => {
  it('/health and /usage-service/info are public and cheap', async () => {
    const t = track(await startTestApp());
    expect((await t.app.inject({ url: '/health' })).json()).toMatchObject({ status: 'ok', service: 'cpamp' });
    const info = (await t.app.inject({ url: '/usage-service/info' })).json();
    for (const k of ['service', 'mode', 'startedAt', 'configured', 'adminReady', 'projectInitialized', 'setupRequired', 'migrationStatus', 'dataKeyReady', 'hasHistoricalData']) {
      expect(info).toHaveProperty(k);
    }
  });

  it('refuses a second instance on the same data dir with a clear message', async () => {
    const dir = tempDir();
    cleanups.push(() => dir.cleanup());
    const config = defineConfig({ dataDir: dir.path, logLevel: 'silent' });
    const first = await buildApp(config, { onAdminKeyGenerated: () => {} });
    cleanups.push(() => first.close());
    await expect(buildApp(config, { onAdminKeyGenerated: () => {} })).rejects.toThrow(DataDirLockedError);
    await expect(buildApp(config)).rejects.toThrow(/in use by process \d+/);
    await first.close();
    const second = await buildApp(config);
    await second.close();
  });

  it('prints a generated admin key once; restarts keep it; an env key is used from the first start', async () => {
    const dir = tempDir();
    cleanups.push(() => dir.cleanup());
    const config = defineConfig({ dataDir: dir.path, logLevel: 'silent' });
    const printed: string[] = [];
    const a = await buildApp(config, { onAdminKeyGenerated: (k) => printed.push(k) });
    await a.close();
    const b = await buildApp(config, { onAdminKeyGenerated: (k) => printed.push(k) });
    expect(printed).toHaveLength(1);
    expect((await b.inject({ url: '/status', headers: bearer(printed[0] as string) })).statusCode).toBe(200);
    await b.close();
    const withEnv = await buildApp({ ...config, adminKey: 'env-supplied-admin-key' }, { onAdminKeyGenerated: (k) => printed.push(k) });
    expect(printed).toHaveLength(1);
    expect((await withEnv.inject({ url: '/status', headers: bearer('env-supplied-admin-key') })).statusCode).toBe(200);
    expect((await withEnv.inject({ url: '/status', headers: bearer(printed[0] as string) })).statusCode).toBe(401);
    await withEnv.close();
  });

  it('without a store the store-backed paths answer store_unavailable and are never forwarded to CPA', async () => {
    const t = track(await startTestApp({ cpaUpstreamUrl: 'http://127.0.0.1:9', cpaManagementKey: 'k' }, { store: false, collector: false }));
    for (const url of ['/v0/management/analytics/summary', '/v0/management/usage', '/v0/management/usage/import-sessions/x', '/v0/management/model-prices', '/v0/management/storage', '/usage-service/quota-cooldowns']) {
      const res = await t.app.inject({ url, headers: bearer(t.adminKey) });
      expect(res.statusCode, url).toBe(503);
      expect(res.json().code, url).toBe('store_unavailable');
    }
    // Other management paths still go to CPA (unreachable here).
    expect((await t.app.inject({ url: '/v0/management/config', headers: bearer(t.adminKey) })).json().code).toBe('upstream_unavailable');
  });

  it('unknown routes are 404 JSON without auth', async () => {
    const t = track(await startTestApp());
    const res = await t.app.inject({ url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'not_found' });
  });
});

describe('startServer', () => {
  it('releases the data-dir lock when listening fails, so a retry on another port works', async () => {
    const { startServer } = await import('../src/main');
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busyPort = (blocker.address() as { port: number }).port;
    const dir = tempDir();
    const out = { write: () => true };
    try {
      const config = defineConfig({ dataDir: dir.path, logLevel: 'silent', http: { host: '127.0.0.1', port: busyPort } });
      await expect(startServer(config, { out, collectorStopTimeoutMs: 1_500 })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      const running = await startServer({ ...config, http: { host: '127.0.0.1', port: 0 } }, { out, collectorStopTimeoutMs: 1_500 });
      await running.close();
    } finally {
      blocker.close();
      dir.cleanup();
    }
  });
});
