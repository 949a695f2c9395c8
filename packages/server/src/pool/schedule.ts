// When a scheduled inspection is due: every N minutes, or at wall-clock time points (HH:MM) in a time zone
// (Plus's "time points" mode). Pure: the clock and the last run's time come in as arguments.
import type { PoolPolicy } from './policy';

const DAY = 86_400_000;

/** The zone's offset from UTC at `ms` (ms to add to UTC to get the wall clock). */
function offsetAt(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(ms);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(ms / 1000) * 1000;
}

/** Epoch ms of a wall-clock time in a zone (two passes settle the offset across a DST change). */
export function zonedToEpoch(wallAsUtcMs: number, timeZone: string): number {
  let guess = wallAsUtcMs - offsetAt(wallAsUtcMs, timeZone);
  guess = wallAsUtcMs - offsetAt(guess, timeZone);
  return guess;
}

/** The latest time point at or before `nowMs` (today's or yesterday's in the zone), or null without points. */
export function lastTimePoint(points: readonly string[], timeZone: string, nowMs: number): number | null {
  const wallNow = nowMs + offsetAt(nowMs, timeZone);
  const today = Math.floor(wallNow / DAY) * DAY;
  let best: number | null = null;
  for (const day of [today - DAY, today]) {
    for (const p of points) {
      const [h, m] = p.split(':').map(Number);
      const at = zonedToEpoch(day + ((h ?? 0) * 60 + (m ?? 0)) * 60_000, timeZone);
      if (at <= nowMs && (best === null || at > best)) best = at;
    }
  }
  return best;
}

/** Whether a scheduled run is due now, given when the last scheduled run started (undefined = never). */
export function scheduleDue(
  p: Pick<
    PoolPolicy,
    'inspectionSchedule' | 'inspectionIntervalMinutes' | 'inspectionTimePoints' | 'inspectionTimeZone'
  >,
  lastMs: number | undefined,
  nowMs: number,
): boolean {
  if (p.inspectionSchedule === 'time-points') {
    const point = lastTimePoint(p.inspectionTimePoints, p.inspectionTimeZone, nowMs);
    // A point passed since the last run (a fresh install waits for the next point, as the interval waits one interval).
    return point !== null && lastMs !== undefined && point > lastMs;
  }
  return (
    p.inspectionIntervalMinutes > 0 &&
    lastMs !== undefined &&
    nowMs - lastMs >= p.inspectionIntervalMinutes * 60_000
  );
}

/** Whether the policy schedules inspections at all. */
export const scheduled = (
  p: Pick<PoolPolicy, 'inspectionSchedule' | 'inspectionIntervalMinutes' | 'inspectionTimePoints'>,
): boolean =>
  p.inspectionSchedule === 'time-points'
    ? p.inspectionTimePoints.length > 0
    : p.inspectionIntervalMinutes > 0;
