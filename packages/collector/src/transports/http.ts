// HTTP usage-queue transport: GET /v0/management/usage-queue?count=N through sdk-cpa (CPA v6.10.8+).
// Works through reverse proxies and sub-paths. Polls back-to-back while full batches come back.
import { sleep } from '../backoff';
import type { CollectorCpa } from '../cpa-port';
import type { Transport, TransportContext } from './transport';

export interface HttpTransportOptions {
  cpa: CollectorCpa;
  batchSize: number;
  pollIntervalMs: number;
}

export function createHttpTransport(opts: HttpTransportOptions): Transport {
  return {
    name: 'http',
    async run(ctx: TransportContext): Promise<void> {
      let announced = false;
      while (!ctx.signal.aborted) {
        // No abort signal on the pop itself: an aborted response would lose records CPA already removed.
        const items = await opts.cpa.usageQueue.pop(opts.batchSize);
        if (!announced) {
          announced = true;
          ctx.connected();
        }
        if (items.length > 0) await ctx.deliver(items);
        // Keep draining while CPA has a backlog; otherwise wait the poll interval.
        if (items.length < opts.batchSize) await sleep(opts.pollIntervalMs, ctx.signal);
      }
    },
  };
}

/** One pass over the HTTP queue until it is empty (used after (re)subscribing). */
export async function drainHttpQueue(
  cpa: CollectorCpa,
  batchSize: number,
  ctx: Pick<TransportContext, 'deliver'>,
  signal: AbortSignal,
): Promise<number> {
  let total = 0;
  for (let round = 0; round < 10_000 && !signal.aborted; round++) {
    const items = await cpa.usageQueue.pop(batchSize);
    if (items.length > 0) {
      total += items.length;
      await ctx.deliver(items);
    }
    if (items.length < batchSize) break;
  }
  return total;
}
