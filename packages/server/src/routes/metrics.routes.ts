// GET /metrics: Prometheus text format 0.0.4, written by hand. Collector counters and state, ingest lag,
// database file sizes (stat only, no count(*)), an HTTP latency histogram by route pattern (bounded label
// set) and status class, and process RSS. Registered with fastify-plugin so its onResponse hook sees
// every route.
import { statSync } from 'node:fs';
import { eventCounter, type ServerStore } from '../server-store';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { CollectorHost } from '../collector-host';
import { STREAM_PATH } from './stream.routes';
import { ACCOUNT_STATES } from '../pool/account-status';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const STATES = [
  'stopped',
  'starting',
  'connecting',
  'running',
  'backoff',
  'auth-stopped',
  'unsupported',
  'stopping',
] as const;

interface Series {
  buckets: number[];
  sum: number;
  count: number;
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const num = (v: number) => (Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN');

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export interface MetricsOptions {
  startedAt: number;
  now: () => number;
  collector: Pick<CollectorHost, 'status'>;
  /** Database file sizes (SQLite) and the event count; absent when the server runs without a store. */
  store?: Pick<ServerStore, 'kind' | 'path' | 'cacheStatus' | 'events'>;
  /** Accounts per state of the one status model (pool/account-status.ts); null when the pool is not running. */
  accountStates?: () => Promise<Record<string, number> | null>;
}

async function metricsPlugin(app: FastifyInstance, opts: MetricsOptions): Promise<void> {
  const ctx = opts;
  const http = new Map<string, Series>();
  const countEvents = ctx.store ? eventCounter(ctx.store, ctx.now) : null;

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (route === STREAM_PATH) return; // long-lived by design: would only distort the histogram
    const seconds = reply.elapsedTime / 1000;
    const key = `${request.method}\u0000${route}\u0000${Math.floor(reply.statusCode / 100)}xx`;
    let s = http.get(key);
    if (!s) {
      s = { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 };
      http.set(key, s);
    }
    for (let i = 0; i < BUCKETS.length; i += 1)
      if (seconds <= (BUCKETS[i] as number)) s.buckets[i] = (s.buckets[i] as number) + 1;
    s.sum += seconds;
    s.count += 1;
  });

