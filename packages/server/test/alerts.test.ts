// Alerts HTTP API on the real app: admin auth, validation naming the field, write-only
// secrets (never in responses or logs), test-send to a real webhook receiver, the fake Telegram and the
// SSE stream.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFakeTelegram, type FakeTelegram } from '@cpamp/testkit';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from './alerts-receiver';
import { bearer, startTestApp, type TestApp } from './helpers';

const SECRET = 'whsec-app-secret-abcdef';
const BOT_TOKEN = '111222333:AAF-app-test-token_xyz';
const BASE = '/v0/management/alerts';

describe('alerts API (real app)', () => {
  let t: TestApp;
  let hook: WebhookReceiver;
  let tg: FakeTelegram;
  beforeAll(async () => {
    t = await startTestApp({ allowLocalTargets: true }, { collector: false });
    hook = await startWebhookReceiver(SECRET);
    tg = await startFakeTelegram({ token: BOT_TOKEN });
  });
  afterAll(async () => {
    await t?.close();
    await hook?.close();
    await tg?.close();
  });
  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url: `${BASE}${url}`, headers: bearer(t.adminKey), ...(payload ? { payload } : {}) });

  it('requires the admin key', async () => {
    for (const url of ['/rules', '/channels', '/incidents', '/deliveries', '/kinds']) {
      expect((await t.app.inject({ url: `${BASE}${url}` })).statusCode).toBe(401);
      expect((await call('GET', url)).statusCode).toBe(200);
    }
  });

  it('creates channels with write-only secrets and never returns or logs them', async () => {
    const w = await call('POST', '/channels', { name: 'ops hook', type: 'webhook', config: { url: hook.url }, secret: SECRET });
    expect(w.statusCode, w.body).toBe(201);
    expect(w.json().channel).toEqual({ id: expect.any(Number), name: 'ops hook', type: 'webhook', enabled: true, config: { url: hook.url, secretSet: true } });
    const tgc = await call('POST', '/channels', { name: 'tg', type: 'telegram', config: { chatId: '42', apiBaseUrl: tg.url, botToken: BOT_TOKEN } });
    expect(tgc.statusCode, tgc.body).toBe(201);
    expect(tgc.json().channel.config).toEqual({ chatId: '42', apiBaseUrl: tg.url, botTokenSet: true });
    const id = tgc.json().channel.id as number;

    // Updating other fields keeps the token; test-send still works.
    const put = await call('PUT', `/channels/${id}`, { name: 'tg ops', botToken: '' });
    expect(put.json().channel).toMatchObject({ name: 'tg ops', config: { botTokenSet: true } });
    const sent = await call('POST', `/channels/${id}/test`);
    expect(sent.json().delivery).toMatchObject({ state: 'sent', test: true, attempts: 1 });
    expect(tg.messages.at(-1)).toMatchObject({ token: BOT_TOKEN, chatId: '42' });

    // A wrong token: Telegram answers 401; the error is visible, the token is not.
    await call('PUT', `/channels/${id}`, { botToken: '999:WRONG-token-value' });
    const failed = await call('POST', `/channels/${id}/test`);
    expect(failed.json().delivery).toMatchObject({ state: 'failed', attempts: 1 });
    expect(failed.json().delivery.lastError).toMatch(/HTTP 401/);

    const whTest = await call('POST', `/channels/${w.json().channel.id}/test`);
    expect(whTest.json().delivery.state).toBe('sent');
    expect(hook.hooks.at(-1)?.signatureValid).toBe(true);

    const everything = [
      (await call('GET', '/channels')).body,
      (await call('GET', '/deliveries')).body,
      (await call('GET', '/rules')).body,
      put.body,
      failed.body,
      ...t.logs,
    ].join('\n');
    for (const secret of [SECRET, BOT_TOKEN, '999:WRONG-token-value', 'WRONG-token']) expect(everything).not.toContain(secret);
    expect(t.logs.join('\n')).toMatch(/alert delivery failed/);
  });

  it('a Telegram channel whose API base changes needs its bot token again', async () => {
    const ch = await call('POST', '/channels', { name: 'tg move', type: 'telegram', config: { chatId: '7', apiBaseUrl: tg.url, botToken: BOT_TOKEN } });
    const id = ch.json().channel.id as number;
    const moved = await call('PUT', `/channels/${id}`, { config: { apiBaseUrl: 'https://elsewhere.example' } });
    expect(moved.statusCode).toBe(400);
    expect(moved.json().error).toMatch(/botToken: .*send the bot token again/);
    const renamed = await call('PUT', `/channels/${id}`, { name: 'tg renamed' });
    expect(renamed.statusCode).toBe(200);
    const withToken = await call('PUT', `/channels/${id}`, { config: { apiBaseUrl: `${tg.url}/` }, botToken: BOT_TOKEN });
    expect(withToken.statusCode, withToken.body).toBe(200);
    expect(t.logs.join('')).toMatch(/alert channel destination changed/);
  });

  it('admin-chosen targets: no loopback unless allowed, no redirects followed, no page echoed back', async () => {
    const strict = await startTestApp({}, { collector: false });
    try {
      const ch = await strict.app.inject({ method: 'POST', url: `${BASE}/channels`, headers: bearer(strict.adminKey), payload: { name: 'local', type: 'webhook', config: { url: hook.url } } });
      const before = hook.requests();
      const refused = await strict.app.inject({ method: 'POST', url: `${BASE}/channels/${ch.json().channel.id}/test`, headers: bearer(strict.adminKey) });
      expect(refused.json().delivery).toMatchObject({ state: 'failed' });
      expect(refused.json().delivery.lastError).toMatch(/loopback or link-local.*CPAMP_ALLOW_LOCAL_TARGETS/);
      expect(hook.requests()).toBe(before);
    } finally {
      await strict.close();
    }
    // A receiver that redirects, or answers an error page: the redirect is not followed, the page not shown.
    const site = createServer((req, res) => {
      if (req.url === '/moved') res.writeHead(302, { location: `${hook.url}` }).end();
      else res.writeHead(500, { 'content-type': 'text/html' }).end('<html>internal admin page: db password hunter2</html>');
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    try {
      const before = hook.requests();
      for (const [path, expected] of [['/moved', /HTTP 302: the receiver redirects/], ['/page', /^HTTP 500$/]] as const) {
        const ch = await call('POST', '/channels', { name: path, type: 'webhook', config: { url: `${base}${path}` } });
        const res = await call('POST', `/channels/${ch.json().channel.id}/test`);
        expect(res.json().delivery.lastError).toMatch(expected);
        expect(res.body).not.toContain('hunter2');
      }
      expect(hook.requests()).toBe(before);
    } finally {
      await new Promise((r) => site.close(r));
    }
  });

  it('lists the rule kinds with their params schema', async () => {
    const items = (await call('GET', '/kinds')).json().items as { kind: string; event: boolean; params: { properties: Record<string, { default?: unknown }>; required?: string[] } }[];
    expect(items.map((i) => i.kind)).toContain('spend-threshold');
    const spend = items.find((i) => i.kind === 'spend-threshold')!;
    expect(spend.params.required).toEqual(['thresholdMicros']);
    expect(spend.params.properties.periodHours?.default).toBe(24);
    expect(items.find((i) => i.kind === 'collector-gap')?.event).toBe(true);
  });

  it('validates rules and channels with 400s that name the field', async () => {
    const cases: [string, object, RegExp][] = [
      ['/rules', { name: 'x', kind: 'error-rate-spike', params: { minRequests: 5 } }, /params\.errorRateAbove: required/],
      ['/rules', { name: 'x', kind: 'error-rate-spike', params: { errorRateAbove: 20 } }, /params\.errorRateAbove: must be a fraction/],
      ['/rules', { name: 'x', kind: 'spend-threshold', params: { thresholdMicros: -1 } }, /params\.thresholdMicros/],
      ['/rules', { name: 'x', kind: 'spend-threshold', params: { thresholdMicros: 5, apiKeyHash: 'sk-plaintext' } }, /params\.apiKeyHash/],
      ['/rules', { name: 'x', kind: 'nope' }, /kind/],
      ['/rules', { name: '', kind: 'quota-low' }, /name/],
      ['/rules', { name: 'x', kind: 'quota-low', channelIds: [424242] }, /channelIds/],
      ['/rules', { name: 'x', kind: 'quota-low', quietMinutes: -5 }, /quietMinutes/],
      ['/channels', { name: 'w', type: 'webhook' }, /config\.url/],
      ['/channels', { name: 'w', type: 'webhook', config: { url: 'ftp://example.com' } }, /url/],
      ['/channels', { name: 't', type: 'telegram', config: { chatId: '1' } }, /botToken/],
      ['/channels', { name: 't', type: 'telegram', botToken: 'x:y' }, /config\.chatId/],
      ['/channels', { name: 't', type: 'pager' }, /type/],
    ];
    for (const [url, body, re] of cases) {
      const res = await call('POST', url, body);
      expect(res.statusCode, `${url} ${JSON.stringify(body)}: ${res.body}`).toBe(400);
      expect(res.json().error, JSON.stringify(body)).toMatch(re);
    }
    expect((await call('PUT', '/rules/9999', { enabled: false })).statusCode).toBe(404);
    expect((await call('DELETE', '/channels/9999')).statusCode).toBe(404);
  });

  it('round-trips a rule with defaults, updates it and deletes it', async () => {
    const ch = (await call('POST', '/channels', { name: 'stream', type: 'sse' })).json().channel;
    const created = await call('POST', '/rules', { name: 'Quota', kind: 'quota-low', params: { remainingPercentBelow: 15, provider: '' }, channelIds: [ch.id] });
    expect(created.statusCode, created.body).toBe(201);
    const rule = created.json().rule;
    expect(rule).toEqual({ id: expect.any(Number), name: 'Quota', kind: 'quota-low', enabled: true, severity: 'warning', params: { remainingPercentBelow: 15 }, channelIds: [ch.id], quietMinutes: 60 });
    const upd = await call('PUT', `/rules/${rule.id}`, { kind: 'spend-threshold', params: { thresholdMicros: 5_000_000 }, severity: 'critical' });
    expect(upd.json().rule).toMatchObject({ kind: 'spend-threshold', severity: 'critical', params: { thresholdMicros: 5_000_000, periodHours: 24 } });
    // Changing the kind without matching params is refused, naming the missing param.
    const bad = await call('PUT', `/rules/${rule.id}`, { kind: 'error-rate-spike' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatch(/params\.errorRateAbove/);
    // Deleting the channel removes it from the rule.
    expect((await call('DELETE', `/channels/${ch.id}`)).statusCode).toBe(200);
    expect((await call('GET', '/rules')).json().items.find((r: { id: number }) => r.id === rule.id).channelIds).toEqual([]);
    expect((await call('DELETE', `/rules/${rule.id}`)).json()).toMatchObject({ ok: true, rule: { id: rule.id } });
    expect((await call('GET', '/incidents?state=bogus')).statusCode).toBe(400);
  });

  it("puts 'alert' events on the SSE stream", async () => {
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const ch = (await call('POST', '/channels', { name: 'panel', type: 'sse' })).json().channel;
    const controller = new AbortController();
    const res = await request(`${base}/v0/management/events/stream?types=alert`, { headers: bearer(t.adminKey), signal: controller.signal });
    expect(res.statusCode).toBe(200);
    let buf = '';
    const got = (async () => {
      for await (const chunk of res.body) {
        buf += (chunk as Buffer).toString('utf8');
        if (/event: alert\n/.test(buf)) return;
      }
    })();
    const sent = await call('POST', `/channels/${ch.id}/test`);
    expect(sent.json().delivery).toMatchObject({ state: 'sent', test: true });
    await Promise.race([got, new Promise((_, rej) => setTimeout(() => rej(new Error(`no alert event; got: ${buf}`)), 5_000))]);
    controller.abort();
    const data = /event: alert\ndata: (.*)\n/.exec(buf)?.[1];
    expect(JSON.parse(data ?? '{}')).toMatchObject({ kind: 'test', event: 'test', test: true, state: 'resolved' });
  });
});

describe('alerts API without a store', () => {
  it('answers 503 store_unavailable', async () => {
    const t = await startTestApp({}, { store: false, collector: false });
    try {
      const res = await t.app.inject({ url: `${BASE}/rules`, headers: bearer(t.adminKey) });
      expect(res.statusCode).toBe(503);
      expect(res.json().code).toBe('store_unavailable');
    } finally {
      await t.close();
    }
  });
});
