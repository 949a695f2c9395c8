import { StoreError } from '../errors';

export const QUARTER_MS = 900_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export type BucketKind = 'hour' | 'day' | 'weekdayHour';

export interface BucketMap {
  /** Index of the first quarter hour (floor(fromMs / 15 min)). */
  q0: number;
  /** Group index per quarter hour of the range. */
  map: Int32Array;
  labels: string[];
  /** UTC instant each group starts at (the first quarter that maps to it). */
  starts: number[];
  /** True when every offset in the range is a whole hour (hourly rollups can be used). */
  wholeHours: boolean;
  /** True when every UTC day of the range falls into one group (UTC daily buckets: daily rollups can be used). */
  wholeDays?: boolean;
}

/** Per-store helper (no module state): formatters and offsets cached per zone. */
export class TimeZones {
  private readonly formatters = new Map<string, Intl.DateTimeFormat>();
  private readonly offsets = new Map<string, number>();

  validate(tz: string): string {
    this.formatter(tz);
    return tz;
  }

  private formatter(tz: string): Intl.DateTimeFormat {
    let f = this.formatters.get(tz);
    if (!f) {
      try {
        f = new Intl.DateTimeFormat('en-US', {
          timeZone: tz,
          hourCycle: 'h23',
          year: 'numeric',
          month: 'numeric',
          day: 'numeric',
          hour: 'numeric',
          minute: 'numeric',
          second: 'numeric',
        });
      } catch (cause) {
        throw new StoreError(
          'invalid_time_zone',
          `Unknown time zone "${tz}": use an IANA name such as "UTC", "Europe/Berlin" or "Asia/Shanghai".`,
          { cause },
        );
      }
      if (this.formatters.size > 64) this.formatters.clear();
      this.formatters.set(tz, f);
    }
    return f;
  }

  /** Local − UTC in ms at instant `ms`. */
  offset(tz: string, ms: number): number {
    if (tz === 'UTC' || tz === 'Etc/UTC') return 0;
    const k = `${tz}|${ms}`;
    const hit = this.offsets.get(k);
    if (hit !== undefined) return hit;
    const p: Record<string, number> = {};
    for (const part of this.formatter(tz).formatToParts(ms)) {
      if (part.type !== 'literal') p[part.type] = Number(part.value);
    }
    const local = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
    const off = local - (ms - (ms % 1000));
    if (this.offsets.size > 200_000) this.offsets.clear();
    this.offsets.set(k, off);
    return off;
  }

  /** Maps each quarter hour of [from, to) to a local bucket (hour, day or weekday×hour). */
  bucketMap(tz: string, fromMs: number, toMs: number, kind: BucketKind): BucketMap {
    this.validate(tz);
    const q0 = Math.floor(fromMs / QUARTER_MS);
    const q1 = Math.ceil(toMs / QUARTER_MS);
    const map = new Int32Array(Math.max(0, q1 - q0));
    const labels: string[] = [];
    const starts: number[] = [];
    const seen = new Map<number, number>();
    let wholeHours = true;
    // Daily buckets at offset 0 throughout: each UTC day is one bucket.
    let wholeDays = kind === 'day';
    let hourStart = -1;
    let offA = 0;
    let offB = 0;
    for (let q = q0; q < q1; q++) {
      const ms = q * QUARTER_MS;
      const h = Math.floor(ms / HOUR_MS) * HOUR_MS;
      if (h !== hourStart) {
        hourStart = h;
        offA = this.offset(tz, h);
        offB = this.offset(tz, h + HOUR_MS);
      }
      // A transition inside the hour makes the ends differ: then resolve each quarter exactly.
      const off = offA === offB ? offA : this.offset(tz, ms);
      if (off % HOUR_MS !== 0) wholeHours = false;
      if (off !== 0) wholeDays = false;
      const local = ms + off;
      let key: number;
      if (kind === 'hour') key = Math.floor(local / HOUR_MS);
      else if (kind === 'day') key = Math.floor(local / DAY_MS);
      else key = ((Math.floor(local / DAY_MS) + 4) % 7) * 24 + (Math.floor(local / HOUR_MS) % 24);
      let g = seen.get(key);
      if (g === undefined) {
        if (kind === 'weekdayHour') {
          g = key;
        } else {
          g = labels.length;
          const iso = new Date(kind === 'hour' ? key * HOUR_MS : key * DAY_MS).toISOString();
          labels.push(kind === 'hour' ? `${iso.slice(0, 13)}:00` : iso.slice(0, 10));
          starts.push(Math.max(ms, fromMs));
        }
        seen.set(key, g);
      }
      map[q - q0] = g;
    }
    if (kind === 'weekdayHour') {
      for (let i = 0; i < 168; i++) {
        labels.push(`${(i / 24) | 0}:${i % 24}`);
        starts.push(0);
      }
    }
    return { q0, map, labels, starts, wholeHours, wholeDays };
  }
}
