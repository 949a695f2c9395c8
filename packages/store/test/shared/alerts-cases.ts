// Alert rules, channels, incidents, deliveries and silences: the same assertions on SQLite and Postgres.
import { describe, expect, it } from 'vitest';
import type { PgStoreRepositories } from '../../src/index';
import type { SuiteOpenOptions } from './repository-suite';

const rule = (channelIds: number[] = []) => ({
  name: 'quota',
  kind: 'quota-low',
  enabled: true,
  severity: 'warning' as const,
  params: { remainingPercentBelow: 10 },
  channelIds,
  quietMinutes: 30,
});
const delivery = (channelId: number, extra: { incidentId?: number | null; nextAttemptAtMs?: number | null; state?: 'sent' | 'failed' | 'retrying' } = {}) => ({
  incidentId: extra.incidentId ?? null,
  channelId,
  channelName: 'c',
  state: extra.state ?? ('sent' as const),
  attempts: 1,
  lastError: null,
  nextAttemptAtMs: extra.nextAttemptAtMs ?? null,
  test: true,
  event: 'test' as const,
  payload: '{}',
});

export function defineAlertsCases(
  fresh: (opts?: SuiteOpenOptions) => Promise<PgStoreRepositories>,
  openStore: (opts?: SuiteOpenOptions) => Promise<{ store: PgStoreRepositories; location: string }>,
): void {
  describe('alerts', () => {
    it('stores rules and channels; a secret is only reported as set and survives a reopen', async () => {
      const { store: s, location } = await openStore({ now: () => 1_000 });
      const ch = await s.alerts.createChannel({ name: 'tg', type: 'telegram', enabled: true, config: { chatId: '42' }, secret: '123456:SUPER-SECRET-BOT-TOKEN' });
      expect(ch).toEqual({ id: ch.id, name: 'tg', type: 'telegram', enabled: true, config: { chatId: '42' }, secretSet: true, createdAtMs: 1_000, updatedAtMs: 1_000 });
      expect(await s.alerts.channelSecret(ch.id)).toBe('123456:SUPER-SECRET-BOT-TOKEN');
      // Update without a secret keeps it.
      expect(await s.alerts.updateChannel(ch.id, { name: 'tg2', enabled: false })).toMatchObject({ name: 'tg2', enabled: false, secretSet: true });
      const r = await s.alerts.createRule(rule([ch.id, ch.id]));
      expect(r).toEqual({ id: r.id, ...rule([ch.id]), createdAtMs: 1_000, updatedAtMs: 1_000 });
      await s.close();
      const again = await fresh({ location, now: () => 2_000 });
      expect(await again.alerts.channelSecret(ch.id)).toBe('123456:SUPER-SECRET-BOT-TOKEN');
      expect(await again.alerts.updateChannel(ch.id, { secret: '' })).toMatchObject({ secretSet: false, updatedAtMs: 2_000, createdAtMs: 1_000 });
      await again.alerts.updateChannel(ch.id, { secret: 'x' });
      expect((await again.alerts.updateChannel(ch.id, { secret: null }))?.secretSet).toBe(false);
      expect(await again.alerts.channelSecret(ch.id)).toBeNull();
      expect(await again.alerts.channelSecret(9999)).toBeNull();
      expect(await again.alerts.updateChannel(9999, { name: 'x' })).toBeNull();
      expect(await again.alerts.getChannel(9999)).toBeNull();
    });

    it('updates and lists rules newest first; deleting a rule closes its open incidents', async () => {
      let clock = 10;
      const s = await fresh({ now: () => clock });
      const a = await s.alerts.createRule(rule());
      const b = await s.alerts.createRule({ ...rule(), name: 'errors', kind: 'error-rate', severity: 'critical', quietMinutes: 2.7 });
      expect(b.quietMinutes).toBe(2);
      expect((await s.alerts.listRules()).map((x) => x.name)).toEqual(['errors', 'quota']);
      clock = 20;
      expect(await s.alerts.updateRule(a.id, { enabled: false, params: { remainingPercentBelow: 5, provider: 'codex', strict: true } })).toEqual({
        ...a, enabled: false, params: { remainingPercentBelow: 5, provider: 'codex', strict: true }, updatedAtMs: 20,
      });
      expect(await s.alerts.updateRule(9999, { enabled: true })).toBeNull();
      const inc = await s.alerts.openIncident({ ruleId: a.id, kind: a.kind, subject: 'acc-1', severity: 'warning', message: 'm', atMs: 15 });
      expect(await s.alerts.deleteRule(a.id)).toBe(true);
      expect(await s.alerts.deleteRule(a.id)).toBe(false);
      expect(await s.alerts.getRule(a.id)).toBeNull();
      expect(await s.alerts.getIncident(inc.id)).toMatchObject({ state: 'resolved', resolvedAtMs: 20 });
      expect((await s.alerts.listRules()).map((x) => x.id)).toEqual([b.id]);
    });

    it('keeps one open incident per rule and subject; deleting a channel detaches it and fails its retries', async () => {
      const s = await fresh({ now: () => 50 });
      const ch = await s.alerts.createChannel({ name: 'hook', type: 'webhook', enabled: true, config: { url: 'http://127.0.0.1:1/x' } });
      expect(ch.secretSet).toBe(false);
      const other = await s.alerts.createChannel({ name: 'sse', type: 'sse', enabled: true, config: {} });
      const r = await s.alerts.createRule(rule([ch.id, other.id]));
      const r2 = await s.alerts.createRule(rule([other.id]));
      const inc = await s.alerts.openIncident({ ruleId: r.id, kind: r.kind, subject: 'acc-1', severity: 'warning', message: 'm', atMs: 1 });
      expect(inc).toEqual({
        id: inc.id, ruleId: r.id, kind: 'quota-low', subject: 'acc-1', severity: 'warning', state: 'open', openedAtMs: 1,
        lastSeenAtMs: 1, resolvedAtMs: null, count: 1, message: 'm', lastNotifiedAtMs: 1,
      });
      await expect(
        s.alerts.openIncident({ ruleId: r.id, kind: r.kind, subject: 'acc-1', severity: 'warning', message: 'm', atMs: 2 }),
      ).rejects.toThrow(/alert incident/);
      const touched = await s.alerts.touchIncident(inc.id, 5, 'm2', false);
      expect(touched).toMatchObject({ count: 2, lastSeenAtMs: 5, message: 'm2', lastNotifiedAtMs: 1 });
      expect(await s.alerts.touchIncident(inc.id, 6, 'm3', true)).toMatchObject({ count: 3, lastNotifiedAtMs: 6 });
      await s.alerts.markNotified(inc.id, 7);
      expect((await s.alerts.findOpenIncident(r.id, 'acc-1'))?.lastNotifiedAtMs).toBe(7);
      const inc2 = await s.alerts.openIncident({ ruleId: r2.id, kind: 'other', subject: 'acc-2', severity: 'info', message: '', atMs: 8 });
      expect((await s.alerts.openIncidents()).map((i) => i.id)).toEqual([inc2.id, inc.id]);
      expect((await s.alerts.openIncidents({ kind: 'quota-low' })).map((i) => i.id)).toEqual([inc.id]);
      expect(await s.alerts.openIncidents({ kind: 'quota-low', subject: 'acc-1' })).toHaveLength(1);
      expect((await s.alerts.openIncidents({ subject: 'acc-2' })).map((i) => i.id)).toEqual([inc2.id]);
      expect(await s.alerts.resolveIncident(inc.id, 9)).toMatchObject({ state: 'resolved', resolvedAtMs: 9 });
      // Resolving twice keeps the first time; touching a resolved incident changes nothing.
      expect(await s.alerts.resolveIncident(inc.id, 10)).toMatchObject({ resolvedAtMs: 9 });
      expect(await s.alerts.touchIncident(inc.id, 11, 'late', true)).toMatchObject({ count: 3, message: 'm3' });
      expect(await s.alerts.findOpenIncident(r.id, 'acc-1')).toBeNull();
      expect((await s.alerts.listIncidents({ state: 'open' })).map((i) => i.id)).toEqual([inc2.id]);
      expect((await s.alerts.listIncidents({ limit: 1 })).map((i) => i.id)).toEqual([inc2.id]);
      expect(await s.alerts.getIncident(9999)).toBeNull();

      const d = await s.alerts.insertDelivery({ ...delivery(ch.id, { incidentId: inc.id, nextAttemptAtMs: 100, state: 'retrying' }), channelName: 'hook', lastError: 'HTTP 500', test: false, event: 'opened' });
      expect(d).toEqual({
        id: d.id, incidentId: inc.id, channelId: ch.id, channelName: 'hook', atMs: 50, state: 'retrying', attempts: 1,
        lastError: 'HTTP 500', nextAttemptAtMs: 100, test: false, event: 'opened', payload: '{}',
      });
      const d2 = await s.alerts.insertDelivery(delivery(other.id, { nextAttemptAtMs: 90, state: 'retrying' }));
      expect(await s.alerts.dueDeliveries(89)).toHaveLength(0);
      expect((await s.alerts.dueDeliveries(100)).map((x) => x.id)).toEqual([d2.id, d.id]);
      expect((await s.alerts.dueDeliveries(100, 1)).map((x) => x.id)).toEqual([d2.id]);
      expect(await s.alerts.updateDelivery(d2.id, { state: 'sent', attempts: 2, lastError: null, nextAttemptAtMs: null })).toMatchObject({ state: 'sent', attempts: 2, nextAttemptAtMs: null });
      expect(await s.alerts.updateDelivery(9999, { state: 'sent', attempts: 2, lastError: null, nextAttemptAtMs: null })).toBeNull();
      expect(await s.alerts.deleteChannel(ch.id)).toBe(true);
      expect(await s.alerts.deleteChannel(ch.id)).toBe(false);
      expect((await s.alerts.getRule(r.id))?.channelIds).toEqual([other.id]);
      expect((await s.alerts.getRule(r2.id))?.channelIds).toEqual([other.id]);
      expect(await s.alerts.getDelivery(d.id)).toMatchObject({
        state: 'failed', nextAttemptAtMs: null, channelName: 'hook', lastError: 'the channel was deleted before the delivery succeeded',
      });
      expect(await s.alerts.listDeliveries({ channelId: ch.id })).toHaveLength(1);
      expect((await s.alerts.listDeliveries()).map((x) => x.id)).toEqual([d2.id, d.id]);
      expect((await s.alerts.listChannels()).map((c) => c.name)).toEqual(['sse']);
    });

    it('bounds the delivery and incident history (retries are kept)', async () => {
      const s = await fresh({ now: () => 1 });
      const retry = await s.alerts.insertDelivery(delivery(1, { state: 'retrying', nextAttemptAtMs: 5 }));
      for (let i = 0; i < 30; i++) {
        await s.alerts.insertDelivery(delivery(1));
        const inc = await s.alerts.openIncident({ ruleId: 1, kind: 'quota-low', subject: `s${i}`, severity: 'info', message: '', atMs: i });
        await s.alerts.resolveIncident(inc.id, i + 1);
      }
      await s.alerts.openIncident({ ruleId: 1, kind: 'quota-low', subject: 'open', severity: 'info', message: '', atMs: 99 });
      expect(await s.alerts.prune({ maxDeliveries: 10, maxResolvedIncidents: 5 })).toEqual({ deliveries: 20, incidents: 25 });
      const kept = await s.alerts.listDeliveries({ limit: 100 });
      expect(kept).toHaveLength(11);
      expect(kept[0]!.id).toBe(retry.id + 30);
      expect(kept.at(-1)!.id).toBe(retry.id);
      expect(await s.alerts.listIncidents({ state: 'resolved', limit: 100 })).toHaveLength(5);
      expect(await s.alerts.listIncidents({ state: 'open' })).toHaveLength(1);
      expect(await s.alerts.prune()).toEqual({ deliveries: 0, incidents: 0 });
    });
  });

  describe('alert silences', () => {
    it('acks once, mutes until a time or for good, forgets expired mutes', async () => {
      let t = 1_000;
      const s = await fresh({ now: () => t });
      const a = await s.alertSilences.ack(7, 'seen');
      expect(a).toEqual({ id: a.id, kind: 'ack', scope: 'incident', targetId: 7, untilMs: null, createdAtMs: 1_000, note: 'seen' });
      t = 2_000;
      expect(await s.alertSilences.ack(7)).toEqual(a);
      const m1 = await s.alertSilences.mute({ scope: 'rule', targetId: 3, untilMs: 5_000 });
      expect(m1).toMatchObject({ kind: 'mute', scope: 'rule', targetId: 3, untilMs: 5_000, createdAtMs: 2_000, note: '' });
      await s.alertSilences.mute({ scope: 'incident', targetId: 9, untilMs: null, note: 'known' });
      // A mute of an incident is not an ack of it.
      await s.alertSilences.ack(9);
      expect((await s.alertSilences.active(t)).map((x) => [x.kind, x.scope, x.targetId, x.untilMs])).toEqual([
        ['ack', 'incident', 7, null],
        ['mute', 'rule', 3, 5_000],
        ['mute', 'incident', 9, null],
        ['ack', 'incident', 9, null],
      ]);
      t = 5_000;
      expect((await s.alertSilences.active(t)).some((x) => x.id === m1.id)).toBe(false);
      expect(await s.alertSilences.pruneExpired(t)).toBe(1);
      expect(await s.alertSilences.unack(7)).toBe(true);
      expect(await s.alertSilences.unack(7)).toBe(false);
      expect(await s.alertSilences.unack(9)).toBe(true);
      expect((await s.alertSilences.active(t)).map((x) => x.targetId)).toEqual([9]);
      const [mute] = await s.alertSilences.active(t);
      expect(await s.alertSilences.remove(mute!.id)).toBe(true);
      expect(await s.alertSilences.remove(mute!.id)).toBe(false);
      expect(await s.alertSilences.active(t)).toEqual([]);
      // After an unack the incident can be acked again.
      expect(await s.alertSilences.ack(7, 'again')).toMatchObject({ kind: 'ack', targetId: 7, createdAtMs: 5_000, note: 'again' });
    });
  });
}
