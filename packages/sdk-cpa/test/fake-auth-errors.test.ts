// Wrong key, remote management disabled, IP ban, sub-path base URL — over real HTTP against the fake CPA.
import { describe, expect, it } from 'vitest';
import { CpaAuthError, createCpaClient, type CpaClient } from '@cpamp/sdk-cpa';
import { rejection, useFakeCpa } from './fake-harness';
import { startReverseProxy } from './reverse-proxy';

const h = useFakeCpa();

function client(baseUrl: string, managementKey: string): CpaClient {
  const c = createCpaClient({ baseUrl, managementKey, retries: { max: 2, baseDelayMs: 1 } });
  h.cleanup.push(() => c.close());
  return c;
}

describe('management key', () => {
  it('a wrong key gives a CpaAuthError saying what to check, and is not retried', async () => {
    const bad = client(h.fake.url, 'wrong-key');
    const e = await rejection(bad.config.get());
    expect(e).toBeInstanceOf(CpaAuthError);
    const err = e as CpaAuthError;
    expect(err.code).toBe('unauthorized');
    expect(err.reason).toBe('invalid_key');
    expect(err.status).toBe(401);
    expect(err.message).toMatch(/CPA rejected the management key/);
    expect(err.message).toMatch(/remote-management\.secret-key/);
    expect(err.message).toMatch(/CPA_MANAGEMENT_KEY/);
    expect(err.message).not.toContain('wrong-key');
    expect(h.fake.stats().authFailures).toBe(1);
  });

  it('the version probe works with a wrong key (headers come back on 401)', async () => {
    const bad = client(h.fake.url, 'wrong-key');
    expect((await bad.getServerVersion()).version).toBe('7.2.140');
  });

  it('a rotated key turns into 401 for the old client', async () => {
    await h.cpa.apiKeys.list();
    h.fake.setManagementKey('rotated');
    const e = await rejection(h.cpa.apiKeys.list());
    expect((e as CpaAuthError).code).toBe('unauthorized');
  });
});

describe('remote access and bans (client IP via X-Forwarded-For through a proxy)', () => {
  it('remote management disabled → 403 with the allow-remote hint', async () => {
    h.fake.setAllowRemote(false);
    const proxy = await startReverseProxy(h.fake.url, { forwardedFor: '203.0.113.7' });
    h.cleanup.push(() => proxy.close());
    const e = await rejection(client(proxy.url, h.fake.managementKey).authFiles.list());
    expect(e).toBeInstanceOf(CpaAuthError);
    expect((e as CpaAuthError).code).toBe('remote_management_disabled');
    expect((e as CpaAuthError).message).toMatch(/remote-management\.allow-remote: true/);
    // Localhost is still allowed.
    expect(await h.cpa.authFiles.list()).toBeInstanceOf(Array);
  });

  it('5 wrong keys ban the IP: 403 ip_banned with "Try again in", even for the right key', async () => {
    const proxy = await startReverseProxy(h.fake.url, { forwardedFor: '198.51.100.9' });
    h.cleanup.push(() => proxy.close());
    const bad = client(proxy.url, 'wrong-key');
    for (let i = 0; i < 5; i++)
      expect(((await rejection(bad.config.get())) as CpaAuthError).code).toBe('unauthorized');
    const banned = (await rejection(client(proxy.url, h.fake.managementKey).config.get())) as CpaAuthError;
    expect(banned.code).toBe('ip_banned');
    expect(banned.reason).toBe('ip_banned');
    expect(banned.retryAfter).toMatch(/^\d+m\d+s$/);
    expect(banned.message).toMatch(/Try again in \d+m\d+s/);
    expect(banned.message).toMatch(/nothing but another ban/);
    expect(h.fake.stats().bannedIps).toContain('198.51.100.9');
    // Other IPs (here: localhost) are unaffected.
    expect(await h.cpa.apiKeys.list()).toBeInstanceOf(Array);
  });
});

describe('sub-path base URL', () => {
  it('works behind a reverse proxy at /cpa/ (trailing slash, also with /v0/management given)', async () => {
    const proxy = await startReverseProxy(h.fake.url, { prefix: '/cpa' });
    h.cleanup.push(() => proxy.close());
    h.fake.enqueueUsage({ model: 'gpt-5', timestamp: '2026-08-22T14:00:00Z' });
    const viaProxy = client(`${proxy.url}/`, h.fake.managementKey);
    expect(viaProxy.baseUrl).toBe(proxy.url);
    expect(await viaProxy.usageQueue.pop(5)).toHaveLength(1);
    expect((await viaProxy.getServerVersion()).version).toBe('7.2.140');
    const withSuffix = client(`${proxy.url}/v0/management/`, h.fake.managementKey);
    expect(await withSuffix.apiKeys.list()).toEqual(await h.cpa.apiKeys.list());
  });
});
