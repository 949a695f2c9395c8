// Tolerant timestamp parsing: RFC3339(Nano) with any UTC offset, 'YYYY-MM-DD HH:MM:SS', epoch numbers.

export interface ParsedTimestamp {
  /** UTC epoch milliseconds. */
  ms: number;
  /** Sub-millisecond nanoseconds (0–999,999), kept so the dedup key distinguishes ns-apart attempts. */
  subMsNanos: number;
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9})\d*)?)?\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?$/;

// Accept 1990 … 2200: anything outside is a corrupt value, not a real request time.
const MIN_MS = Date.UTC(1990, 0, 1);
const MAX_MS = Date.UTC(2200, 0, 1);

export function parseTimestamp(value: unknown): ParsedTimestamp | null {
  if (typeof value === 'number') return fromEpochNumber(value);
  if (typeof value !== 'string') return null;
  const s = value.trim();
  if (s === '') return null;
  if (/^-?\d+(\.\d+)?$/.test(s)) return fromEpochNumber(Number(s));
  const m = ISO.exec(s);
  if (!m) return null;
  const [, y, mo, d, h, mi, sec, frac, off] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = sec === undefined ? 0 : Number(sec);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const nanos = frac === undefined ? 0 : Number(frac.padEnd(9, '0'));
  let offsetMin = 0;
  if (off !== undefined && off !== 'Z' && off !== 'z' && off !== 'UTC') {
    const sign = off.startsWith('-') ? -1 : 1;
    const digits = off.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 23 || om > 59) return null;
    offsetMin = sign * (oh * 60 + om);
  }
  const base = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59));
  // Date.UTC rolls over impossible dates (Feb 31); reject those instead of guessing.
  const check = new Date(base);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return null;
  const ms = base + (second === 60 ? 1000 : 0) - offsetMin * 60_000 + Math.floor(nanos / 1_000_000);
  if (ms < MIN_MS || ms > MAX_MS) return null;
  return { ms, subMsNanos: nanos % 1_000_000 };
}

function fromEpochNumber(n: number): ParsedTimestamp | null {
  if (!Number.isFinite(n) || n <= 0) return null;
  let ms: number;
  let sub = 0;
  if (n < 1e11)
    ms = n * 1000; // seconds
  else if (n < 1e14)
    ms = n; // milliseconds
  else if (n < 1e17)
    ms = n / 1000; // microseconds
  else ms = n / 1e6; // nanoseconds
  const whole = Math.floor(ms);
  sub = Math.round((ms - whole) * 1e6);
  if (whole < MIN_MS || whole > MAX_MS) return null;
  return { ms: whole, subMsNanos: Math.min(sub, 999_999) };
}
