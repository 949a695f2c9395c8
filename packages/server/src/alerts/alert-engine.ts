// The alert engine: turns signals into incidents (one open incident per rule and subject), notifies the
// rule's channels once per incident, repeats only after the rule's quiet period, and sends 'resolved' when
// the condition clears. Deliveries are logged first and sent after, retried with exponential backoff.
// All time comes from `now` (injectable); the caller drives tick() from a timer.
import type { AlertSilencesAsync, AlertsRepository } from '@cpamp/store';
import { ServerError } from '../errors';
import {
  incidentView,
  ruleView,
  type ChannelRecord,
  type DeliveryRecord,
  type IncidentRecord,
  type IncidentView,
  type RuleRecord,
  type RuleView,
} from './alert-views';
import type { FetchLike, PostResult } from './http-post';
import { EVENT_KINDS, evaluate, type RuleParams } from './rule-kinds';
import type { AlertSignal } from './signal-bus';
import { channelsHear, silenceOf } from './silences';
import { escapeHtml, redactToken, sendTelegram } from './telegram-sender';
import { sendWebhook } from './webhook-sender';

export type AlertEvent = 'opened' | 'repeated' | 'resolved' | 'test';

export interface AlertLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface AlertEngineOptions {
  /** Attempts per delivery before it is marked failed (default 5). */
  maxAttempts?: number;
  /** First retry delay; doubles per attempt (default 30 s). */
  retryBaseMs?: number;
  /** Per-request timeout for webhook and Telegram calls (default 10 s). */
  timeoutMs?: number;
  fetch?: FetchLike;
  /** Send to loopback / link-local receivers too (CPAMP_ALLOW_LOCAL_TARGETS; default false). */
  allowLocalTargets?: boolean;
  /** Least wall-clock time between two messages to one Telegram chat (default 1 s, Telegram's own limit). */
  telegramMinIntervalMs?: number;
}

export interface AlertEngineDeps extends AlertEngineOptions {
  alerts: AlertsRepository;
  /** Acks and mutes (stored server-side); without it nothing is ever silenced. */
  silences?: Pick<AlertSilencesAsync, 'active' | 'pruneExpired'>;
  /**
   * Bursts: once a rule has opened `after` incidents within `windowMs`, further openings go out as one
   * digest per rule when the window ends (default 3 in 10 minutes; after 0 = no digests).
   */
  digest?: { after: number; windowMs: number };
  now: () => number;
  logger: AlertLogger;
  /** Puts an incident on the live SSE stream (`live.publish('alert', …)`). */
  publish: (incident: IncidentView & { event: AlertEvent; test?: boolean; muted?: boolean }) => void;
}

