// Number, money and time formatting for the monitoring pages (always in the browser's locale and zone).

export const fmtNumber = (n: number, lang: string): string => new Intl.NumberFormat(lang).format(n);

/** Compact form for chart axes and cards: 1.2K, 3.4M. */
export const fmtCompact = (n: number, lang: string): string =>
  new Intl.NumberFormat(lang, { notation: 'compact', maximumFractionDigits: 1 }).format(n);

/** Micro-dollars as USD; small amounts keep 4 decimals so a single request is not shown as $0.00. */
export function fmtCost(micros: number | null, lang: string): string {
  if (micros === null) return '–';
  const usd = micros / 1e6;
  const digits = Math.abs(usd) >= 100 ? 2 : 4;
  return new Intl.NumberFormat(lang, { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: digits }).format(usd);
}

export const fmtPct = (ratio: number | null, lang: string): string =>
  ratio === null ? '–' : new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1 }).format(ratio);

export function fmtMs(ms: number | null | undefined, lang: string): string {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return `${fmtNumber(Math.round(ms), lang)} ms`;
  return `${new Intl.NumberFormat(lang, { maximumFractionDigits: 2 }).format(ms / 1000)} s`;
}

export function fmtTime(ms: number, lang: string, withDate = false): string {
  return new Intl.DateTimeFormat(lang, withDate ? { dateStyle: 'short', timeStyle: 'medium' } : { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(ms);
}

/** Short axis label for a server bucket label ('2026-11-23T12:00' or '2026-11-23'). */
export function bucketLabel(label: string, granularity: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):\d{2})?/.exec(label);
  if (!m) return label;
  if (granularity === 'hour') return `${m[2]}-${m[3]} ${m[4] ?? '00'}:00`;
  return `${m[2]}-${m[3]}`;
}

/** datetime-local input value <-> epoch ms, in the browser's zone. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}
export function fromLocalInput(v: string): number | null {
  if (!v) return null;
  const ms = new Date(v).getTime();
  return Number.isFinite(ms) ? ms : null;
}

/** Weekday names in the locale, Sunday first (the server's weekday 0). */
export function weekdayNames(lang: string): string[] {
  const f = new Intl.DateTimeFormat(lang, { weekday: 'short', timeZone: 'UTC' });
  // 2023-01-01 was a Sunday.
  return Array.from({ length: 7 }, (_, i) => f.format(Date.UTC(2023, 0, 1 + i)));
}
