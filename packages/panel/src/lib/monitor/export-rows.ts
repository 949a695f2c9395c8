// CSV for exports of what a card shows: a header from the first record's keys, RFC 4180 quoting, and
// cells that a spreadsheet would run as a formula (=, +, -, @ first) prefixed with a quote.

const FORMULA = /^[=+\-@\t\r]/;

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = typeof v === 'number' ? String(v) : String(v);
  if (typeof v === 'string' && FORMULA.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(records: readonly Record<string, unknown>[]): string {
  if (records.length === 0) return '';
  const cols = Object.keys(records[0]!);
  const lines = [cols.join(','), ...records.map((r) => cols.map((c) => cell(r[c])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}