export interface AlertEngine {
  /**
   * Bus listener: opens, repeats or resolves incidents. Signals are handled one at a time in arrival
   * order; the returned Promise settles when this one is (sends run in the background).
   */
  handle(signal: AlertSignal, atMs: number): Promise<void>;
  /** Retries due deliveries, closes event incidents past their quiet period, prunes history hourly. */
  tick(): Promise<void>;
  /** Closes an open incident by hand (sends 'resolved'); null when there is no such open incident. */
  resolveIncident(id: number): Promise<IncidentRecord | null>;
  /** One attempt, awaited, no retries; the delivery is logged with test = true. */
  testSend(channelId: number): Promise<DeliveryRecord>;
  /** Resolves once every signal being handled and every send in flight has finished (tests, shutdown). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

interface Payload {
  incident: IncidentView;
  rule: RuleView | null;
  event: AlertEvent;
}

const HOUR = 3_600_000;

export function createAlertEngine(deps: AlertEngineDeps): AlertEngine {
  const { alerts, now, logger } = deps;
  const maxAttempts = Math.max(1, deps.maxAttempts ?? 5);
  const retryBaseMs = Math.max(1, deps.retryBaseMs ?? 30_000);
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const inflight = new Map<number, Promise<void>>();
  const stopper = new AbortController();
  let stopped = false;
  let lastPruneMs = 0;
  // Signals are handled in order, one at a time (each reads what the previous one wrote).
  let handling: Promise<void> = Promise.resolve();

  const publish = (incident: IncidentRecord, event: AlertEvent, muted = false) => {
    try {
      deps.publish({ ...incidentView(incident), event, ...(muted ? { muted: true } : {}) });
    } catch (err) {
      logger.warn({ err }, 'alerts: publishing to the live stream failed');
    }
  };

  const send = async (channel: ChannelRecord, payload: Payload): Promise<PostResult> => {
    const sentAtMs = now();
    const secret = channel.secretSet ? await alerts.channelSecret(channel.id) : null;
    // Never fall back to sending unsigned (or not at all silently) when a stored secret cannot be read.
    if (channel.secretSet && secret === null)
      return { ok: false, error: 'the stored secret cannot be decrypted with the current data key; enter it again for this channel' };
    if (channel.type === 'webhook') {
      if (!channel.config.url) return { ok: false, error: 'the webhook channel has no url' };
      const body = JSON.stringify({ ...payload, sentAtMs });
      return sendWebhook({ url: channel.config.url, secret, body, event: payload.event, sentAtMs, timeoutMs, signal: stopper.signal, fetch: deps.fetch, allowLocalTargets: deps.allowLocalTargets });
    }
    if (channel.type === 'telegram') {
      const token = secret;
      if (!token) return { ok: false, error: 'the Telegram channel has no bot token (set botToken)' };
      if (!channel.config.chatId) return { ok: false, error: 'the Telegram channel has no chatId' };
      return sendTelegram({ apiBaseUrl: channel.config.apiBaseUrl, token, chatId: channel.config.chatId, text: telegramText(payload), timeoutMs, signal: stopper.signal, fetch: deps.fetch, allowLocalTargets: deps.allowLocalTargets });
    }
    // SSE: the incident is on the live stream already (every change is published there).
    if (payload.event === 'test') deps.publish({ ...payload.incident, event: 'test', test: true });
    return { ok: true, status: 200, body: '' };
  };

  // One chain per channel: a channel gets its notifications one at a time and in order (opened before
  // resolved), and a burst of incidents cannot open hundreds of connections at once.
  const chains = new Map<number, Promise<void>>();
  const telegramGap = Math.max(0, deps.telegramMinIntervalMs ?? 1_000);
  const lastTelegramSend = new Map<number, number>();
  // Pacing is about Telegram's real rate limit, so it uses wall-clock time, and stop() cuts it short.
  const pace = async (channelId: number) => {
    const wait = (lastTelegramSend.get(channelId) ?? 0) + telegramGap - Date.now();
    if (wait > 0 && !stopped)
      await new Promise<void>((r) => {
        const timer = setTimeout(done, wait);
        function done() {
          clearTimeout(timer);
          stopper.signal.removeEventListener('abort', done);
          r();
        }
        stopper.signal.addEventListener('abort', done, { once: true });
      });
  };
  const runAttempt = async (d: DeliveryRecord, limit: number): Promise<void> => {
    if (stopped) return; // Left 'retrying' and due: it is sent again after a restart.
    const channel = await alerts.getChannel(d.channelId);
    let result: PostResult;
    if (!channel) result = { ok: false, error: 'the channel was deleted' };
    else if (!channel.enabled && !d.test) result = { ok: false, error: 'the channel was disabled before the delivery succeeded' };
    else {
      try {
        if (channel.type === 'telegram' && telegramGap > 0) await pace(channel.id);
        result = await send(channel, JSON.parse(d.payload) as Payload);
        // Measured from the end of a send: Telegram counts the messages it has processed.
        if (channel.type === 'telegram') lastTelegramSend.set(channel.id, Date.now());
      } catch (err) {
        result = { ok: false, error: `cannot send: ${(err as Error).message}` };
      }
    }
    if (stopped) return;
    const attempts = d.attempts + 1;
    if (result.ok) {
      await alerts.updateDelivery(d.id, { state: 'sent', attempts, lastError: null, nextAttemptAtMs: null });
      return;
    }
    const error = redactToken(result.error, null).slice(0, 500);
    const retry = channel !== null && (channel.enabled || d.test) && attempts < limit;
    const backoff = retryBaseMs * 2 ** (attempts - 1);
    const next = retry ? now() + Math.max(backoff, Math.min(result.retryAfterMs ?? 0, HOUR)) : null;
    await alerts.updateDelivery(d.id, { state: retry ? 'retrying' : 'failed', attempts, lastError: error, nextAttemptAtMs: next });
    logger.warn(
      { deliveryId: d.id, channelId: d.channelId, attempts, nextAttemptAtMs: next, error },
      retry ? 'alert delivery failed; will retry' : 'alert delivery failed for good',
    );
  };
  const attempt = (d: DeliveryRecord, limit: number): Promise<void> => {
    const previous = chains.get(d.channelId) ?? Promise.resolve();
    const run: Promise<void> = previous
      .then(() => runAttempt(d, limit))
      .catch((err: unknown) => logger.error({ err, deliveryId: d.id }, 'alerts: delivery bookkeeping failed'))
      .finally(() => {
        inflight.delete(d.id);
        if (chains.get(d.channelId) === run) chains.delete(d.channelId);
      });
    chains.set(d.channelId, run);
    inflight.set(d.id, run);
    return run;
  };

  const digestAfter = Math.max(0, deps.digest?.after ?? 3);
  const digestWindowMs = deps.digest?.windowMs ?? 10 * 60_000;
  // Per rule: when its recent incidents opened, and the openings held back for the next digest.
  const openings = new Map<number, number[]>();
  const held = new Map<number, { sinceMs: number; items: IncidentRecord[] }>();
  /** True when this opening joins a digest instead of going out alone. */
  const holdForDigest = (incident: IncidentRecord, rule: RuleRecord): boolean => {
    if (digestAfter === 0) return false;
    const t = incident.openedAtMs;
    const recent = (openings.get(rule.id) ?? []).filter((x) => t - x < digestWindowMs);
    recent.push(t);
    openings.set(rule.id, recent);
    if (recent.length <= digestAfter) return false;
    const h = held.get(rule.id) ?? { sinceMs: t, items: [] };
    h.items.push(incident);
    held.set(rule.id, h);
    return true;
  };

