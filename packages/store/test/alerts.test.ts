import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../src/index';

const stores: Store[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const clock = 1_700_000_000_000;
const open = async (opts: { path?: string; dataKey?: Buffer } = {}) => {
  const s = await openStore({ path: opts.path ?? ':memory:', dataKey: opts.dataKey, now: () => clock });
  stores.push(s);
  return s;
};
const rule = (channelIds: number[] = []) => ({
  name: 'quota',
  kind: 'quota-low',
  enabled: true,
  severity: 'warning' as const,
  params: { remainingPercentBelow: 10 },
  channelIds,
  quietMinutes: 30,
});

describe('alerts repository', () => {
  it('stores rules and channels; secrets are encrypted at rest and only reported as set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cpamp-alerts-'));
    dirs.push(dir);
    const path = join(dir, 'db.sqlite');
    const key = randomBytes(32);
    const s = await open({ path, dataKey: key });
    const ch = await s.alerts.createChannel({
      name: 'tg',
      type: 'telegram',
      enabled: true,
      config: { chatId: '42' },
      secret: '123456:SUPER-SECRET-BOT-TOKEN',
    });
    expect(ch.secretSet).toBe(true);
    expect(JSON.stringify(ch)).not.toContain('SUPER-SECRET');
    expect(await s.alerts.channelSecret(ch.id)).toBe('123456:SUPER-SECRET-BOT-TOKEN');
    // Update without a secret keeps it; null clears it.
    expect((await s.alerts.updateChannel(ch.id, { name: 'tg2' }))?.secretSet).toBe(true);
    const r = await s.alerts.createRule(rule([ch.id, ch.id]));
    expect(r.channelIds).toEqual([ch.id]);
    expect(r.params).toEqual({ remainingPercentBelow: 10 });
    await s.close();
    stores.length = 0;
    expect(readFileSync(path).toString('latin1')).not.toContain('SUPER-SECRET');
    const again = await open({ path, dataKey: key });
    expect(await again.alerts.channelSecret(ch.id)).toBe('123456:SUPER-SECRET-BOT-TOKEN');
    expect((await again.alerts.updateChannel(ch.id, { secret: null }))?.secretSet).toBe(false);
    expect(await again.alerts.channelSecret(ch.id)).toBeNull();
  });

  it('keeps one open incident per rule and subject; deleting a channel detaches it and fails its retries', async () => {
    const s = await open();
    const ch = await s.alerts.createChannel({ name: 'hook', type: 'webhook', enabled: true, config: { url: 'http://127.0.0.1:1/x' } });
    const r = await s.alerts.createRule(rule([ch.id]));
    const inc = await s.alerts.openIncident({ ruleId: r.id, kind: r.kind, subject: 'acc-1', severity: 'warning', message: 'm', atMs: 1 });
    await expect(
      s.alerts.openIncident({ ruleId: r.id, kind: r.kind, subject: 'acc-1', severity: 'warning', message: 'm', atMs: 2 }),
    ).rejects.toThrow(/alert incident/);
    const touched = await s.alerts.touchIncident(inc.id, 5, 'm2', false);
    expect(touched).toMatchObject({ count: 2, lastSeenAtMs: 5, message: 'm2', lastNotifiedAtMs: 1 });
    expect(await s.alerts.openIncidents({ kind: 'quota-low', subject: 'acc-1' })).toHaveLength(1);
    expect(await s.alerts.resolveIncident(inc.id, 9)).toMatchObject({ state: 'resolved', resolvedAtMs: 9 });
    expect(await s.alerts.findOpenIncident(r.id, 'acc-1')).toBeNull();
    const d = await s.alerts.insertDelivery({
      incidentId: inc.id, channelId: ch.id, channelName: ch.name, state: 'retrying', attempts: 1,
      lastError: 'HTTP 500', nextAttemptAtMs: 100, test: false, event: 'opened', payload: '{}',
    });
    expect(await s.alerts.dueDeliveries(99)).toHaveLength(0);
    expect((await s.alerts.dueDeliveries(100)).map((x) => x.id)).toEqual([d.id]);
    expect(await s.alerts.deleteChannel(ch.id)).toBe(true);
    expect((await s.alerts.getRule(r.id))?.channelIds).toEqual([]);
    expect(await s.alerts.getDelivery(d.id)).toMatchObject({ state: 'failed', nextAttemptAtMs: null, channelName: 'hook' });
    expect(await s.alerts.listDeliveries({ channelId: ch.id })).toHaveLength(1);
  });

  it('bounds the delivery and incident history', async () => {
    const s = await open();
    for (let i = 0; i < 30; i++) {
      await s.alerts.insertDelivery({
        incidentId: null, channelId: 1, channelName: 'c', state: 'sent', attempts: 1, lastError: null,
        nextAttemptAtMs: null, test: true, event: 'test', payload: '{}',
      });
      const inc = await s.alerts.openIncident({ ruleId: 1, kind: 'quota-low', subject: `s${i}`, severity: 'info', message: '', atMs: i });
      await s.alerts.resolveIncident(inc.id, i + 1);
    }
    expect(await s.alerts.prune({ maxDeliveries: 10, maxResolvedIncidents: 5 })).toEqual({ deliveries: 20, incidents: 25 });
    const kept = await s.alerts.listDeliveries({ limit: 100 });
    expect(kept).toHaveLength(10);
    expect(kept[0]!.id).toBe(30);
    expect(await s.alerts.listIncidents({ state: 'resolved', limit: 100 })).toHaveLength(5);
  });
});
