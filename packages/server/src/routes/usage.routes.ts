// Plus/CPA-compatible usage reads, answered locally from the store and streamed so memory stays flat:
// GET /v0/management/usage (the legacy snapshot, most recent USAGE_QUERY_LIMIT events, at most 50,000 by
// default) and GET /v0/management/usage/export (our JSONL, every event in the range: a full backup; or the
// same rows as CSV for spreadsheets).
import { Readable } from 'node:stream';
import type { ServerStore } from '../server-store';
import type { ZodTypeProvider } from '@fastify/type-provider-zod';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ServerError } from '../errors';
import { jsonlToCsv } from '../io/csv-export';
import { UPSTREAM_HEADER } from '../upstreams/upstream-set';

const epochMs = z.coerce.number().int().min(0).max(8_640_000_000_000_000);
const RangeQuery = z.object({ from: epochMs.optional(), to: epochMs.optional() });
const names = z
  .union([z.string().max(4096), z.array(z.string().max(4096)).max(1000)])
  .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== ''))
  .optional();
const UsageQuery = RangeQuery.extend({
  limit: z.coerce.number().int().min(1).max(10_000_000).optional(),
  /** Several CPAs: only these CPAs' events (as X-Cpamp-Upstream); every CPA without either. */
  upstream: names,
});
/** The analytics routes' filter names: key (hash), account (auth_index), model, provider, status. */
const ExportQuery = RangeQuery.extend({
  format: z.enum(['jsonl', 'csv']).optional(),
  key: names,
  account: names,
  model: names,
  provider: names,
  /** The CPA (upstream name) events came from. */
  upstream: names,
  status: z.string().regex(/^(success|failure|[1-5]\d\d)$/, { message: 'use success, failure or an HTTP status code' }).optional(),
  /** IANA zone for the export's local times (CSV `timestamp`, JSONL `time`); default UTC. */
  tz: z.string().max(64).refine(isTimeZone, { message: 'use an IANA time zone such as Europe/Berlin' }).optional(),
});

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Plus caps the snapshot at 50,000 details: beyond that the legacy JSON is too big for its consumers. */
const SNAPSHOT_CAP = 50_000;


function range(q: z.infer<typeof RangeQuery>): { from: number; to: number } {
  const from = q.from ?? 0;
  const to = q.to ?? Number.MAX_SAFE_INTEGER;
  if (from > to) throw new ServerError('bad_request', `Invalid querystring.from: from=${from} is after to=${to}; pass from <= to (epoch ms).`);
  return { from, to };
}

export interface UsageRoutesOptions {
  store: Pick<ServerStore, 'io'>;
  /** Most events in the legacy snapshot (USAGE_QUERY_LIMIT). */
  queryLimit: number;
  /** The configured CPAs' names: what the snapshot's CPA filter accepts (absent: any name). */
  upstreamNames?: () => readonly string[];
}

/**
 * The CPAs a snapshot request names: X-Cpamp-Upstream (one name) wins over `?upstream=` (repeatable or
 * comma-separated); undefined for every CPA. A name that is not configured is a 404 upstream_unknown, as the
 * proxy and the pool answer it.
 */
function snapshotUpstreams(header: string | string[] | undefined, query: string[] | undefined, known: readonly string[] | undefined): string[] | undefined {
  const h = (Array.isArray(header) ? header[0] : header)?.trim();
  const asked = h ? [h] : query?.length ? query : undefined;
  if (!asked || !known) return asked;
  const unknown = asked.find((n) => !known.includes(n));
  if (unknown !== undefined) {
    throw new ServerError('upstream_unknown', `No upstream is named "${unknown.slice(0, 64)}": use one of ${known.join(', ')} (X-Cpamp-Upstream header or ?upstream=).`);
  }
  return asked;
}

export default async function usageRoutes(appBase: FastifyInstance, opts: UsageRoutesOptions): Promise<void> {
  const { store } = opts;
  const app = appBase.withTypeProvider<ZodTypeProvider>();

  app.get('/v0/management/usage', { schema: { querystring: UsageQuery }, exposeHeadRoute: false }, async (request, reply) => {
    const limit = request.query.limit ?? Math.min(opts.queryLimit, SNAPSHOT_CAP);
    const upstream = snapshotUpstreams(request.headers[UPSTREAM_HEADER], request.query.upstream, opts.upstreamNames?.());
    const q = { ...range(request.query), limit, ...(upstream ? { upstream } : {}) };
    // Bytes straight from the column cache when it is warm (no string per chunk); strings otherwise.
    const chunks = store.io.usagePayloadBytes?.(q) ?? store.io.usagePayload(q);
    // One chunk read ahead (Readable.from's default is 16, ~4 MB of a ~15 MB payload): fewer chunks alive at
    // once, while the socket's own buffer keeps the connection busy (P6, server RSS).
    return reply.type('application/json; charset=utf-8').header('cache-control', 'no-store').send(Readable.from(chunks, { highWaterMark: 1 }));
  });

  app.get('/v0/management/usage/export', { schema: { querystring: ExportQuery }, exposeHeadRoute: false }, async (request, reply) => {
    const q = request.query;
    const status = q.status === undefined || q.status === 'success' || q.status === 'failure' ? q.status : Number(q.status);
    const chunks = store.io.exportJsonl({ ...range(q), apiKeyHash: q.key, authIndex: q.account, model: q.model, provider: q.provider, upstream: q.upstream, status, ...(q.tz ? { timeZone: q.tz } : {}) });
    if (request.query.format === 'csv') {
      return reply
        .type('text/csv; charset=utf-8; header=present')
        .header('content-disposition', 'attachment; filename="usage-events.csv"')
        .header('cache-control', 'no-store')
        .send(Readable.from(jsonlToCsv(chunks)));
    }
    return reply
      .type('application/x-ndjson; charset=utf-8')
      .header('content-disposition', 'attachment; filename="usage-events.jsonl"')
      .header('cache-control', 'no-store')
      .send(Readable.from(chunks));
  });
}
