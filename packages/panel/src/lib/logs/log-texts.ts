// Reading CPA's log files as text for the in-page viewers (request log by id, request error logs).
import type { CpaClient } from '../api/cpa-client';

export const getRequestLogById = (c: CpaClient, id: string) => c.text('GET', `/request-log-by-id/${encodeURIComponent(id.trim())}`);
export const getErrorLogText = (c: CpaClient, name: string) => c.text('GET', `/request-error-logs/${encodeURIComponent(name)}`);
/** Every line CPA's log tail returns (GET /logs without a cursor), for the download. */
export async function allLogText(c: CpaClient): Promise<string> {
  const res = await c.raw('GET', '/logs');
  const body = (await res.json()) as { lines?: unknown };
  return Array.isArray(body.lines) ? `${body.lines.map(String).join('\n')}\n` : '';
}
