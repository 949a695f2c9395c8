// Export helpers with exact output: micro-dollars as a 6-place USD decimal (integer arithmetic, no float
// rounding), and a time as a local ISO 8601 string with the zone's offset.

/** 10400 → "0.010400"; null → null. */
export function usdDecimal(micros: number | null): string | null {
  if (micros === null) return null;
  const neg = micros < 0;
  const abs = Math.abs(Math.round(micros));
  const whole = Math.floor(abs / 1_000_000);
  const frac = String(abs % 1_000_000).padStart(6, '0');
  return `${neg ? '-' : ''}${whole}.${frac}`;
}

/** `2026-10-01T14:00:00.000+02:00` for an epoch ms in an IANA zone (formatters cached per instance). */
export function zonedIso(): (ms: number, timeZone: string) => string {
  const formats = new Map<string, Intl.DateTimeFormat>();
  return (ms, timeZone) => {
    let f = formats.get(timeZone);
    if (!f) {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
      formats.set(timeZone, f);
    }
    const p: Record<string, string> = {};
    for (const part of f.formatToParts(ms)) p[part.type] = part.value;
    const msPart = ((ms % 1000) + 1000) % 1000;
    const wall = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!, msPart);
    const offMin = Math.round((wall - ms) / 60_000);
    const sign = offMin < 0 ? '-' : '+';
    const oh = String(Math.floor(Math.abs(offMin) / 60)).padStart(2, '0');
    const om = String(Math.abs(offMin) % 60).padStart(2, '0');
    return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}.${String(msPart).padStart(3, '0')}${sign}${oh}:${om}`;
  };
}