  app.get('/metrics', { config: { auth: 'metrics' } }, async (_request, reply) => {
    const out: string[] = [];
    const metric = (
      name: string,
      type: 'counter' | 'gauge' | 'histogram',
      help: string,
      samples: [string, number][],
    ) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) out.push(`${name}${labels} ${num(value)}`);
    };
    const s = ctx.collector.status();
    const c = s?.counters;
    metric(
      'cpamp_events_ingested_total',
      'counter',
      'Usage events inserted into the store by the collector.',
      [['', c?.inserted ?? 0]],
    );
    metric(
      'cpamp_events_duplicates_total',
      'counter',
      'Usage records skipped as already stored (redelivery).',
      [['', c?.duplicates ?? 0]],
    );
    metric('cpamp_events_rejected_total', 'counter', 'Usage records that failed normalisation.', [
      ['', c?.rejected ?? 0],
    ]);
    metric('cpamp_events_dead_lettered_total', 'counter', 'Rejected records kept in the dead-letter sink.', [
      ['', c?.deadLettered ?? 0],
    ]);
    metric('cpamp_events_received_total', 'counter', 'Usage records taken from CPA.', [
      ['', c?.received ?? 0],
    ]);
    metric('cpamp_events_spooled_total', 'counter', 'Events written to the on-disk spool since start.', [
      ['', c?.spooledTotal ?? 0],
    ]);
    metric('cpamp_events_spooled', 'gauge', 'Events currently waiting in the on-disk spool.', [
      ['', c?.spooled ?? 0],
    ]);
    metric('cpamp_collector_reconnects_total', 'counter', 'Collector reconnects to CPA.', [
      ['', c?.reconnects ?? 0],
    ]);
    metric('cpamp_collector_gaps_total', 'counter', 'Coverage gaps detected (possible lost usage).', [
      ['', c?.gaps ?? 0],
    ]);
    const state = s?.state ?? 'stopped';
    metric(
      'cpamp_collector_state',
      'gauge',
      'Collector state (1 for the current state).',
      STATES.map((st) => [`{state="${st}"}`, st === state ? 1 : 0]),
    );
    const lastInserted = s?.lastInsertedAt ?? 0;
    metric(
      'cpamp_collector_last_insert_timestamp_seconds',
      'gauge',
      'When the store last committed a collected batch (0 = never).',
      [['', lastInserted / 1000]],
    );
    if (lastInserted > 0) {
      metric(
        'cpamp_collector_lag_seconds',
        'gauge',
        'Seconds since the store last committed a collected batch.',
        [['', Math.max(0, ctx.now() - lastInserted) / 1000]],
      );
    }
    if (ctx.store && countEvents) {
      // SQLite only: a Postgres database is not a local file (its sizes are on the storage page).
      const path = ctx.store.path;
      if (ctx.store.kind === 'sqlite' && path !== undefined) {
        const file = path === ':memory:' ? 0 : fileSize(path);
        const wal = path === ':memory:' ? 0 : fileSize(`${path}-wal`);
        metric('cpamp_db_bytes', 'gauge', 'SQLite database size on disk by file.', [
          ['{file="main"}', file],
          ['{file="wal"}', wal],
        ]);
      }
      const events = await countEvents().catch(() => null);
      if (events !== null) {
        metric(
          'cpamp_db_events',
          'gauge',
          "Events in the store (SQLite: from the in-memory cache, 0 while it warms; Postgres: count(*), kept 5 s).",
          [['', events]],
        );
      }
      // SQLite: the events kept in memory for fast views; below cpamp_db_events when the memory bound
      // (USAGE_COLUMN_CACHE_MAX_EVENTS) leaves older ones to the database (docs/guides/memory-at-scale.md).
      const cache = ctx.store.cacheStatus?.();
      if (cache) {
        metric('cpamp_column_cache_events', 'gauge', 'Events held in memory for fast views (SQLite; 0 while it warms).', [
          ['', cache.held],
        ]);
        metric('cpamp_column_cache_bytes', 'gauge', 'Memory of the events held for fast views (SQLite).', [['', cache.bytes]]);
      }
    }
    const states = await ctx.accountStates?.().catch(() => null);
    if (states) {
      metric(
        'cpamp_accounts',
        'gauge',
        'Accounts per state (the same states the pages and the pool API show).',
        ACCOUNT_STATES.map((st) => [`{state="${st}"}`, states[st] ?? 0]),
      );
    }
    metric('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', [
      ['', process.memoryUsage.rss()],
    ]);
    metric(
      'process_start_time_seconds',
      'gauge',
      'Start time of the server since the Unix epoch in seconds.',
      [['', Math.floor(ctx.startedAt / 1000)]],
    );

    const name = 'cpamp_http_request_duration_seconds';
    out.push(
      `# HELP ${name} HTTP request latency by route pattern, method and status class.`,
      `# TYPE ${name} histogram`,
    );
    for (const [key, series] of http) {
      const [method, route, status] = key.split('\u0000') as [string, string, string];
      const labels = `method="${esc(method)}",route="${esc(route)}",status="${status}"`;
      BUCKETS.forEach((le, i) => out.push(`${name}_bucket{${labels},le="${le}"} ${series.buckets[i] ?? 0}`));
      out.push(
        `${name}_bucket{${labels},le="+Inf"} ${series.count}`,
        `${name}_sum{${labels}} ${series.sum}`,
        `${name}_count{${labels}} ${series.count}`,
      );
    }
    void reply
      .header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
      .header('cache-control', 'no-store');
    return `${out.join('\n')}\n`;
  });
}

export default fp(metricsPlugin, { name: 'cpamp-metrics', fastify: '5.x' });
