import { join } from 'node:path';
import { openStore } from '@cpamp/store';
import { generateUsage, startFakeCpa, type FakeCpa } from '@cpamp/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, defineConfig } from '../src/index';
import { bearer, startTestApp, tempDir, waitFor, type TestApp } from './helpers';

let fake: FakeCpa | null = null;
let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
  await fake?.close();
  fake = null;
});

/** The first value of `fn` that passes `ok`, polled until the deadline. */
async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  return (await waitFor(async () => {
    const v = await fn();
    return ok(v) ? { v } : null;
  }, { timeoutMs: ms })).v;
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
      const cpa = fake;
      await waitFor(() => cpa.stats().requests >= 3, { what: 'three requests from the collector' });
      fake.faults.set({ delayMs: 1_500, pathPrefix: '/v0/management/usage-queue' });
      const seen = fake.stats().requests;
      // The next pop is now waiting inside the fake CPA.
      await waitFor(() => cpa.stats().requests > seen, { what: 'a pop under the delay fault' });
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
