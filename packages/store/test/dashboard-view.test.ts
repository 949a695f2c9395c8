import { describe, expect, it } from 'vitest';
import { dashboardView } from '../src/index';
import { makeEvent } from './helpers/events';
import { tempStores } from './helpers/temp-stores';

const H = 3_600_000;
const NOW = Date.UTC(2026, 7, 22, 10, 30, 0);
const temp = tempStores();

describe('dashboardView', () => {
  it('answers today, yesterday so far, the last minute, 24 hourly points, top lists and failures', async () => {
    const s = await temp.memory();
    await s.insertBatch([
      makeEvent({ timestampMs: NOW - 20_000, model: 'gpt-5', inputTokens: 100, outputTokens: 0 }),
      makeEvent({ timestampMs: NOW - 2 * H, model: 'gpt-5', authIndex: 'acc-b' }),
      makeEvent({
        timestampMs: NOW - 3 * H,
        model: 'claude-x',
        failed: true,
        statusCode: 429,
        failBody: 'rate limited: try later',
      }),
      // Yesterday 09:00 UTC: before the same time of day, so it is in yesterdaySoFar.
      makeEvent({ timestampMs: NOW - 25.5 * H, model: 'gpt-5' }),
      // Yesterday 11:00 UTC: in the last 24 h, not in yesterdaySoFar.
      makeEvent({ timestampMs: NOW - 23.5 * H, model: 'gpt-5' }),
    ]);
    const d = await dashboardView(s, { now: NOW, timeZone: 'UTC' });
    expect(d.todayStartMs).toBe(Date.UTC(2026, 7, 22));
    expect(d.today.requests).toBe(3);
    expect(d.today.failures).toBe(1);
    expect(d.yesterdaySoFar.requests).toBe(1);
    expect(d.rpm).toBe(1);
    expect(d.tpm).toBeGreaterThanOrEqual(100);
    expect(d.series).toHaveLength(24);
    expect(d.series.reduce((n, p) => n + p.requests, 0)).toBe(4);
    expect(d.topModels.map((m) => [m.name, m.requests])).toEqual([
      ['gpt-5', 3],
      ['claude-x', 1],
    ]);
    expect(d.topAccounts[0]!.requests).toBeGreaterThanOrEqual(d.topAccounts.at(-1)!.requests);
    expect(d.recentFailures).toHaveLength(1);
    expect(d.recentFailures[0]).toMatchObject({
      model: 'claude-x',
      statusCode: 429,
      message: 'rate limited: try later',
    });
  });

  it('starts today at midnight of the asked time zone', async () => {
    const s = await temp.memory();
    const d = await dashboardView(s, { now: NOW, timeZone: 'Asia/Shanghai' });
    // 10:30 UTC is 18:30 in Shanghai: its midnight was 16:00 UTC the day before.
    expect(d.todayStartMs).toBe(Date.UTC(2026, 7, 21, 16));
    expect(d.today.requests).toBe(0);
    expect(d.recentFailures).toEqual([]);
  });
});
