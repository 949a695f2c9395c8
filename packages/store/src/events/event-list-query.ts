import { StoreError } from '../errors';

/** Page size: 50 by default, 1 to 1000. */
export const pageLimit = (limit: number | undefined): number => Math.min(Math.max(limit ?? 50, 1), 1000);

/** The opaque nextCursor of an event page (newest first: the last event's ts and id). */
export const encodeCursor = (ts: number, id: number): string =>
  Buffer.from(`${ts}:${id}`).toString('base64url');

export function decodeCursor(cursor: string): { ts: number; id: number } {
  const m = /^(-?\d+):(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m)
    throw new StoreError(
      'invalid_query',
      'Invalid event-list cursor: pass back the nextCursor value of the previous page unchanged.',
    );
  return { ts: Number(m[1]), id: Number(m[2]) };
}

/** A filter value given as one string or a list, as a list (undefined: no filter). */
export const filterValues = (v: string | string[] | undefined): string[] | undefined =>
  v === undefined ? undefined : Array.isArray(v) ? v : [v];

/**
 * What a search text matches: model names containing `lower`, request ids in `reqRange` (a hex
 * prefix of the 8-hex id), and text request ids containing `text` (LIKE wildcards removed).
 */
export interface SearchTerms {
  lower: string;
  reqRange: [number, number] | null;
  text: string;
}

export function searchTerms(search: string | undefined): SearchTerms | undefined {
  const q = search?.trim();
  if (!q) return undefined;
  return {
    lower: q.toLowerCase(),
    reqRange: /^[0-9a-f]{1,8}$/i.test(q)
      ? [parseInt(q.padEnd(8, '0'), 16), parseInt(q.padEnd(8, 'f'), 16)]
      : null,
    text: q.replace(/[%_]/g, ''),
  };
}
