// A timeline's size is bounded whatever range is asked: past MAX_BUCKETS hourly buckets it is answered by
// day (the reply names the granularity used), and a range too long even for days is refused at once.
import { ServerError } from '../errors';

export type Granularity = 'hour' | 'day';

export const MAX_TIMELINE_BUCKETS = 10_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const SEVEN_DAYS_MS = 7 * DAY_MS;

export function timelineGranularity(fromMs: number, toMs: number, asked: Granularity | undefined): Granularity {
  const span = Math.max(0, toMs - fromMs);
  if (span / DAY_MS > MAX_TIMELINE_BUCKETS) {
    throw new ServerError(
      'bad_request',
      `The timeline range is ${Math.round(span / DAY_MS)} days; a timeline has at most ${MAX_TIMELINE_BUCKETS} buckets (${MAX_TIMELINE_BUCKETS} days, about ${Math.floor(MAX_TIMELINE_BUCKETS / 365)} years). Narrow from/to.`,
    );
  }
  const wanted = asked ?? (span <= SEVEN_DAYS_MS ? 'hour' : 'day');
  return wanted === 'hour' && span / HOUR_MS > MAX_TIMELINE_BUCKETS ? 'day' : wanted;
}
