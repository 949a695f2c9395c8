// CPA's own log files: incremental tail, clear, error request logs, per-request log by id.
import { segment } from '../base-url';
import { CpaError } from '../errors';
import type { HttpTransport } from '../http';
import {
  ClearLogsResultSchema,
  LogsResponseSchema,
  RequestErrorLogListSchema,
  type CpaClearLogsResult,
  type CpaRequestErrorLogFile,
} from '../schemas/logs.schema';
import type { CpaCallOptions } from './call-options';

export interface CpaLogsQuery {
  /** Unix seconds: only lines newer than this (pass the previous latestTimestamp). */
  after?: number;
  limit?: number;
  /** Opaque cursor from the previous page (nextCursor). */
  cursor?: string;
}

export interface CpaLogsPage {
  lines: string[];
  lineCount: number;
  /** Pass as `after` next time. */
  latestTimestamp: number;
  nextCursor: string | undefined;
  /** True when CPA could not continue from the cursor (logs rotated or cleared). */
  cursorReset: boolean;
}

export interface CpaLogsApi {
  /** Needs logging-to-file: true in CPA, else CpaHttpError 400 "logging to file disabled". */
  get(query?: CpaLogsQuery, options?: CpaCallOptions): Promise<CpaLogsPage>;
  clear(options?: CpaCallOptions): Promise<CpaClearLogsResult>;
  listRequestErrorLogs(options?: CpaCallOptions): Promise<CpaRequestErrorLogFile[]>;
  downloadRequestErrorLog(name: string, options?: CpaCallOptions): Promise<string>;
  /** The full request log for a usage record's 8-hex request_id. */
  getRequestLogById(requestId: string, options?: CpaCallOptions): Promise<string>;
}

function requireText(value: string, what: string): void {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new CpaError('invalid_argument', `logs.${what}: argument is empty.`);
  }
}

export function createLogsApi(http: HttpTransport): CpaLogsApi {
  return {
    async get(q, o) {
      const res = await http.json(
        {
          method: 'GET',
          path: '/logs',
          query: { after: q?.after, limit: q?.limit, cursor: q?.cursor },
          signal: o?.signal,
        },
        LogsResponseSchema,
      );
      const lines = res.lines ?? [];
      return {
        lines,
        lineCount: res['line-count'] ?? lines.length,
        latestTimestamp: res['latest-timestamp'] ?? q?.after ?? 0,
        nextCursor: res['next-cursor'] || undefined,
        cursorReset: res['cursor-reset'] === true,
      };
    },
    clear: (o) => http.json({ method: 'DELETE', path: '/logs', signal: o?.signal }, ClearLogsResultSchema),
    async listRequestErrorLogs(o) {
      const res = await http.json(
        { method: 'GET', path: '/request-error-logs', signal: o?.signal },
        RequestErrorLogListSchema,
      );
      return res.files ?? [];
    },
    async downloadRequestErrorLog(name, o) {
      requireText(name, 'downloadRequestErrorLog');
      return http.text({ method: 'GET', path: `/request-error-logs/${segment(name)}`, signal: o?.signal });
    },
    async getRequestLogById(requestId, o) {
      requireText(requestId, 'getRequestLogById');
      return http.text({
        method: 'GET',
        path: `/request-log-by-id/${segment(requestId)}`,
        signal: o?.signal,
      });
    },
  };
}
