// GET /v0/management/events/stream: Server-Sent Events of new usage rows, collector state changes and
// coverage gaps, filtered like the analytics events route. Works with fetch + `Authorization: Bearer`
// (EventSource cannot send headers). A client that reads too slowly is dropped with a final `dropped`
// event instead of being buffered without bound; every stream ends when the app closes.
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { LiveEntry, LiveHub, LiveKind, LiveMatch } from '../live/live-hub';
import { parseAccountToken } from '@cpamp/store';

export const STREAM_PATH = '/v0/management/events/stream';

const multi = z
  .union([z.string().max(4096), z.array(z.string().max(4096)).max(1000)])
  .transform((v) =>
    (Array.isArray(v) ? v : [v])
      .flatMap((s) => s.split(','))
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  )
  .optional();

const StreamQuery = z.object({
  key: multi,
  account: multi,
  model: multi,
  provider: multi,
  /** The CPA (upstream name) rows came from. */
  upstream: multi,
  status: z
    .string()
    .regex(/^(success|failure|[1-5]\d\d)$/, { message: 'use success, failure or an HTTP status code' })
    .optional(),
  /** Kinds to receive (default all): usage, collector, gap, alert, pool, job. */
  types: multi,
  /** For clients that cannot set the Last-Event-ID header. */
  lastEventId: z.coerce.number().int().min(0).optional(),
});
type StreamQueryT = z.infer<typeof StreamQuery>;

export interface StreamRouteOptions {
  live: LiveHub;
  /** Comment line interval (default 15 s) so proxies and clients see the connection alive. */
  heartbeatMs?: number;
  /** A client with more than this queued (default 1 MiB) for longer than `slowClientMs` is dropped. */
  maxBufferedBytes?: number;
  /** How long a client may stay congested above `maxBufferedBytes` (default 10 s): bursts such as a
   * replay or a large batch are fine, a reader that stays behind is not. */
  slowClientMs?: number;
  /** Dropped at once above this (default 32 MiB, well above a full ring replay). */
  hardMaxBufferedBytes?: number;
  /** Concurrent streams (default 100). */
  maxClients?: number;
}

function matcher(q: StreamQueryT): (kind: LiveKind, m: LiveMatch | null) => boolean {
  const types = q.types?.length ? new Set(q.types) : null;
  const keys = q.key?.length ? new Set(q.key) : null;
  // `<cpa>~<auth_index>` names one CPA's account; a bare auth_index matches it on every CPA.
  const accounts = q.account?.length ? q.account.map(parseAccountToken) : null;
  const upstreams = q.upstream?.length ? new Set(q.upstream) : null;
  const models = q.model?.length ? new Set(q.model) : null;
  const providers = q.provider?.length ? new Set(q.provider) : null;
  const status = q.status;
  return (kind, m) => {
    if (types && !types.has(kind)) return false;
    if (kind !== 'usage' || !m) return true;
    if (keys && !keys.has(m.apiKeyHash)) return false;
    if (
      accounts &&
      !accounts.some((a) => a.authIndex === m.authIndex && (a.upstream ?? m.upstream) === m.upstream)
    )
      return false;
    if (upstreams && !upstreams.has(m.upstream)) return false;
    if (models && !models.has(m.model)) return false;
    if (providers && !providers.has(m.provider)) return false;
    if (status === 'success' && m.failed) return false;
    if (status === 'failure' && !m.failed) return false;
    if (
      status !== undefined &&
      status !== 'success' &&
      status !== 'failure' &&
      m.statusCode !== Number(status)
    )
      return false;
    return true;
  };
}

const frame = (e: LiveEntry): string => `id: ${e.id}\nevent: ${e.kind}\ndata: ${e.data}\n\n`;

export default async function streamRoutes(
  appBase: FastifyInstance,
  opts: StreamRouteOptions,
): Promise<void> {
  const { live } = opts;
  const app = appBase.withTypeProvider<ZodTypeProvider>();
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const maxBuffered = opts.maxBufferedBytes ?? 1024 * 1024;
  const slowMs = opts.slowClientMs ?? 10_000;
  const hardMax = opts.hardMaxBufferedBytes ?? 32 * 1024 * 1024;
  const maxClients = opts.maxClients ?? 100;
  const closers = new Set<() => void>();

  // Before the server stops listening: open streams would otherwise hold server.close() forever.
  appBase.addHook('preClose', async () => {
    for (const close of [...closers]) close();
    live.close();
  });

  app.get(STREAM_PATH, { schema: { querystring: StreamQuery } }, (request, reply) => {
    const q = request.query;
    const header = request.headers['last-event-id'];
    const headerId =
      typeof header === 'string' && /^\d+$/.test(header.trim()) ? Number(header.trim()) : undefined;
    const lastId = headerId ?? q.lastEventId;
    const wants = matcher(q);
    const raw = reply.raw;

    if (closers.size >= maxClients) {
      void reply
        .code(503)
        .header('retry-after', '5')
        .send({
          error: 'too_many_streams',
          message: `At most ${maxClients} live streams may be open at once; close one (or another panel tab) and retry.`,
        });
      return reply;
    }

    reply.hijack();
    raw.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    raw.socket?.setNoDelay(true);

    let open = true;
    let unsubscribe = (): void => undefined;
    // `write` is defined below; the first tick comes long after.
    const heartbeat = setInterval(() => write(': ping\n\n'), heartbeatMs);
    heartbeat.unref();
    const finish = (final?: string): void => {
      if (!open) return;
      open = false;
      unsubscribe();
      clearInterval(heartbeat);
      closers.delete(finish);
      if (final && !raw.destroyed) raw.end(final);
      else raw.end();
      // A client that stopped reading never lets end() flush: cut it after a grace period.
      setTimeout(() => {
        if (!raw.writableFinished) raw.destroy();
      }, 5_000).unref();
    };
    let congestedSince = 0;
    raw.on('drain', () => {
      congestedSince = 0;
    });
    const write = (chunk: string): void => {
      if (!open) return;
      if (!raw.write(chunk) && congestedSince === 0) congestedSince = Date.now();
      const buffered = raw.writableLength;
      if (
        buffered > hardMax ||
        (congestedSince !== 0 && buffered > maxBuffered && Date.now() - congestedSince > slowMs)
      ) {
        request.log.warn({ buffered: raw.writableLength }, 'live stream client too slow; dropping it');
        finish(
          `event: dropped\ndata: ${JSON.stringify({ reason: 'slow_client', message: 'This client read the stream too slowly; reconnect with Last-Event-ID to resume from the ring.' })}\n\n`,
        );
      }
    };

    closers.add(finish);
    raw.on('close', () => finish());

    write(`retry: 3000\n: cpamp live stream\n\n`);
    if (lastId !== undefined) {
      const replay = live.since(lastId);
      if (replay.truncated) {
        write(
          `event: truncated\ndata: ${JSON.stringify({ lastEventId: lastId, message: 'Some events since Last-Event-ID are no longer in the live ring; reload the lists from the analytics API.' })}\n\n`,
        );
      }
      for (const e of replay.entries) if (wants(e.kind, e.match)) write(frame(e));
    }
    // The current collector status, without an id (a snapshot, not part of the replayable log).
    if (wants('collector', null)) write(`event: collector\ndata: ${live.collectorSnapshot()}\n\n`);
    // Still synchronous since the replay: no entry can fall between the replay and the subscription.
    if (open) {
      unsubscribe = live.subscribe((entry) => {
        if (wants(entry.kind, entry.match)) write(frame(entry));
      });
    }
    return reply;
  });
}