  const sendToChannels = async (rule: RuleRecord, incidentId: number | null, event: 'opened' | 'repeated' | 'resolved', payload: string) => {
    for (const channelId of rule.channelIds) {
      const channel = await alerts.getChannel(channelId);
      if (!channel || !channel.enabled) continue;
      const base = { incidentId, channelId, channelName: channel.name, test: false, event, payload };
      if (channel.type === 'sse') {
        await alerts.insertDelivery({ ...base, state: 'sent', attempts: 1, lastError: null, nextAttemptAtMs: null });
        continue;
      }
      // Logged before it is sent, as due now: a crash mid-send means a retry after restart, not a loss.
      const d = await alerts.insertDelivery({ ...base, state: 'retrying', attempts: 0, lastError: null, nextAttemptAtMs: now() });
      void attempt(d, maxAttempts);
    }
  };

  const notify = async (incident: IncidentRecord, rule: RuleRecord | null, event: 'opened' | 'repeated' | 'resolved') => {
    const silence = deps.silences ? silenceOf(await deps.silences.active(now()), incident.id, incident.ruleId) : null;
    const hear = silence === null || channelsHear(silence, event);
    publish(incident, event, !hear);
    if (!rule || !hear) return;
    if (event === 'opened' && holdForDigest(incident, rule)) return;
    const payload = JSON.stringify({ incident: incidentView(incident), rule: ruleView(rule), event } satisfies Payload);
    await sendToChannels(rule, incident.id, event, payload);
  };

  /** Sends the held openings of each rule whose digest window has ended, as one message per rule. */
  const flushDigests = async (t: number) => {
    for (const [ruleId, h] of held) {
      if (t - h.sinceMs < digestWindowMs) continue;
      held.delete(ruleId);
      const rule = await alerts.getRule(ruleId);
      if (!rule || h.items.length === 0) continue;
      const first = h.items[0]!;
      const subjects = h.items.map((i) => i.subject);
      const shown = subjects.slice(0, 10).join(', ');
      const incident: IncidentView = {
        ...incidentView(first),
        id: 0,
        subject: 'digest',
        count: h.items.length,
        message: `${h.items.length} more incidents of "${rule.name}" in ${Math.round(digestWindowMs / 60_000)} min: ${shown}${subjects.length > 10 ? ` and ${subjects.length - 10} more` : ''}`,
      };
      await sendToChannels(rule, null, 'opened', JSON.stringify({ incident, rule: ruleView(rule), event: 'opened', digest: { count: h.items.length, incidentIds: h.items.map((i) => i.id) } }));
    }
  };

  const resolve = async (incident: IncidentRecord, atMs: number, silent: boolean) => {
    const done = await alerts.resolveIncident(incident.id, atMs);
    if (!done) return;
    logger.info({ incidentId: done.id, ruleId: done.ruleId, kind: done.kind, subject: done.subject }, 'alert incident resolved');
    if (silent) publish(done, 'resolved');
    else await notify(done, await alerts.getRule(incident.ruleId), 'resolved');
  };

  const fire = async (rule: RuleRecord, subject: string, message: string, atMs: number) => {
    const quietMs = rule.quietMinutes * 60_000;
    const open = await alerts.findOpenIncident(rule.id, subject);
    if (!open) {
      const created = await alerts.openIncident({ ruleId: rule.id, kind: rule.kind, subject, severity: rule.severity, message, atMs });
      logger.info({ incidentId: created.id, ruleId: rule.id, kind: rule.kind, subject }, 'alert incident opened');
      await notify(created, rule, 'opened');
      return;
    }
    const due = open.lastNotifiedAtMs === null || atMs - open.lastNotifiedAtMs >= quietMs;
    const touched = await alerts.touchIncident(open.id, atMs, message, due);
    if (due && touched) await notify(touched, rule, 'repeated');
  };

