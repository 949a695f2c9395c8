// usageQueue.pop, version detection and fault handling against the fake CPA.
import { describe, expect, it } from 'vitest';
import { startFakeCpa } from '@cpamp/testkit';
import type { CpaHttpError } from '@cpamp/sdk-cpa';
import { CpaNetworkError, CpaTimeoutError, createCpaClient } from '@cpamp/sdk-cpa';
import { rejection, useFakeCpa } from './fake-harness';

const h = useFakeCpa();
const record = (i: number) => ({
  timestamp: `2026-08-22T14:00:0${i}Z`,
  model: 'gpt-5',
  request_id: `0000000${i}`,
  failed: false,
});

describe('usageQueue.pop', () => {
  it('pops oldest first, up to count, and [] when empty', async () => {
    for (let i = 0; i < 5; i++) h.fake.enqueueUsage(record(i));
    const first = await h.cpa.usageQueue.pop(3);
    expect(first.map((r) => (r as { request_id: string }).request_id)).toEqual([
      '00000000',
      '00000001',
      '00000002',
    ]);
    expect(h.fake.queueLength()).toBe(2);
    expect(await h.cpa.usageQueue.pop(100)).toHaveLength(2);
    expect(await h.cpa.usageQueue.pop(1)).toEqual([]);
  });

  it('returns records untouched (unknown fields, non-JSON payloads as strings)', async () => {
    h.fake.enqueueUsage({ ...record(1), token_breakdown: { schema_version: 2 }, future_field: [1, 2] });
    h.fake.enqueueUsage('not json');
    const [a, b] = await h.cpa.usageQueue.pop(2);
    expect(a).toMatchObject({ future_field: [1, 2], token_breakdown: { schema_version: 2 } });
    expect(b).toBe('not json');
  });

  it('is never retried on 503 (destructive), while an idempotent GET is', async () => {
    h.fake.faults.set({ status: 503, pathPrefix: '/v0/management/usage-queue' });
    let before = h.fake.stats().requests;
    const e = await rejection(h.cpa.usageQueue.pop(10));
    expect((e as CpaHttpError).status).toBe(503);
    expect(h.fake.stats().requests - before).toBe(1);

    h.fake.faults.set({ status: 503, pathPrefix: '/v0/management/config' });
    before = h.fake.stats().requests;
    await rejection(h.cpa.config.get());
    expect(h.fake.stats().requests - before).toBe(3);
  });

  it('connection resets become CpaNetworkError; GETs are retried, pop is not', async () => {
    h.fake.faults.set({ resetConnections: true, pathPrefix: '/v0/management/auth-files' });
    let before = h.fake.stats().requests;
    const e = await rejection(h.cpa.authFiles.list());
    expect(e).toBeInstanceOf(CpaNetworkError);
    expect((e as CpaNetworkError).systemCode).toBe('ECONNRESET');
    expect(h.fake.stats().requests - before).toBe(3);

    h.fake.faults.set({ resetConnections: true, pathPrefix: '/v0/management/usage-queue' });
    before = h.fake.stats().requests;
    await rejection(h.cpa.usageQueue.pop(1));
    expect(h.fake.stats().requests - before).toBe(1);
  });

  it('slow CPA → CpaTimeoutError', async () => {
    const cpa = createCpaClient({
      baseUrl: h.fake.url,
      managementKey: h.fake.managementKey,
      timeoutMs: 100,
      retries: 0,
    });
    h.cleanup.push(() => cpa.close());
    h.fake.faults.set({ delayMs: 600 });
    const e = await rejection(cpa.usageQueue.pop(1));
    expect(e).toBeInstanceOf(CpaTimeoutError);
    expect((e as CpaTimeoutError).timeoutMs).toBe(100);
  });
});

describe('version detection', () => {
  it('reads the fake CPA version headers and answers supports()', async () => {
    expect(await h.cpa.getServerVersion()).toEqual({
      version: '7.2.140',
      commit: 'a7e3596',
      buildDate: '2026-08-22T10:00:00Z',
      supportsPlugin: true,
    });
    expect(await h.cpa.supports('token-breakdown')).toBe(true);
    h.fake.setVersion('7.1.17');
    await h.cpa.apiKeys.list(); // any answer refreshes the cached headers
    expect(await h.cpa.supports('resp-subscribe')).toBe(false);
    expect(await h.cpa.supports('http-usage-queue')).toBe(true);
    h.fake.setVersion(null);
    await h.cpa.apiKeys.list();
    expect((await h.cpa.getServerVersion()).version).toBeNull();
    expect(await h.cpa.supports('http-usage-queue')).toBe(false);
  });

  it('CPA older than v6.10.8: pop → management_disabled 404 with the "too old" hint', async () => {
    const old = await startFakeCpa({ version: '6.10.0' });
    const cpa = createCpaClient({ baseUrl: old.url, managementKey: old.managementKey });
    h.cleanup.push(async () => {
      await cpa.close();
      await old.close();
    });
    expect(await cpa.supports('http-usage-queue')).toBe(false);
    const e = await rejection(cpa.usageQueue.pop(1));
    expect((e as CpaHttpError).code).toBe('management_disabled');
    expect((e as CpaHttpError).message).toMatch(/too old/);
  });
});
