// The alert engine behind registerAlerts on a real Fastify instance with a real SQLite store, a real local
// webhook receiver and the fake Telegram server; only the clock is fake (signals carry it, ticks are manual).
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { openStore, type Store, type UsageEventInput } from '@cpamp/store';
import { startFakeTelegram, type FakeTelegram } from '@cpamp/testkit';
import { serializerCompiler, validatorCompiler } from '@fastify/type-provider-zod';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from './helpers';
import { alertsPlugin, createAlertEngine, alertsRoutes, createLiveHub, createSignalBus, errorHandler, type AlertSignal, type AlertsRuntime, type LiveEntry, type SignalBus } from '../src/testing';
import { startWebhookReceiver, type WebhookReceiver } from './alerts-receiver';

const SECRET = 'whsec-test-secret-0123456789';
const BOT_TOKEN = '987654321:AAH-fake-bot-token_value';
const MIN = 60_000;

/** What the engine needs of the collector host, driven by hand. */
function fakeCollector() {
  const ee = new EventEmitter();
  let status: { state: string; sinkFailing: boolean; lastError: { message: string } | null } | null = { state: 'running', sinkFailing: false, lastError: null };
  return {
    host: {
      on: (event: string, l: (...a: never[]) => void) => {
        const listener = l as (...a: unknown[]) => void;
        ee.on(event, listener);
        return () => void ee.off(event, listener);
      },
      status: () => status,
    },
    set(s: typeof status) {
      status = s;
      ee.emit('state', s);
    },
    gap(g: { kind: string; startMs: number; endMs: number; lossLikely: boolean; detail: string }) {
      ee.emit('gap', { ...g, retentionSeconds: 60 });
    },
  };
}