  const handleSignal = async (signal: AlertSignal, atMs: number) => {
    if (signal.kind === 'resolved') {
      for (const inc of await alerts.openIncidents({ kind: signal.resolves, subject: signal.subject })) await resolve(inc, atMs, false);
      return;
    }
    if (signal.kind === 'cooldown-recovered')
      for (const inc of await alerts.openIncidents({ kind: 'cooldown-entered', subject: signal.subject })) await resolve(inc, atMs, false);
    for (const rule of await alerts.listRules()) {
      if (!rule.enabled || rule.kind !== signal.kind) continue;
      const v = evaluate(rule.params as RuleParams, signal, atMs);
      if (v.verdict === 'fire') await fire(rule, signal.subject, v.message, atMs);
      else if (v.verdict === 'clear') {
        const open = await alerts.findOpenIncident(rule.id, signal.subject);
        if (open) await resolve(open, atMs, false);
      }
    }
  };

  return {
    handle(signal, atMs) {
      if (stopped) return Promise.resolve();
      const run = handling
        .then(() => (stopped ? undefined : handleSignal(signal, atMs)))
        .catch((err: unknown) => logger.error({ err, kind: signal.kind }, 'alerts: handling a signal failed'));
      handling = run;
      return run;
    },

    async tick() {
      if (stopped) return;
      const t = now();
      for (const d of await alerts.dueDeliveries(t, 50)) if (!inflight.has(d.id)) void attempt(d, maxAttempts);
      for (const kind of EVENT_KINDS)
        for (const inc of await alerts.openIncidents({ kind })) {
          const rule = await alerts.getRule(inc.ruleId);
          if (t - inc.lastSeenAtMs >= (rule?.quietMinutes ?? 0) * 60_000) await resolve(inc, t, true);
        }
      await flushDigests(t);
      if (t - lastPruneMs >= HOUR) {
        lastPruneMs = t;
        await deps.silences?.pruneExpired(t);
        await alerts.prune();
      }
    },

    async resolveIncident(id) {
      const inc = await alerts.getIncident(id);
      if (!inc || inc.state !== 'open') return null;
      await resolve(inc, now(), false);
      return alerts.getIncident(id);
    },

    async testSend(channelId) {
      const channel = await alerts.getChannel(channelId);
      if (!channel) throw new ServerError('not_found', `No alert channel with id ${channelId}; list them with GET /v0/management/alerts/channels.`);
      const t = now();
      const incident: IncidentView = {
        id: 0, ruleId: 0, kind: 'test', subject: 'test', severity: 'info', state: 'resolved', openedAtMs: t,
        lastSeenAtMs: t, resolvedAtMs: t, count: 1, message: `Test notification from cpamp to channel "${channel.name}".`,
      };
      const payload: Payload = { incident, rule: null, event: 'test' };
      const d = await alerts.insertDelivery({
        incidentId: null, channelId, channelName: channel.name, state: 'retrying', attempts: 0, lastError: null,
        nextAttemptAtMs: null, test: true, event: 'test', payload: JSON.stringify(payload),
      });
      await attempt(d, 1);
      return (await alerts.getDelivery(d.id)) ?? d;
    },

    async idle() {
      await handling;
      while (inflight.size > 0) await Promise.allSettled([...inflight.values()]);
    },

    async stop() {
      stopped = true;
      stopper.abort();
      await handling;
      await Promise.allSettled([...inflight.values()]);
    },
  };
}

const ICON: Record<string, string> = { critical: '🔴', warning: '🟠', info: '🔵' };

function telegramText(p: Payload): string {
  const i = p.incident;
  const title = p.rule?.name ?? 'cpamp alert';
  const head =
    p.event === 'test' ? '🧪 <b>cpamp test</b>'
      : p.event === 'resolved' ? `✅ <b>Resolved: ${escapeHtml(title)}</b>`
        : `${ICON[i.severity] ?? '⚪'} <b>${escapeHtml(title)}</b>${p.event === 'repeated' ? ` (still active, seen ${i.count}×)` : ''}`;
  const meta = p.event === 'test' ? '' : `\n<i>${escapeHtml(i.kind)} · ${escapeHtml(i.subject)} · ${escapeHtml(i.severity)}</i>`;
  return `${head}\n${escapeHtml(i.message)}${meta}`;
}
