// End to end with real producers: the real app, its real collector on the fake CPA, a real webhook
// receiver and the fake Telegram. CPA's management key is rotated under the collector: it stops on the
// auth error (http mode pops with the key), the collector watcher reports it, and the alert goes out exactly once per channel; saving
// the new key through /setup brings the collector back and sends 'resolved'.
import { startFakeCpa, startFakeTelegram, type FakeCpa, type FakeTelegram } from '@cpamp/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from './alerts-receiver';
import { bearer, startTestApp, waitFor, type TestApp } from './helpers';

const SECRET = 'e2e-webhook-secret';
const BOT_TOKEN = '555:e2e-bot-token';

const until = (cond: () => boolean | Promise<boolean>, timeoutMs = 10_000) => waitFor(cond, { timeoutMs });

describe('alerts end to end (collector on the fake CPA)', () => {
  let fake: FakeCpa;
  let t: TestApp;
  let hook: WebhookReceiver;
  let tg: FakeTelegram;
  beforeAll(async () => {
    fake = await startFakeCpa();
    hook = await startWebhookReceiver(SECRET);
    tg = await startFakeTelegram({ token: BOT_TOKEN });
    t = await startTestApp({ allowLocalTargets: true });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
    await hook?.close();
    await tg?.close();
  });
  const call = async (method: 'GET' | 'POST', url: string, payload?: object) => {
    const res = await t.app.inject({ method, url, headers: bearer(t.adminKey), ...(payload ? { payload } : {}) });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json() as Record<string, unknown>;
  };
  const state = async () => ((await call('GET', '/status')).collector as { state?: string } | null)?.state;

  it('a collector stopped by an auth error alerts once per channel, and resolves after setup', async () => {
    await call('POST', '/setup', { cpaBaseUrl: fake.url, managementKey: fake.managementKey, pollIntervalMs: 50, collectorMode: 'http' });
    await until(async () => (await state()) === 'running');
    const w = (await call('POST', '/v0/management/alerts/channels', { name: 'hook', type: 'webhook', config: { url: hook.url, secret: SECRET } })).channel as { id: number };
    const g = (await call('POST', '/v0/management/alerts/channels', { name: 'tg', type: 'telegram', config: { chatId: '7', apiBaseUrl: tg.url, botToken: BOT_TOKEN } })).channel as { id: number };
    await call('POST', '/v0/management/alerts/rules', { name: 'Collector down', kind: 'collector-stalled', severity: 'critical', params: { afterMinutes: 0 }, channelIds: [w.id, g.id], quietMinutes: 60 });

    fake.setManagementKey('rotated-management-key');
    await until(() => hook.hooks.length >= 1 && tg.messages.length >= 1);
    expect(hook.hooks[0]!.body).toMatchObject({ event: 'opened', incident: { kind: 'collector-stalled', subject: 'collector', state: 'open' } });
    expect(hook.hooks[0]!.signatureValid).toBe(true);
    expect(tg.messages[0]!.text).toContain('Collector down');
    // The watcher reports the ongoing stall again, and the engine handles it: still one notification per
    // channel (the incident is open and inside its quiet period).
    await t.app.alerts.tick({ forceWatchers: true });
    await t.app.alerts.engine.idle();
    expect(hook.hooks).toHaveLength(1);
    expect(tg.messages).toHaveLength(1);

    await call('POST', '/setup', { cpaBaseUrl: fake.url, managementKey: 'rotated-management-key', pollIntervalMs: 50, collectorMode: 'http' });
    await until(() => hook.hooks.length >= 2 && tg.messages.length >= 2);
    expect(hook.hooks[1]!.body).toMatchObject({ event: 'resolved', incident: { kind: 'collector-stalled', state: 'resolved' } });
    const incidents = (await call('GET', '/v0/management/alerts/incidents')).items as { state: string }[];
    expect(incidents).toHaveLength(1);
    expect(incidents[0]!.state).toBe('resolved');
    // A delivery is marked sent after the receiver answered, and on a loaded machine a slow answer is retried:
    // wait for the log to settle rather than read it the moment the receiver saw the message.
    const states = async () => ((await call('GET', '/v0/management/alerts/deliveries')).items as { state: string }[]).map((d) => d.state);
    await until(async () => (await states()).every((s) => s === 'sent'), 30_000);
    expect(await states()).toEqual(['sent', 'sent', 'sent', 'sent']);
  });
});
