// Acknowledge, mute and digests on a real Fastify instance with a real SQLite store and a real local
// webhook receiver; only the clock is fake. Incidents come back with the subject by name.
import { openStore, type Store } from '@cpamp/store';
import { serializerCompiler, validatorCompiler } from '@fastify/type-provider-zod';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  alertSilencesRoutes,
  alertsPlugin,
  alertsRoutes,
  createLiveHub,
  createSignalBus,
  errorHandler,
  type AlertSignal,
  type AlertsRuntime,
  type LiveEntry,
  type SignalBus,
} from '../src/testing';
import { startWebhookReceiver, type WebhookReceiver } from './alerts-receiver';

const MIN = 60_000;
const BASE = '/v0/management/alerts';

describe('alert ack, mute and digests', () => {
  let clock: number;
  let store: Store;
  let signals: SignalBus;
  let app: FastifyInstance;
  let runtime: AlertsRuntime;
  let hook: WebhookReceiver;
  let live: ReturnType<typeof createLiveHub>;
  let liveEntries: LiveEntry[];

  beforeEach(async () => {
    clock = Date.UTC(2026, 11, 7, 12, 0);
    const now = () => clock;
    store = await openStore({ path: ':memory:', now });
    await store.pool.syncAccounts([
      {
        authIndex: 'a1b2c3d4e5f60718',
        fileName: 'codex-ana@example.com.json',
        provider: 'codex',
        email: 'ana@example.com',
        plan: 'plus',
        chatgptAccountId: null,
        disabled: false,
        cpaStatus: 'active',
        statusMessage: null,
      },
    ]);
    signals = createSignalBus({ now });
    live = createLiveHub({ now });
    liveEntries = [];
    live.subscribe((e) => liveEntries.push(e));
    hook = await startWebhookReceiver(null);
    app = Fastify({ logger: false });
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.setErrorHandler(errorHandler);
    await app.register(alertsPlugin, {
      store,
      signals,
      live,
      now,
      tickMs: 0,
      engine: { allowLocalTargets: true, retryBaseMs: 1_000 },
    });
    runtime = app.alerts;
    await app.register(alertsRoutes, { alerts: store.alerts, engine: runtime.engine });
    await app.register(alertSilencesRoutes, { store, now });
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
    await store.close();
    await hook.close();
    live.close();
  });

  const call = async (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
    app.inject({ method, url: `${BASE}${url}`, ...(payload ? { payload } : {}) });
  const setup = async (quietMinutes = 30) => {
    const ch = (
      await call('POST', '/channels', { name: 'hook', type: 'webhook', config: { url: hook.url } })
    ).json().channel.id as number;
    return (
      await call('POST', '/rules', {
        name: 'auth',
        kind: 'account-auth-issue',
        severity: 'critical',
        params: {},
        channelIds: [ch],
        quietMinutes,
      })
    ).json().rule.id as number;
  };
  const emit = async (s: AlertSignal) => {
    signals.emit(s);
    await runtime.engine.idle();
  };
  const auth = (subject: string): AlertSignal => ({
    kind: 'account-auth-issue',
    subject,
    provider: 'codex',
    issue: 'unauthorized',
    detail: 'token revoked',
  });
  const readable = async () =>
    (await call('GET', '/incidents/readable?state=open')).json().items as Record<string, unknown>[];

  it('names the account, links to it; an ack stops repeats but not the resolve; a mute silences channels and toasts', async () => {
    const ruleId = await setup(0);
    await emit(auth('a1b2c3d4e5f60718'));
    expect(hook.hooks).toHaveLength(1);
    let [inc] = await readable();
    expect(inc).toMatchObject({
      subject: 'a1b2c3d4e5f60718',
      subjectLabel: 'ana@example.com',
      link: { kind: 'account', authIndex: 'a1b2c3d4e5f60718' },
      acked: false,
      mute: null,
    });
    expect(String(inc!.message)).not.toContain('a1b2c3d4e5f60718');
    const id = inc!.id as number;

    expect((await call('POST', `/incidents/${id}/ack`, {})).json().incident).toMatchObject({
      acked: true,
      ackedAtMs: clock,
    });
    clock += MIN;
    await emit(auth('a1b2c3d4e5f60718'));
    // Quiet period 0 would repeat; the ack holds it back.
    expect(hook.hooks).toHaveLength(1);
    await emit({ kind: 'resolved', resolves: 'account-auth-issue', subject: 'a1b2c3d4e5f60718' });
    expect(hook.hooks.map((hk) => (hk.body as { event: string }).event)).toEqual(['opened', 'resolved']);

    // Mute the rule for an hour: a new incident reaches no channel and is published as muted (no toast).
    const mute = await call('POST', '/mutes', { scope: 'rule', targetId: ruleId, minutes: 60 });
    expect(mute.statusCode).toBe(201);
    liveEntries.length = 0;
    await emit(auth('a1b2c3d4e5f60718'));
    expect(hook.hooks).toHaveLength(2);
    expect(JSON.parse(liveEntries.find((e) => e.kind === 'alert')!.data)).toMatchObject({
      event: 'opened',
      muted: true,
    });
    [inc] = await readable();
    expect(inc).toMatchObject({ mute: { scope: 'rule', untilMs: clock + 60 * MIN } });
    expect((await call('GET', '/mutes')).json().items).toHaveLength(1);

    // The hour passes: channels hear again.
    clock += 61 * MIN;
    await emit({ kind: 'resolved', resolves: 'account-auth-issue', subject: 'a1b2c3d4e5f60718' });
    expect(hook.hooks).toHaveLength(3);
    // A mute of one incident, removed again.
    await emit(auth('a1b2c3d4e5f60718'));
    [inc] = await readable();
    const m = (await call('POST', '/mutes', { scope: 'incident', targetId: inc!.id, minutes: null })).json()
      .mute as { id: number };
    expect((await readable())[0]).toMatchObject({ mute: { scope: 'incident', untilMs: null } });
    expect((await call('DELETE', `/mutes/${m.id}`)).statusCode).toBe(200);
    expect((await call('DELETE', `/mutes/${m.id}`)).statusCode).toBe(404);
    expect((await call('POST', '/incidents/9999/ack', {})).statusCode).toBe(404);
    expect((await call('POST', '/mutes', { scope: 'rule', targetId: 9999, minutes: 5 })).statusCode).toBe(
      404,
    );
  });

  it('sends a burst as a digest: three alone, the rest in one message when the window ends', async () => {
    await setup(30);
    for (let i = 0; i < 8; i++) await emit(auth(`acc-${i}`));
    expect(hook.hooks).toHaveLength(3);
    clock += 10 * MIN;
    await runtime.tick();
    await runtime.engine.idle();
    expect(hook.hooks).toHaveLength(4);
    expect(hook.hooks[3]!.body).toMatchObject({
      event: 'opened',
      digest: { count: 5 },
      incident: { subject: 'digest', message: expect.stringContaining('5 more incidents of "auth"') },
    });
    // Every incident is still on the page.
    expect(await readable()).toHaveLength(8);
  });
});
