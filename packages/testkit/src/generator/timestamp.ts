/**
 * Go's time.RFC3339Nano as CPA writes `timestamp`: server-local offset ("Z" for UTC, "+08:00" otherwise),
 * fractional seconds up to 9 digits with trailing zeros trimmed (and no dot when the fraction is zero).
 */

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

function offsetSuffix(offsetMinutes: number): string {
  if (offsetMinutes === 0) return 'Z';
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

/** Formats many timestamps fast: caches the "YYYY-MM-DDTHH:MM:" prefix of the current local minute. */
export class TimestampFormatter {
  private cachedMinute = Number.NaN;
  private cachedOffset = Number.NaN;
  private cachedPrefix = '';
  private cachedSuffix = 'Z';

  /**
   * @param epochMicros integer microseconds since the epoch (UTC instant)
   * @param nanos extra nanoseconds 0..999
   * @param offsetMinutes server-local UTC offset
   */
  format(epochMicros: number, nanos: number, offsetMinutes: number): string {
    const localMicros = epochMicros + offsetMinutes * 60_000_000;
    const minute = Math.floor(localMicros / 60_000_000);
    if (minute !== this.cachedMinute || offsetMinutes !== this.cachedOffset) {
      this.cachedMinute = minute;
      this.cachedOffset = offsetMinutes;
      // toISOString of the local wall time: "YYYY-MM-DDTHH:MM:00.000Z" → keep "YYYY-MM-DDTHH:MM:".
      this.cachedPrefix = new Date(minute * 60_000).toISOString().slice(0, 17);
      this.cachedSuffix = offsetSuffix(offsetMinutes);
    }
    const intoMinute = localMicros - minute * 60_000_000;
    const micros = intoMinute % 1_000_000;
    const s = (intoMinute - micros) / 1_000_000;
    let frac = micros * 1000 + nanos;
    let out = this.cachedPrefix + (s < 10 ? `0${s}` : String(s));
    if (frac > 0) {
      let digits = 9;
      while (frac % 10 === 0) {
        frac /= 10;
        digits--;
      }
      const f = String(frac);
      out += f.length === digits ? `.${f}` : `.${'0'.repeat(digits - f.length)}${f}`;
    }
    return out + this.cachedSuffix;
  }
}

/** One-off formatting of an epoch-ms instant (e.g. to restamp a record for a live demo). */
export function formatCpaTimestamp(epochMs: number, offsetMinutes = 0): string {
  return new TimestampFormatter().format(Math.round(epochMs * 1000), 0, offsetMinutes);
}

/** Reads the UTC offset (minutes) of an RFC 3339 timestamp ('Z' → 0). */
export function timestampOffsetMinutes(timestamp: string): number {
  const m = /([+-])(\d{2}):(\d{2})$/.exec(timestamp);
  if (!m) return 0;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}
