// OAuth login flow, logs, request logs, plugins, api-call, reset-quota and latest-version against the fake CPA.
import { describe, expect, it } from 'vitest';
import type { CpaHttpError } from '@cpamp/sdk-cpa';
import { isCpaError } from '@cpamp/sdk-cpa';
import { rejection, useFakeCpa } from './fake-harness';

const alice = {
  name: 'codex-alice@example.com.json',
  content: { type: 'codex', email: 'alice@example.com', access_token: 'tok-a' },
};
const h = useFakeCpa({ authFiles: [alice], oauthPollsBeforeOk: 2 });

describe('oauth', () => {
  it('getAuthUrl for each built-in provider; kimi is a device flow', async () => {
    for (const p of ['codex', 'anthropic', 'antigravity', 'xai'] as const) {
      const res = await h.cpa.oauth.getAuthUrl(p);
      expect(res.url).toMatch(/^https:\/\//);
      expect(res.state).not.toBe('');
    }
    expect((await h.cpa.oauth.getAuthUrl('kimi')).flow).toBe('device');
    const e = await rejection(h.cpa.oauth.getAuthUrl('../config'));
    expect(isCpaError(e) && e.code).toBe('invalid_argument');
  });

  it('getAuthStatus says wait, then waitForAuth resolves when the login completes', async () => {
    const { state } = await h.cpa.oauth.getAuthUrl('codex');
    expect((await h.cpa.oauth.getAuthStatus(state)).status).toBe('wait');
    await h.cpa.oauth.waitForAuth(state, { intervalMs: 10 });
    expect((await h.cpa.authFiles.list()).some((f) => f.provider === 'codex' && f.name !== alice.name)).toBe(
      true,
    );
  });

  it('waitForAuth rejects with oauth_failed after cancel, and stops on abort', async () => {
    const { state } = await h.cpa.oauth.getAuthUrl('anthropic');
    expect(await h.cpa.oauth.cancel(state)).toEqual({ cancelled: true });
    // CPA forgets a cancelled session: a second cancel is a no-op, polling reports it unknown.
    expect(await h.cpa.oauth.cancel(state)).toEqual({ cancelled: false });
    const e = await rejection(h.cpa.oauth.waitForAuth(state, { intervalMs: 10 }));
    expect(isCpaError(e) && e.code).toBe('oauth_failed');
    expect((e as Error).message).toMatch(/unknown or expired state/);

    const second = await h.cpa.oauth.getAuthUrl('xai');
    const ac = new AbortController();
    const polls = h.fake.stats().requests;
    const waiting = rejection(h.cpa.oauth.waitForAuth(second.state, { intervalMs: 10_000, signal: ac.signal }));
    // Abort once the first status poll reached CPA (the next one is 10 s away).
    for (const deadline = Date.now() + 5000; h.fake.stats().requests === polls && Date.now() < deadline; )
      await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    const slow = await waiting;
    expect(isCpaError(slow) && slow.code).toBe('aborted');
  });

  it('completeOAuth with an error surfaces as oauth_failed', async () => {
    const { state } = await h.cpa.oauth.getAuthUrl('antigravity');
    h.fake.completeOAuth(state, 'access_denied');
    const e = await rejection(h.cpa.oauth.waitForAuth(state, { intervalMs: 10 }));
    expect((e as Error).message).toMatch(/access_denied/);
  });
});

describe('logs', () => {
  it('incremental get({after}) returns only new lines, clear() empties', async () => {
    h.fake.appendLog('first line');
    const page1 = await h.cpa.logs.get();
    expect(page1.lines.some((l) => l.includes('first line'))).toBe(true);
    expect(page1.latestTimestamp).toBeGreaterThan(0);
    const again = await h.cpa.logs.get({ after: page1.latestTimestamp });
    expect(again.lines).toEqual([]);
    const limited = await h.cpa.logs.get({ limit: 1 });
    expect(limited.lines).toHaveLength(1);
    const cleared = await h.cpa.logs.clear();
    expect(cleared.success).toBe(true);
    expect((await h.cpa.logs.get()).lines).toEqual([]);
  });

  it('logging-to-file off → bad_request "logging to file disabled"', async () => {
    await h.cpa.settings.set('logging-to-file', false);
    const e = await rejection(h.cpa.logs.get());
    expect((e as CpaHttpError).code).toBe('bad_request');
    expect((e as CpaHttpError).cpaError).toBe('logging to file disabled');
  });

  it('request error logs list + download, request log by id', async () => {
    const files = await h.cpa.logs.listRequestErrorLogs();
    expect(files.length).toBeGreaterThan(0);
    const text = await h.cpa.logs.downloadRequestErrorLog(files[0]!.name);
    expect(text.length).toBeGreaterThan(0);
    expect(await h.cpa.logs.getRequestLogById('77c0de12')).toMatch(/REQUEST/);
    expect(((await rejection(h.cpa.logs.getRequestLogById('deadbeef'))) as CpaHttpError).code).toBe(
      'not_found',
    );
  });
});

describe('plugins', () => {
  it('list, store, install, enable, config, delete', async () => {
    const list = await h.cpa.plugins.list();
    expect(list.plugins?.map((p) => p.id)).toContain('usage-exporter');
    const store = await h.cpa.plugins.store();
    expect(store.plugins?.some((p) => p.id === 'gemini-cli' && p.installed === false)).toBe(true);
    expect((await h.cpa.plugins.install('gemini-cli')).status).toBe('installed');
    await h.cpa.plugins.setEnabled('gemini-cli', false);
    expect((await h.cpa.plugins.list()).plugins?.find((p) => p.id === 'gemini-cli')?.enabled).toBe(false);
    await h.cpa.plugins.putConfig('gemini-cli', { enabled: true, region: 'eu', verbose: false });
    await h.cpa.plugins.patchConfig('gemini-cli', { verbose: true, region: null });
    // GET answers the config object itself, not {id, config}.
    expect(await h.cpa.plugins.getConfig('gemini-cli')).toEqual({ enabled: true, verbose: true });
    await h.cpa.plugins.delete('gemini-cli');
    expect(((await rejection(h.cpa.plugins.delete('gemini-cli'))) as CpaHttpError).code).toBe('not_found');
  });
});

describe('api-call, reset-quota, latest-version', () => {
  it('apiCall returns the inner upstream status, $TOKEN$ is substituted', async () => {
    const [file] = await h.cpa.authFiles.list();
    const res = await h.cpa.apiCall({
      authIndex: file!.auth_index!,
      method: 'GET',
      url: 'https://chatgpt.com/backend-api/wham/usage',
      header: { Authorization: 'Bearer $TOKEN$' },
    });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toHaveProperty('rate_limit');

    let seenAuth = '';
    h.fake.setApiCallResponder((req) => {
      seenAuth = req.header.Authorization ?? '';
      return { statusCode: 401, body: '{"error":"token expired"}' };
    });
    const expired = await h.cpa.apiCall({
      authIndex: file!.auth_index!,
      method: 'GET',
      url: 'https://api.anthropic.com/api/oauth/usage',
      header: { Authorization: 'Bearer $TOKEN$' },
    });
    expect(expired.statusCode).toBe(401); // CPA itself answered 200
    expect(seenAuth).toBe('Bearer tok-a');
    expect(
      ((await rejection(h.cpa.apiCall({ authIndex: 'x', method: 'GET', url: 'not a url' }))) as CpaHttpError)
        .code,
    ).toBe('bad_request');
  });

  it('resetQuota for a known credential; unknown → not_found', async () => {
    const [file] = await h.cpa.authFiles.list();
    await h.cpa.resetQuota(file!.auth_index!);
    expect(((await rejection(h.cpa.resetQuota('0000000000000000'))) as CpaHttpError).code).toBe('not_found');
  });

  it('getLatestVersion', async () => {
    expect(await h.cpa.getLatestVersion()).toMatch(/^v\d+\.\d+\.\d+$/);
  });
});
