// RESP LPOP/RPOP <queue> <count> on CPA's main port (CPA v6.9.38+). Both sides pop the OLDEST records.
import { sleep } from '../backoff';
import { connectResp } from './resp-connect';
import type { RespTarget, Transport, TransportContext } from './transport';

export interface RespPopOptions {
  target: RespTarget;
  batchSize: number;
  pollIntervalMs: number;
  queue: string;
  side: 'left' | 'right';
}

async function popOnce(
  redis: Awaited<ReturnType<typeof connectResp>>,
  opts: Omit<RespPopOptions, 'target' | 'pollIntervalMs'>,
): Promise<string[]> {
  const reply = await redis.call(opts.side === 'left' ? 'LPOP' : 'RPOP', opts.queue, String(opts.batchSize));
  if (reply === null || reply === undefined) return [];
  if (Array.isArray(reply)) return reply.map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));
  return [Buffer.isBuffer(reply) ? reply.toString('utf8') : String(reply)];
}

export function createRespPopTransport(opts: RespPopOptions): Transport {
  return {
    name: 'resp-pop',
    async run(ctx: TransportContext): Promise<void> {
      const redis = await connectResp(opts.target, ctx.signal);
      try {
        let announced = false;
        while (!ctx.signal.aborted) {
          // Never interrupt an in-flight pop: CPA has already removed those records.
          const items = await popOnce(redis, opts);
          if (!announced) {
            announced = true;
            ctx.connected();
          }
          if (items.length > 0) await ctx.deliver(items);
          if (items.length < opts.batchSize) await sleep(opts.pollIntervalMs, ctx.signal);
        }
      } finally {
        redis.disconnect(false);
      }
    },
  };
}

/** Pops until empty over a short-lived connection (drain after subscribing when no HTTP client exists). */
export async function drainRespQueue(
  target: RespTarget,
  popOpts: Omit<RespPopOptions, 'target' | 'pollIntervalMs'>,
  ctx: Pick<TransportContext, 'deliver'>,
  signal: AbortSignal,
): Promise<number> {
  const redis = await connectResp(target, signal);
  let total = 0;
  try {
    for (let round = 0; round < 10_000 && !signal.aborted; round++) {
      const items = await popOnce(redis, popOpts);
      if (items.length > 0) {
        total += items.length;
        await ctx.deliver(items);
      }
      if (items.length < popOpts.batchSize) break;
    }
  } finally {
    redis.disconnect(false);
  }
  return total;
}
