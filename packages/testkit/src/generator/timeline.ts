/**
 * Request start times with a diurnal and weekly rhythm, yielded in order without materialising them:
 * the window is cut into one-minute buckets whose weights follow the rhythm (plus seeded hourly noise);
 * each bucket gets its exact share of the events (cumulative rounding, so the total is exact) and its
 * times are drawn uniformly and sorted within the bucket.
 */
import type { Prng } from './prng';

const BUCKET_MS = 60_000;
/** The rhythm follows a UTC+8 working day (most of the emulated users), whatever the server offset. */
const RHYTHM_OFFSET_MS = 8 * 3_600_000;
/** Relative traffic per local hour 00..23. */
const HOURLY = [
  0.3, 0.2, 0.13, 0.09, 0.07, 0.07, 0.1, 0.2, 0.45, 0.8, 1.0, 1.0, 0.75, 0.8, 1.0, 1.0, 0.95, 0.9, 0.7, 0.65,
  0.8, 0.85, 0.7, 0.5,
];
/** Relative traffic per local weekday, Sunday first. */
const WEEKLY = [0.5, 1.0, 1.0, 1.0, 1.0, 0.92, 0.6];

export class Timeline {
  private readonly cumulative: Float64Array;
  private readonly total: number;
  private bucket = -1;
  private readonly times: number[] = [];
  private pos = 0;
  private emittedBefore = 0;

  constructor(
    private readonly rng: Prng,
    private readonly events: number,
    private readonly startMs: number,
    private readonly endMs: number,
  ) {
    const span = endMs - startMs;
    const buckets = Math.max(1, Math.ceil(span / BUCKET_MS));
    this.cumulative = new Float64Array(buckets);
    let hourNoise = 1;
    let lastHour = Number.NaN;
    let sum = 0;
    for (let b = 0; b < buckets; b++) {
      const t = startMs + b * BUCKET_MS;
      const len = Math.min(BUCKET_MS, endMs - t);
      const local = t + RHYTHM_OFFSET_MS;
      const hourIndex = Math.floor(local / 3_600_000);
      if (hourIndex !== lastHour) {
        lastHour = hourIndex;
        hourNoise = Math.exp(0.18 * rng.normal());
      }
      const hourOfDay = hourIndex % 24;
      const frac = (local % 3_600_000) / 3_600_000;
      const h0 = HOURLY[hourOfDay] as number;
      const h1 = HOURLY[(hourOfDay + 1) % 24] as number;
      const weekday = (Math.floor(local / 86_400_000) + 4) % 7; // 1970-01-01 was a Thursday
      const w = (h0 + (h1 - h0) * frac) * (WEEKLY[weekday] as number) * hourNoise * (len / BUCKET_MS);
      sum += w;
      this.cumulative[b] = sum;
    }
    this.total = sum;
  }

  /** Next start time in epoch microseconds (non-decreasing), or -1 when all events were handed out. */
  next(): number {
    while (this.pos >= this.times.length) {
      if (this.bucket + 1 >= this.cumulative.length) return -1;
      this.bucket++;
      this.fillBucket();
    }
    return this.times[this.pos++] as number;
  }

  private fillBucket(): void {
    const b = this.bucket;
    const isLast = b === this.cumulative.length - 1;
    const target = isLast
      ? this.events
      : Math.floor((this.events * (this.cumulative[b] as number)) / this.total);
    const k = target - this.emittedBefore;
    this.emittedBefore = target;
    this.times.length = 0;
    this.pos = 0;
    if (k <= 0) return;
    const t0 = (this.startMs + b * BUCKET_MS) * 1000;
    const lenMicros = Math.min(BUCKET_MS, this.endMs - (this.startMs + b * BUCKET_MS)) * 1000;
    for (let i = 0; i < k; i++) this.times.push(t0 + Math.floor(this.rng.next() * lenMicros));
    if (k > 1) this.times.sort((x, y) => x - y);
  }
}
