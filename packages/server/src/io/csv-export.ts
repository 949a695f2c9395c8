// CSV export: the store's JSONL export re-shaped row by row (RFC 4180: CRLF line ends, every field that
// holds a comma, quote or line break is quoted, quotes doubled). Memory stays at one store batch.
// Units: costMicros is integer micro-dollars, cost_usd the same as a USD decimal with 6 places; timestamp is
// ISO 8601 in the zone asked for (UTC by default), timestampMs epoch milliseconds; apiKeyAlias is the name
// given to the key (apiKeyLabel its masked form).
// Text cells that a spreadsheet would run as a formula (=, +, -, @, their full-width forms ＝＋－＠, tab or CR
// first, also after leading spaces) get a leading ' .

import { usdDecimal } from '@cpamp/store';

/** Column order of the CSV export (the header row). Only JSONL fields; nothing secret is in the JSONL. */
export const CSV_COLUMNS = [
  'timestamp',
  'timestampMs',
  'requestId',
  'provider',
  'executorType',
  'model',
  'alias',
  'endpoint',
  'authType',
  'authIndex',
  'source',
  'apiKeyLabel',
  'apiKeyAlias',
  'apiKeyHash',
  'clientIp',
  'userAgent',
  'failed',
  'statusCode',
  'latencyMs',
  'ttftMs',
  'reasoningEffort',
  'serviceTier',
  'responseServiceTier',
  'generate',
  'inputTokens',
  'cacheReadTokens',
  'cacheCreationTokens',
  'outputTokens',
  'reasoningTokens',
  'unclassifiedTokens',
  'totalTokens',
  'tokenQuality',
  'costMicros',
  'cost_usd',
  'priceMissing',
  'failBody',
  'dedupKey',
  'upstream',
] as const;

const NEEDS_QUOTES = /[",\r\n]/;
const FORMULA_START = /^(?:[\t\r]| *[=+\-@\uFF1D\uFF0B\uFF0D\uFF20])/;

export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: readonly unknown[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

function rowOf(event: Record<string, unknown>): string {
  return csvRow(
    CSV_COLUMNS.map((c) => {
      if (c === 'timestamp') {
        if (typeof event.time === 'string') return event.time;
        return typeof event.timestampMs === 'number' ? new Date(event.timestampMs).toISOString() : '';
      }
      // From the integer micros, so no float rounding shows up in the decimal.
      if (c === 'cost_usd') return typeof event.costMicros === 'number' ? usdDecimal(event.costMicros) : '';
      return event[c];
    }),
  );
}

/** Header row first, then one row per JSONL line; partial lines across chunks are carried over. */
export async function* jsonlToCsv(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  yield csvRow(CSV_COLUMNS);
  let rest = '';
  for await (const chunk of chunks) {
    const text = rest + chunk;
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    let out = '';
    for (const line of lines) if (line.trim()) out += rowOf(JSON.parse(line) as Record<string, unknown>);
    if (out) yield out;
  }
  if (rest.trim()) yield rowOf(JSON.parse(rest) as Record<string, unknown>);
}
