// Budget periods and the spend forecast. Periods are calendar periods in UTC: a week starts on Monday
// 00:00 UTC, a month on the 1st at 00:00 UTC (the same for every user of a shared pool, whatever their zone).
//
// Forecast (a simple burn-rate projection): the spend so far divided by the time elapsed in the period,
// times the whole period. The elapsed time counts as at least one hour, so the first request of a period
// does not project a huge month from a few seconds of traffic.
import type { BudgetPeriod } from '@cpamp/store';

const DAY = 86_400_000;
const HOUR = 3_600_000;

export interface PeriodBounds {
  /** Inclusive start, UTC epoch ms. */
  startMs: number;
  /** Exclusive end (the next period's start). */
  endMs: number;
}

export function periodBounds(period: BudgetPeriod, atMs: number): PeriodBounds {
  const d = new Date(atMs);
  if (period === 'month') {
    const startMs = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    return { startMs, endMs: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
  }
  const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const sinceMonday = (d.getUTCDay() + 6) % 7;
  const startMs = midnight - sinceMonday * DAY;
  return { startMs, endMs: startMs + 7 * DAY };
}

/** Projected spend at the period's end from the burn rate so far (see the file comment). */
export function forecastMicros(spentMicros: number, bounds: PeriodBounds, atMs: number): number {
  if (spentMicros <= 0) return 0;
  const elapsed = Math.max(HOUR, Math.min(atMs, bounds.endMs) - bounds.startMs);
  const total = bounds.endMs - bounds.startMs;
  if (elapsed >= total) return spentMicros;
  return Math.round((spentMicros / elapsed) * total);
}
