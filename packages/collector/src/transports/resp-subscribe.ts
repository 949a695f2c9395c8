// RESP `SUBSCRIBE usage` on CPA's main port (CPA v7.0.7+). Records are read continuously into a local
// buffer (CPA drops a subscriber whose 256-message buffer fills) and delivered in batches.
import { abortable, AbortedError } from '../abortable';
import { sleep } from '../backoff';
import { CollectorError } from '../errors';
import { controlPayloadKind } from '../normalize';
import { connectResp, whenClosed } from './resp-connect';
import type { RespTarget, Transport, TransportContext } from './transport';

export interface RespSubscribeOptions {
  target: RespTarget;
  batchSize: number;
  /** PING inside the subscription this often to notice dead connections (default 30 s). */
  pingIntervalMs?: number;
  channel?: string;
}

export function createRespSubscribeTransport(opts: RespSubscribeOptions): Transport {
  const channel = opts.channel ?? 'usage';
  return {
    name: 'subscribe',
    async run(ctx: TransportContext): Promise<void> {
      const redis = await connectResp(opts.target, ctx.signal);
      const buffer: string[] = [];
      let pumping: Promise<void> | null = null;
      let deliverError: unknown = null;
      const drainBuffer = async (): Promise<void> => {
        try {
          while (buffer.length > 0) {
            const batch = buffer.splice(0, opts.batchSize);
            await ctx.deliver(batch);
          }
        } catch (e) {
          deliverError = e;
        }
      };
      const pump = (): Promise<void> => {
        if (pumping) return pumping;
        const p = drainBuffer().finally(() => {
          if (pumping === p) pumping = null;
        });
        pumping = p;
        return p;
      };
      redis.on('message', (ch: string, message: string) => {
        if (ch !== channel) return;
        const control = message.length < 64 ? controlPayloadKind(message) : null;
        if (control) {
          ctx.control(control);
          return;
        }
        buffer.push(message);
        if (!pumping) void pump();
      });
      let closedByUs = false;
      const closed = whenClosed(redis);
      try {
        // Nothing arrives before the SUBSCRIBE reply, so giving up on it at stop() loses nothing.
        await abortable(redis.subscribe(channel), ctx.signal);
      } catch (e) {
        redis.disconnect(false);
        if (!(e instanceof AbortedError)) throw e;
        // stop(): anything that did arrive with the reply still goes to the sink.
        while (buffer.length > 0 || pumping) await pump();
        if (deliverError) throw deliverError;
        return;
      }
      ctx.connected();
      ctx.logger.info('collector: subscribed to CPA usage channel', { channel });
      // A new subscriber does not get what CPA queued while nobody was subscribed: drain it once.
      try {
        const drained = await ctx.drainQueue(ctx.signal);
        if (drained > 0) ctx.logger.info('collector: drained queued backlog after subscribing', { drained });
      } catch (e) {
        ctx.logger.warn('collector: could not drain the pop queue after subscribing', {
          error: (e as Error).message,
        });
      }

      const pingEvery = opts.pingIntervalMs ?? 30_000;
      const pinger = setInterval(() => {
        const t = setTimeout(() => redis.disconnect(false), 10_000);
        redis.ping().then(
          () => clearTimeout(t),
          () => clearTimeout(t),
        );
      }, pingEvery);
      pinger.unref?.();

      const aborted = new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      await Promise.race([closed, aborted]);
      clearInterval(pinger);
      if (ctx.signal.aborted && redis.status !== 'end') {
        closedByUs = true;
        // UNSUBSCRIBE: CPA answers, then closes. Messages already on the wire arrive before the reply.
        await Promise.race([redis.unsubscribe(channel).catch(() => undefined), sleep(2000)]);
        redis.disconnect(false);
        await Promise.race([closed, sleep(500)]);
      }
      while (buffer.length > 0 || pumping) await pump();
      if (pumping) await pumping;
      if (deliverError) throw deliverError;
      if (!closedByUs && !ctx.signal.aborted) {
        const at = ctx.now();
        ctx.dropped(at, 'CPA closed the subscription (slow-subscriber drop, CPA restart or network)');
        throw new CollectorError(
          'subscriber_dropped',
          'CPA closed the usage subscription; resubscribing at once (a coverage gap was recorded).',
        );
      }
    },
  };
}

/**
 * Subscribes for windowMs on a separate connection and delivers what arrives (doctor's second-consumer
 * probe). Returns the number of usage records received; they go to the sink like any others.
 */
export async function subscribeForWindow(
  target: RespTarget,
  windowMs: number,
  deliver: (items: string[]) => Promise<void>,
): Promise<number> {
  const redis = await connectResp(target);
  const got: string[] = [];
  redis.on('message', (ch: string, message: string) => {
    if (ch === 'usage' && !(message.length < 64 && controlPayloadKind(message))) got.push(message);
  });
  try {
    await redis.subscribe('usage');
    await sleep(windowMs);
    await Promise.race([redis.unsubscribe('usage').catch(() => undefined), sleep(2000)]);
  } finally {
    redis.disconnect(false);
  }
  if (got.length > 0) await deliver(got);
  return got.length;
}