describe('alert engine (real store, webhook receiver, fake Telegram, fake clock)', () => {
  let clock: number;
  let store: Store;
  let signals: SignalBus;
  let app: FastifyInstance;
  let runtime: AlertsRuntime;
  let hook: WebhookReceiver;
  let tg: FakeTelegram;
  let live: ReturnType<typeof createLiveHub>;
  let liveEntries: LiveEntry[];
  let collector: ReturnType<typeof fakeCollector>;

  beforeEach(async () => {
    clock = Date.UTC(2026, 10, 23, 12, 0, 0);
    const now = () => clock;
    store = await openStore({ path: ':memory:', now });
    signals = createSignalBus({ now });
    live = createLiveHub({ now });
    liveEntries = [];
    live.subscribe((e) => liveEntries.push(e));
    collector = fakeCollector();
    hook = await startWebhookReceiver(SECRET);
    tg = await startFakeTelegram({ token: BOT_TOKEN });
    app = Fastify({ logger: false });
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.setErrorHandler(errorHandler);
    await app.register(alertsPlugin, {
      store,
      signals,
      live,
      collector: collector.host,
      now,
      tickMs: 0,
      watchIntervalMs: MIN,
      engine: { retryBaseMs: 1_000, maxAttempts: 3, timeoutMs: 3_000, telegramMinIntervalMs: 0, allowLocalTargets: true },
    });
    runtime = app.alerts;
    await app.register(alertsRoutes, { alerts: store.alerts, engine: runtime.engine });
    await app.ready();
  });

  afterEach(async () => {
    await app.close();
    await store.close();
    await hook.close();
    await tg.close();
    live.close();
  });

  const post = async (url: string, payload: object) => {
    const res = await app.inject({ method: 'POST', url: `/v0/management/alerts${url}`, payload });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as Record<string, { id: number }>;
  };
  const channels = async () => {
    const w = (await post('/channels', { name: 'hook', type: 'webhook', config: { url: hook.url }, secret: SECRET })).channel!;
    const t = (await post('/channels', { name: 'tg', type: 'telegram', config: { chatId: '-100123', apiBaseUrl: tg.url }, botToken: BOT_TOKEN })).channel!;
    return [w.id, t.id];
  };
  const rule = async (kind: string, params: object, channelIds: number[], quietMinutes = 30) =>
    (await post('/rules', { name: `${kind} rule`, kind, severity: 'warning', params, channelIds, quietMinutes })).rule!.id;
  const emit = async (s: AlertSignal) => {
    signals.emit(s);
    await runtime.engine.idle();
  };
  const quota = (subject: string, remainingPercent: number): AlertSignal => ({ kind: 'quota-low', subject, provider: 'codex', window: '5h', remainingPercent, resetAtMs: clock + 3 * 3_600_000 });
  const get = async (url: string) => (await app.inject({ url: `/v0/management/alerts${url}` })).json() as { items: Record<string, unknown>[] };

  it('notifies once per incident on every channel, repeats only after the quiet period, and sends resolved', async () => {
    const ids = await channels();
    await rule('quota-low', { remainingPercentBelow: 20 }, ids, 30);
    await emit(quota('acc-1', 5));
    await emit(quota('acc-1', 4));
    await emit(quota('acc-1', 3));
    expect(hook.hooks).toHaveLength(1);
    expect(tg.messages).toHaveLength(1);
    const first = hook.hooks[0]!;
    expect(first.signatureValid).toBe(true);
    expect(first.headers['x-cpamp-timestamp']).toBe(String(clock));
    expect(first.body).toMatchObject({ event: 'opened', sentAtMs: clock, incident: { kind: 'quota-low', subject: 'acc-1', count: 1, state: 'open' } });
    expect(tg.messages[0]).toMatchObject({ chatId: '-100123', parseMode: 'HTML' });
    expect(tg.messages[0]!.text).toContain('acc-1');

    let incidents = await get('/incidents?state=open');
    expect(incidents.items).toHaveLength(1);
    expect(incidents.items[0]).toMatchObject({ count: 3, subject: 'acc-1', state: 'open' });

    clock += 29 * MIN;
    await emit(quota('acc-1', 2));
    expect(hook.hooks).toHaveLength(1);
    clock += 2 * MIN;
    await emit(quota('acc-1', 2));
    expect(hook.hooks).toHaveLength(2);
    expect(tg.messages).toHaveLength(2);
    expect(hook.hooks[1]!.body).toMatchObject({ event: 'repeated', incident: { count: 5 } });

    // Another account is another incident.
    await emit(quota('acc-2', 1));
    expect(hook.hooks).toHaveLength(3);

    // The condition clears (above the rule's threshold): resolved, once.
    await emit(quota('acc-1', 60));
    await emit(quota('acc-1', 70));
    expect(hook.hooks).toHaveLength(4);
    expect(tg.messages).toHaveLength(4);
    expect(hook.hooks[3]!.body).toMatchObject({ event: 'resolved', incident: { subject: 'acc-1', state: 'resolved' } });
    expect(tg.messages[3]!.text).toContain('Resolved');
    expect(hook.hooks.every((h) => h.signatureValid)).toBe(true);

    incidents = await get('/incidents');
    expect(incidents.items.map((i) => [i.subject, i.state])).toEqual([['acc-2', 'open'], ['acc-1', 'resolved']]);
    const deliveries = await get('/deliveries');
    expect(deliveries.items).toHaveLength(8);
    expect(deliveries.items.every((d) => d.state === 'sent' && d.attempts === 1)).toBe(true);
    // Every open / repeat / resolve went to the live stream.
    const alerts = liveEntries.filter((e) => e.kind === 'alert').map((e) => JSON.parse(e.data) as { event: string });
    expect(alerts.map((a) => a.event)).toEqual(['opened', 'repeated', 'opened', 'resolved']);
  });

  it('retries a failed delivery with exponential backoff, then marks it failed; the log shows it', async () => {
    const ids = await channels();
    await rule('account-auth-issue', { issue: 'banned' }, ids);
    hook.failNext(10);
    tg.failNext(1);
    await emit({ kind: 'account-auth-issue', subject: 'acc-9', provider: 'codex', issue: 'unauthorized', detail: '401' });
    expect(hook.requests() + tg.requests()).toBe(0); // issue filter: not this rule's
    await emit({ kind: 'account-auth-issue', subject: 'acc-9', provider: 'codex', issue: 'banned', detail: 'account deactivated' });
    let ds = await get('/deliveries');
    const byName = (n: string) => ds.items.find((d) => d.channelName === n)!;
    expect(byName('hook')).toMatchObject({ state: 'retrying', attempts: 1, nextAttemptAtMs: clock + 1_000, test: false });
    expect(String(byName('hook').lastError)).toMatch(/HTTP 500/);
    expect(byName('tg')).toMatchObject({ state: 'retrying', attempts: 1 });

    await runtime.tick();
    await runtime.engine.idle();
    expect(hook.requests()).toBe(1); // not due yet
    clock += 1_000;
    await runtime.tick();
    await runtime.engine.idle();
    ds = await get('/deliveries');
    expect(byName('hook')).toMatchObject({ state: 'retrying', attempts: 2, nextAttemptAtMs: clock + 2_000 });
    expect(byName('tg')).toMatchObject({ state: 'sent', attempts: 2, lastError: null });
    expect(tg.messages).toHaveLength(1);
    clock += 2_000;
    await runtime.tick();
    await runtime.engine.idle();
    ds = await get('/deliveries');
    expect(byName('hook')).toMatchObject({ state: 'failed', attempts: 3, nextAttemptAtMs: null });
    clock += 60 * MIN;
    await runtime.tick();
    await runtime.engine.idle();
    expect(hook.requests()).toBe(3);
    const channelLog = await get(`/deliveries?channelId=${ids[0]}`);
    expect(channelLog.items).toHaveLength(1);
    expect(JSON.stringify(ds)).not.toContain(BOT_TOKEN);
  });

  it("honours Telegram's retry_after; shutdown aborts a hanging send, which stays due", async () => {
    const [, t] = await channels();
    await rule('cooldown-entered', {}, [t!]);
    tg.failNext(1, 429);
    await emit({ kind: 'cooldown-entered', subject: 'acc-5', provider: 'codex', untilMs: null, reason: '429' });
    const d = (await get('/deliveries')).items[0]!;
    expect(d).toMatchObject({ state: 'retrying', attempts: 1, nextAttemptAtMs: clock + 3_000 });
    expect(String(d.lastError)).toMatch(/HTTP 429/);
    clock += 1_000;
    await runtime.tick();
    await runtime.engine.idle();
    expect(tg.messages).toHaveLength(0);
    clock += 2_000;
    await runtime.tick();
    await runtime.engine.idle();
    expect(tg.messages).toHaveLength(1);
    // A receiver that never answers does not hold up shutdown: the send in flight is aborted and the
    // delivery stays due, to be sent after a restart.
    const sockets: Socket[] = [];
    const silent = createNetServer((sock) => void sockets.push(sock));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/hook`;
      const w = (await post('/channels', { name: 'silent', type: 'webhook', config: { url } })).channel!.id;
      await rule('cooldown-recovered', {}, [w]);
      signals.emit({ kind: 'cooldown-recovered', subject: 'acc-5', provider: 'codex' });
      await waitFor(() => sockets.length > 0, { what: 'the send to reach the silent receiver' });
      const t0 = Date.now();
      await app.close();
      expect(Date.now() - t0).toBeLessThan(1_000);
      const pending = await store.alerts.listDeliveries({ channelId: w });
      expect(pending[0]).toMatchObject({ state: 'retrying', attempts: 0 });
      expect(await store.alerts.dueDeliveries(clock)).toHaveLength(1);
      // "After a restart": a new engine on the same store sends what was left due.
      await store.alerts.updateChannel(w, { config: { url: hook.url } });
      const again = createAlertEngine({ alerts: store.alerts, now: () => clock, logger: { debug() {}, info() {}, warn() {}, error() {} }, publish: () => {}, allowLocalTargets: true });
      await again.tick();
      await again.idle();
      await again.stop();
      expect(hook.hooks.map((h) => h.body.event)).toEqual(['opened']);
      expect((await store.alerts.listDeliveries({ channelId: w }))[0]).toMatchObject({ state: 'sent', attempts: 1 });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it("closes incidents on 'resolved' signals and cooldown recovery", async () => {
    const [w] = await channels();
    await rule('cooldown-entered', {}, [w!]);
    await rule('pool-exhaustion-forecast', { withinHours: 6 }, [w!]);
    await emit({ kind: 'cooldown-entered', subject: 'acc-3', provider: 'claude', untilMs: clock + 5 * MIN, reason: '429 usage limit' });
    await emit({ kind: 'cooldown-recovered', subject: 'acc-3', provider: 'claude' });
    expect(hook.hooks.map((h) => h.body.event)).toEqual(['opened', 'resolved']);
    // Exhaustion after the next reset, or too far ahead: no alert.
    await emit({ kind: 'pool-exhaustion-forecast', subject: 'pool:codex', provider: 'codex', plan: 'plus', exhaustAtMs: clock + 2 * 3_600_000, nextResetAtMs: clock + 3_600_000 });
    await emit({ kind: 'pool-exhaustion-forecast', subject: 'pool:codex', provider: 'codex', plan: 'plus', exhaustAtMs: clock + 8 * 3_600_000, nextResetAtMs: null });
    expect(hook.hooks).toHaveLength(2);
    await emit({ kind: 'pool-exhaustion-forecast', subject: 'pool:codex', provider: 'codex', plan: 'plus', exhaustAtMs: clock + 2 * 3_600_000, nextResetAtMs: clock + 9 * 3_600_000 });
    expect(hook.hooks[2]!.body.incident.message).toMatch(/codex pool \(plus\) is projected to run dry/);
    await emit({ kind: 'resolved', resolves: 'pool-exhaustion-forecast', subject: 'pool:codex' });
    expect(hook.hooks.map((h) => h.body.event)).toEqual(['opened', 'resolved', 'opened', 'resolved']);
    expect((await get('/incidents?state=open')).items).toHaveLength(0);
    // By hand: POST /incidents/:id/resolve sends 'resolved' once; a second call changes nothing.
    await emit({ kind: 'cooldown-entered', subject: 'acc-4', provider: 'claude', untilMs: null, reason: '' });
    const open = (await get('/incidents?state=open')).items[0]!;
    for (let i = 0; i < 2; i++) {
      const res = await app.inject({ method: 'POST', url: `/v0/management/alerts/incidents/${open.id}/resolve` });
      expect(res.json().incident).toMatchObject({ id: open.id, state: 'resolved', resolvedAtMs: clock });
    }
    await runtime.engine.idle();
    expect(hook.hooks.map((h) => h.body.event).slice(4)).toEqual(['opened', 'resolved']);
    expect((await app.inject({ method: 'POST', url: '/v0/management/alerts/incidents/9999/resolve' })).statusCode).toBe(404);
  });

  it('watches the collector: stalled after afterMinutes (resolved when running), gaps de-duplicated', async () => {
    const [w] = await channels();
    await rule('collector-stalled', { afterMinutes: 5 }, [w!]);
    await rule('collector-gap', {}, [w!], 10);
    collector.set({ state: 'backoff', sinkFailing: false, lastError: { message: 'connect ECONNREFUSED' } });
    await runtime.engine.idle();
    expect(hook.hooks).toHaveLength(0); // not stalled long enough yet
    clock += 6 * MIN;
    await runtime.tick({ forceWatchers: true });
    await runtime.engine.idle();
    expect(hook.hooks).toHaveLength(1);
    expect(hook.hooks[0]!.body.incident.message).toMatch(/Collector stalled since .*ECONNREFUSED/);
    collector.set({ state: 'running', sinkFailing: false, lastError: null });
    await runtime.engine.idle();
    expect(hook.hooks.map((h) => h.body.event)).toEqual(['opened', 'resolved']);

    collector.gap({ kind: 'reconnect', startMs: clock - MIN, endMs: clock, lossLikely: false, detail: 'subscriber reconnected' });
    collector.gap({ kind: 'reconnect', startMs: clock - 30_000, endMs: clock, lossLikely: false, detail: 'again' });
    await runtime.engine.idle();
    expect(hook.hooks).toHaveLength(3);
    const gapIncident = (await get('/incidents?state=open')).items[0]!;
    expect(gapIncident).toMatchObject({ kind: 'collector-gap', count: 2 });
    // An event incident closes silently once its quiet period passed without another gap.
    clock += 11 * MIN;
    await runtime.tick();
    await runtime.engine.idle();
    expect((await get('/incidents?state=open')).items).toHaveLength(0);
    expect(hook.hooks).toHaveLength(3);
    collector.gap({ kind: 'retention-expired', startMs: clock - 5 * MIN, endMs: clock, lossLikely: true, detail: 'records expired' });
    await runtime.engine.idle();
    expect(hook.hooks).toHaveLength(4);
  });

  it('measures error-rate spikes and spend from the store, and clears them when the window moves on', async () => {
    const [w] = await channels();
    await store.prices.set('gpt-5', { input: 1.25, output: 10 });
    const key = createHash('sha256').update('sk-team-a').digest('hex');
    await rule('error-rate-spike', { errorRateAbove: 0.25, minRequests: 10, windowMinutes: 15 }, [w!]);
    await rule('spend-threshold', { thresholdMicros: 5_000, periodHours: 1, apiKeyHash: key }, [w!]);
    await rule('spend-threshold', { thresholdMicros: 10_000_000, periodHours: 1, apiKeyHash: key }, [w!]);
    const events: UsageEventInput[] = [];
    for (let i = 0; i < 20; i++) events.push(usageEvent(i, clock - 5 * MIN + i * 1000, i % 2 === 0, key));
    await store.insertBatch(events);
    await runtime.tick({ forceWatchers: true });
    await runtime.engine.idle();
    const messages = hook.hooks.map((h) => h.body.incident.message).sort();
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/^Error rate 50% over the last 15 min \(20 requests\) for all traffic/);
    expect(messages[1]).toMatch(/^Spend \$0\.\d\d over the last 1 h for API key [0-9a-f]{12}… \(threshold \$0\.01\)/);
    // Nothing new, nothing open changed: no extra notifications within the quiet period.
    clock += 2 * MIN;
    await runtime.tick({ forceWatchers: true });
    await runtime.engine.idle();
    expect(hook.hooks).toHaveLength(2);
    // An hour later the windows are empty: both incidents resolve.
    clock += 60 * MIN;
    await runtime.tick({ forceWatchers: true });
    await runtime.engine.idle();
    expect(hook.hooks.slice(2).map((h) => h.body.event)).toEqual(['resolved', 'resolved']);
  });

  it('paces messages to one Telegram chat (wall clock), in order', async () => {
    const [, t] = await channels();
    await store.alerts.createRule({ name: 'banned', kind: 'account-auth-issue', enabled: true, severity: 'critical', params: { issue: 'any' }, channelIds: [t!], quietMinutes: 0 });
    const paced = createAlertEngine({ alerts: store.alerts, now: () => clock, logger: { debug() {}, info() {}, warn() {}, error() {} }, publish: () => {}, telegramMinIntervalMs: 300, allowLocalTargets: true });
    for (const subject of ['a', 'b', 'c']) await paced.handle({ kind: 'account-auth-issue', subject, provider: 'codex', issue: 'banned', detail: '' }, clock);
    await paced.idle();
    await paced.stop();
    expect(tg.messages.map((m) => /Account (\w)/.exec(m.text)?.[1])).toEqual(['a', 'b', 'c']);
    const gaps = tg.messages.slice(1).map((m, i) => m.atMs - tg.messages[i]!.atMs);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(295);
  });

  it('test-send goes out once without retries and is logged as a test', async () => {
    const [w, t] = await channels();
    let res = await app.inject({ method: 'POST', url: `/v0/management/alerts/channels/${w}/test` });
    expect(res.statusCode).toBe(200);
    expect(res.json().delivery).toMatchObject({ state: 'sent', attempts: 1, test: true, incidentId: null, channelName: 'hook' });
    expect(hook.hooks[0]!.body.event).toBe('test');
    expect(hook.hooks[0]!.signatureValid).toBe(true);
    tg.failNext(1, 502);
    res = await app.inject({ method: 'POST', url: `/v0/management/alerts/channels/${t}/test` });
    expect(res.json().delivery).toMatchObject({ state: 'failed', attempts: 1, test: true, nextAttemptAtMs: null });
    expect(res.json().delivery.lastError).toMatch(/HTTP 502/);
    res = await app.inject({ method: 'POST', url: `/v0/management/alerts/channels/${t}/test` });
    expect(res.json().delivery.state).toBe('sent');
    expect(tg.messages).toHaveLength(1);
    expect((await app.inject({ method: 'POST', url: '/v0/management/alerts/channels/999/test' })).statusCode).toBe(404);
  });
});

let seq = 0;
function usageEvent(i: number, ts: number, failed: boolean, apiKeyHash: string): UsageEventInput {
  seq += 1;
  return {
    dedupKey: createHash('sha256').update(`alerts-${seq}-${i}-${ts}`).digest('hex'),
    requestId: (0x10000000 + seq).toString(16),
    timestampMs: ts,
    provider: 'codex',
    executorType: 'CodexExecutor',
    model: 'gpt-5',
    alias: 'gpt-5',
    endpoint: 'POST /v1/responses',
    authType: 'oauth',
    authIndex: 'acc-1',
    source: 'alice@example.com',
    apiKeyHash,
    apiKeyLabel: '…m-a',
    clientIp: '10.0.0.7',
    userAgent: 'codex_cli_rs/0.50.0',
    failed,
    statusCode: failed ? 500 : 200,
    failBody: '',
    latencyMs: 1000,
    ttftMs: 200,
    reasoningEffort: 'medium',
    serviceTier: 'auto',
    responseServiceTier: 'default',
    generate: true,
    inputTokens: 1000,
    cacheReadTokens: 0,
    cacheCreationTokens: 0,
    outputTokens: 100,
    reasoningTokens: 0,
    unclassifiedTokens: 0,
    totalTokens: 1100,
    tokenQuality: 'complete',
  };
}
