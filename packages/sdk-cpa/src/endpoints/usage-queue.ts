// GET /usage-queue?count=N — a DESTRUCTIVE pop: never retried, records lost in transit are gone.
import { CpaError } from '../errors';
import type { HttpTransport } from '../http';
import { UsageQueuePopSchema } from '../schemas/usage-queue.schema';
import type { CpaCallOptions } from './call-options';

export interface CpaUsageQueueApi {
  /** Pops up to `count` (≥ 1) oldest records; [] when empty or usage statistics are off. Records are untyped. */
  pop(count: number, options?: CpaCallOptions): Promise<unknown[]>;
}

export function createUsageQueueApi(http: HttpTransport): CpaUsageQueueApi {
  return {
    pop(count, o) {
      if (!Number.isSafeInteger(count) || count < 1) {
        return Promise.reject(
          new CpaError(
            'invalid_argument',
            `usageQueue.pop: count must be an integer ≥ 1, got ${String(count)}.`,
          ),
        );
      }
      return http.json(
        { method: 'GET', path: '/usage-queue', query: { count }, idempotent: false, signal: o?.signal },
        UsageQueuePopSchema,
      );
    },
  };
}
