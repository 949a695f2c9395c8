import { describe, expect, it } from 'vitest';
import { poolIntelEn } from '../i18n/areas/pool-intel/en';
import { forecastSentence, forecastText, newerRun, formatClock, formatMoney, providerLabel, resultTone, runPercent, stateTone, statusTone, tightestWindow, usedPercent, verdictTone, windowBar } from './pool-format';

const w = (window: string, usedPercent: number | null, remainingPercent: number | null, resetAtMs: number | null = null) => ({ window, usedPercent, remainingPercent, resetAtMs, source: 'inspection', observedAtMs: 0 });
// Monday 2026-11-23 12:00 UTC.
const NOW = Date.UTC(2026, 10, 23, 12, 0);

describe('pool formatting', () => {
  it('colours verdicts, statuses, results and states', () => {
    expect(verdictTone('safe')).toBe('ok');
    expect(verdictTone('watch')).toBe('info');
    expect(verdictTone('at-risk')).toBe('warn');
    expect(verdictTone('empty')).toBe('bad');
    expect(verdictTone('no-data')).toBe('');
    expect(verdictTone('something-new')).toBe('');
    expect(statusTone('banned')).toBe('bad');
    expect(statusTone('cooldown')).toBe('warn');
    expect(resultTone('banned')).toBe('bad');
    expect(resultTone('exhausted')).toBe('warn');
    expect(stateTone('failed')).toBe('bad');
    expect(stateTone('retrying')).toBe('warn');
    expect(stateTone('critical')).toBe('bad');
  });

  it('turns quota windows into bars (used from usedPercent, else 100 - remaining), clamped', () => {
    expect(usedPercent(w('5h', 42, 58))).toBe(42);
    expect(usedPercent(w('5h', null, 25))).toBe(75);
    expect(usedPercent(w('5h', null, null))).toBeNull();
    expect(usedPercent(w('5h', 130, null))).toBe(100);
    expect(windowBar(w('weekly', 50, 50, 123))).toEqual({ window: 'weekly', used: 50, tone: 'ok', resetAtMs: 123 });
    expect(windowBar(w('5h', 85, 15)).tone).toBe('warn');
    expect(windowBar(w('5h', 100, 0)).tone).toBe('bad');
    expect(windowBar(w('5h', null, null)).tone).toBe('');
  });

  it('finds the tightest window', () => {
    expect(tightestWindow([w('5h', 20, 80), w('weekly', 90, 10), w('x', null, null)])?.window).toBe('weekly');
    expect(tightestWindow([w('x', null, null)])).toBeNull();
  });

  it('formats micro-dollars', () => {
    expect(formatMoney(12_345_678, 'en')).toBe('$12.35');
    expect(formatMoney(1_234, 'en')).toBe('$0.0012');
    expect(formatMoney(250_000_000, 'en')).toBe('$250');
  });

  it('formats clock times relative to today, this week, or by date', () => {
    expect(formatClock(Date.UTC(2026, 10, 23, 14, 30), NOW, 'en', 'UTC')).toBe('14:30');
    expect(formatClock(Date.UTC(2026, 10, 26, 9, 0), NOW, 'en', 'UTC')).toBe('Thu 09:00');
    expect(formatClock(Date.UTC(2026, 11, 10, 9, 0), NOW, 'en', 'UTC')).toBe('Dec 10, 09:00');
    // Browser zone decides the day: 23:30 UTC is already Tuesday in Shanghai.
    expect(formatClock(Date.UTC(2026, 10, 23, 23, 30), NOW, 'en', 'Asia/Shanghai')).toBe('Tue 07:30');
  });

  it('builds "pool empty at 14:30; weekly reset Thu 09:00" parts', () => {
    const reset = Date.UTC(2026, 10, 26, 9, 0);
    const f = {
      exhaustAtMs: Date.UTC(2026, 10, 23, 14, 30),
      nextResetAtMs: reset,
      windows: [
        { window: '5h', avgUsedPercent: 50, minRemainingPercent: 10, nextResetAtMs: reset + 1 },
        { window: 'weekly', avgUsedPercent: 80, minRemainingPercent: 0, nextResetAtMs: reset },
      ],
    };
    expect(forecastText(f, NOW, 'en', 'UTC')).toEqual({ emptyAt: '14:30', reset: { window: 'weekly', at: 'Thu 09:00' } });
    expect(forecastText({ ...f, exhaustAtMs: null, nextResetAtMs: null }, NOW, 'en', 'UTC')).toEqual({ emptyAt: null, reset: null });
  });

  it('labels providers and run progress', () => {
    expect(providerLabel('codex', null)).toBe('Codex');
    expect(providerLabel('claude', 'max')).toBe('Claude (max)');
    expect(runPercent({ total: 200, done: 50 })).toBe(25);
    expect(runPercent({ total: 0, done: 0 })).toBe(0);
    expect(runPercent({ total: 3, done: 9 })).toBe(100);
  });

  it('keeps the newest snapshot of a run whatever order updates arrive in', () => {
    const r = (state: string, done: number) => ({ state, done });
    expect(newerRun(undefined, r('running', 0))).toEqual(r('running', 0));
    expect(newerRun(r('running', 5), r('running', 9))).toEqual(r('running', 9));
    expect(newerRun(r('running', 9), r('running', 5))).toEqual(r('running', 9));
    expect(newerRun(r('done', 31), r('running', 27))).toEqual(r('done', 31));
    expect(newerRun(r('running', 31), r('done', 31))).toEqual(r('done', 31));
    expect(newerRun(r('running', 3), r('cancelled', 3))).toEqual(r('cancelled', 3));
  });
});

describe('forecastSentence', () => {
  const H = 3_600_000;
  const base = { bindingWindow: '5h', exhaustAtMs: null, dryAtMs: null, nextResetAtMs: null, emptyUntilMs: null };
  it('says why in one sentence, in the given zone', () => {
    expect(forecastSentence({ ...base, reason: 'idle' }, poolIntelEn.reason, NOW, 'en', 'UTC')).toBe('Safe: no quota is being used.');
    expect(forecastSentence({ ...base, reason: 'reset-first', nextResetAtMs: NOW + 3 * H, dryAtMs: NOW + 4 * H }, poolIntelEn.reason, NOW, 'en', 'UTC')).toBe('The 5h quota resets 15:00, before it would run dry (16:00).');
    expect(forecastSentence({ ...base, bindingWindow: 'weekly', reason: 'runs-dry', exhaustAtMs: NOW + 2 * H, nextResetAtMs: NOW + 50 * H }, poolIntelEn.reason, NOW, 'en', 'UTC')).toBe('Runs dry 14:00 at the current pace, before the weekly reset Wed 14:00.');
    expect(forecastSentence({ ...base, reason: 'empty', emptyUntilMs: NOW + H }, poolIntelEn.reason, NOW, 'en', 'UTC')).toBe('Empty until 13:00, when the first 5h quota resets.');
    expect(forecastSentence({ ...base, reason: 'no-data' }, poolIntelEn.reason, NOW, 'en', 'UTC')).toBeNull();
  });
  it('never shows a runs-dry time in the past', () => {
    expect(forecastSentence({ ...base, reason: 'runs-dry', exhaustAtMs: NOW - 2 * H }, poolIntelEn.reason, NOW, 'en', 'UTC')).toBe('Runs dry 12:00 at the current pace; no reset is known.');
  });
});
