import { join } from 'node:path';
import { openStore } from '@cpamp/store';
import { generateUsage, startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, defineConfig } from '../src/index';
import { bearer, startTestApp, tempDir, type TestApp } from './helpers';

let fake: FakeCpa | null = null;
let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
  await fake?.close();
  fake = null;
});

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('collector wired to setup', () => {
  it('after POST /setup, records queued in the fake CPA end up in the store and in /status', async () => {
    fake = await startFakeCpa();
    t = await startTestApp();
    const res = await t.app.inject({ method: 'POST', url: '/setup', headers: bearer(t.adminKey), payload: { cpaBaseUrl: fake.url, managementKey: fake.managementKey, pollIntervalMs: 50 } });
    expect(res.statusCode, res.body).toBe(200);
    let n = 0;
    for (const record of generateUsage({ seed: 7, events: 25, days: 1 })) {
      fake.enqueueUsage(record);
      n += 1;
    }
    const status = await until(
      async () => (await t!.app.inject({ url: '/status', headers: bearer(t!.adminKey) })).json(),
      (s) => s.collector.totalInserted >= n,
    );
    expect(status.collector.totalInserted).toBe(n);
    expect(status.collector.collector).toBe('running');
    expect(status.collector.lastInsertedAt).toBeGreaterThan(0);
    expect(fake.queueLength()).toBe(0);
  });
});

describe('collector stop bound', () => {
  it('close() waits for an HTTP pop already on the wire and commits what it returns (nothing popped is lost)', async () => {
    fake = await startFakeCpa();
    const dir = tempDir();
    const app = await buildApp(defineConfig({ dataDir: dir.path, logLevel: 'silent', cpaUpstreamUrl: fake.url, cpaManagementKey: fake.managementKey, collector: { ...defineConfig({ dataDir: dir.path }).collector, mode: 'http', pollIntervalMs: 50 } }), { onAdminKeyGenerated: () => undefined, retentionSchedule: false });
    try {
      await app.ready();
      const started = Date.now();
      while (Date.now() - started < 5_000 && fake.stats().requests < 3) await new Promise((r) => setTimeout(r, 20));
      fake.faults.set({ delayMs: 1_500, pathPrefix: '/v0/management/usage-queue' });
      await new Promise((r) => setTimeout(r, 200)); // the next pop is now waiting inside the fake CPA
      const n = 20;
      for (const record of generateUsage({ seed: 12, events: n, days: 1 })) fake.enqueueUsage(record);
      await app.close();
      expect(fake.queueLength()).toBe(0);
      const store = await openStore({ path: join(dir.path, 'cpamp.sqlite'), dataKeyPath: join(dir.path, 'data.key') });
      try {
        expect((await store.storageReport()).events).toBe(n);
      } finally {
        await store.close();
      }
    } finally {
      await app.close();
      dir.cleanup();
    }
  });
});
