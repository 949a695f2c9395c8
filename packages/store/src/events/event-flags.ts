/**
 * The bits of an events row's `flags` column and the rollups' status class, with the SQL that both
 * dialects' builders use to test them (one place, so the SQL and the in-memory scans agree).
 */

/** The request failed. The lowest bit: `flags & FLAG_FAILED` is 1 for a failure and 0 otherwise. */
export const FLAG_FAILED = 1;
export const FLAG_GENERATE = 2;
/** Token quality, two bits from here (see qualityFlags). */
export const QUALITY_SHIFT = 2;
export const QUALITY_MASK = 3;
export const FLAG_PRICE_MISSING = 16;
export const FLAG_COST_ESTIMATED = 32;
export const FLAG_HAS_EXTRA = 64;
/** Column-cache only, never stored: the row has a numeric request id. */
export const FLAG_CACHE_HAS_REQ = 128;

/** Rollup status class (`sclass`): a success, a 5xx / 4xx failure, or any other failure. */
export const SCLASS_SUCCESS = 2;
export const SCLASS_SERVER_ERROR = 5;
export const SCLASS_CLIENT_ERROR = 4;
export const SCLASS_OTHER_FAILURE = 1;

export function statusClass(failed: boolean, status: number): number {
  if (!failed) return SCLASS_SUCCESS;
  if (status >= 500 && status < 600) return SCLASS_SERVER_ERROR;
  if (status >= 400 && status < 500) return SCLASS_CLIENT_ERROR;
  return SCLASS_OTHER_FAILURE;
}

/** SQL: 1 for a failed events row, 0 otherwise (`flags` may be qualified, e.g. `e.flags`). */
export const failedSql = (flags = 'flags'): string => `(${flags} & ${FLAG_FAILED})`;

/** statusClass() as SQL over an events row (the same text in both dialects). */
export const STATUS_CLASS_SQL = `CASE WHEN ${failedSql()} = 0 THEN ${SCLASS_SUCCESS}
  WHEN status BETWEEN 500 AND 599 THEN ${SCLASS_SERVER_ERROR}
  WHEN status BETWEEN 400 AND 499 THEN ${SCLASS_CLIENT_ERROR} ELSE ${SCLASS_OTHER_FAILURE} END`;

/**
 * SQL for a success / failure filter: over events rows (`flags`, optionally qualified) or over
 * rollup rows (`sclass`).
 */
export function outcomeSql(
  outcome: 'success' | 'failure',
  over: { rollup: boolean; flags?: string },
): string {
  if (over.rollup)
    return outcome === 'success' ? `sclass = ${SCLASS_SUCCESS}` : `sclass <> ${SCLASS_SUCCESS}`;
  return `${failedSql(over.flags)} ${outcome === 'success' ? '=' : '<>'} 0`;
}
