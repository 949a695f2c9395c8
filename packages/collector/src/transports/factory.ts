// Builds the transport for a name from the collector's settings, and the post-subscribe queue drain.
import type { CollectorCpa } from '../cpa-port';
import { classifyError } from '../cpa-port';
import { transportSupported } from '../version';
import { createHttpTransport, drainHttpQueue } from './http';
import { createRespPopTransport, drainRespQueue } from './resp-pop';
import { createRespSubscribeTransport } from './resp-subscribe';
import type { RespTarget, Transport, TransportName } from './transport';

export interface TransportSettings {
  cpa: CollectorCpa | null;
  target: RespTarget | null;
  batchSize: number;
  pollIntervalMs: number;
  respQueue: string;
  respPopSide: 'left' | 'right';
  subscribePingIntervalMs: number;
}

/** The transport, or why it cannot run with this configuration. */
export function buildTransport(name: TransportName, s: TransportSettings): Transport | string {
  if (name === 'http') {
    if (!s.cpa) return 'no CPA client configured';
    return createHttpTransport({ cpa: s.cpa, batchSize: s.batchSize, pollIntervalMs: s.pollIntervalMs });
  }
  if (!s.target) return 'RESP needs baseUrl and managementKey';
  if (name === 'subscribe') {
    // Smaller deliveries keep each synchronous normalise+commit block short, so the socket keeps being
    // read and CPA's 256-message subscriber buffer does not fill during a burst.
    return createRespSubscribeTransport({
      target: s.target,
      batchSize: Math.min(s.batchSize, 250),
      pingIntervalMs: s.subscribePingIntervalMs,
    });
  }
  return createRespPopTransport({
    target: s.target,
    batchSize: s.batchSize,
    pollIntervalMs: s.pollIntervalMs,
    queue: s.respQueue,
    side: s.respPopSide,
  });
}

/** Pops CPA's queue until empty: over HTTP when available, else over RESP. */
export async function drainQueue(
  s: TransportSettings,
  cpaVersion: string | null,
  deliver: (items: unknown[]) => Promise<void>,
  signal: AbortSignal,
  nowMs: number,
): Promise<number> {
  if (s.cpa && transportSupported(cpaVersion, 'http')) {
    try {
      return await drainHttpQueue(s.cpa, s.batchSize, { deliver }, signal);
    } catch (e) {
      if (classifyError(e, 'http', nowMs).cls !== 'unsupported') throw e;
    }
  }
  if (!s.target) return 0;
  return drainRespQueue(
    s.target,
    { batchSize: s.batchSize, queue: s.respQueue, side: s.respPopSide },
    { deliver },
    signal,
  );
}
