// Live traffic for `cpamp demo`: each generated record is published when its own timestamp comes due, so
// record times, the rate-limit headers they carry and the fake CPA's quota windows all describe "now"
// (a fixed-rate emitter drifts from the generator's day rhythm by hours).
import { setTimeout as sleep } from 'node:timers/promises';

/** Epoch ms of a CPA timestamp (RFC 3339, up to nanoseconds); NaN when unreadable. */
export function recordTimeMs(timestamp: string): number {
  return Date.parse(timestamp.replace(/(\.\d{3})\d+/, '$1'));
}

/** Publishes records (oldest first) as they come due; resolves with the count when they run out or on abort. */
export async function replayInRealTime(
  target: { enqueueUsage(record: object): void },
  records: Iterable<{ timestamp: string }>,
  opts: { signal: AbortSignal; now?: () => number },
): Promise<number> {
  const now = opts.now ?? Date.now;
  let emitted = 0;
  for (const record of records) {
    if (opts.signal.aborted) break;
    const wait = recordTimeMs(record.timestamp) - now();
    if (wait > 0) {
      try {
        await sleep(wait, undefined, { signal: opts.signal, ref: false });
      } catch {
        break;
      }
    }
    target.enqueueUsage(record);
    emitted++;
  }
  return emitted;
}
