// /health, /usage-service/info (Plus-compatible shape) and /status. Nothing here scans the database.
import { eventCounter, postgresStatus, type ServerStore } from '../server-store';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CollectorHost } from '../collector-host';
import type { Config } from '../config';
import type { ConnectionService } from '../connection';
import type { CpaProxy } from '../proxy/forward';
import type { JobRunner } from '../jobs/job-runner';
import { jobView } from '../jobs/jobs.schema';
import type { PlusSideBySide } from '../plus-switch/plus-side-by-side';
import { markPartial } from '../plus-compat/partial';
import { dataMigration, databaseFiles, databaseMaintenance } from '../plus-compat/status-sections';
import type { UpstreamSet } from '../upstreams/upstream-set';

/** `scope=database-maintenance` (Plus): only that section; any other scope gives the full answer, as in Plus. */
const StatusQuery = z.object({ scope: z.string().max(100).optional() });

/** Who is running and since when (/health, /status, /metrics). */
export interface ServerInfo {
  version: string;
  startedAt: number;
  now: () => number;
}

export interface SystemRoutesOptions extends ServerInfo {
  config: Pick<Config, 'dataDir' | 'dbPath' | 'proxy' | 'warnings'> & Partial<Pick<Config, 'dbUrl'>>;
  connection: ConnectionService;
  collector: Pick<CollectorHost, 'status'>;
  proxy: Pick<CpaProxy, 'inFlight'>;
  /** The store (its engine, event count, SQLite's in-memory cache figures); absent when the server runs without a store. */
  store?: Pick<ServerStore, 'kind' | 'cacheStatus' | 'events' | 'schema'>;
  /** Whether CPA Manager Plus still runs beside cpamp on the data it switched from (null: not a switch). */
  plusSideBySide?: () => Promise<PlusSideBySide | null>;
  /** Every CPA and its collector (several CPAs); absent: only the default one, as `collector`. */
  upstreams?: Pick<UpstreamSet, 'list'>;
  collectors?: ReadonlyMap<string, Pick<CollectorHost, 'status'>>;
}

export default async function systemRoutes(app: FastifyInstance, opts: SystemRoutesOptions): Promise<void> {
  const ctx = opts;
  const store = ctx.store;
  const countEvents = store ? eventCounter(store, ctx.now) : async () => 0;

  app.get('/health', { config: { auth: 'public' } }, async () => ({ ok: true, status: 'ok', service: 'cpamp', version: ctx.version }));

  app.get('/usage-service/info', { config: { auth: 'public' } }, async () => {
    const configured = ctx.connection.isConfigured();
    return {
      service: 'cpamp',
      version: ctx.version,
      mode: 'embedded',
      startedAt: ctx.startedAt,
      configured,
      adminReady: true,
      projectInitialized: configured,
      setupRequired: !configured,
      migrationStatus: configured ? 'ready' : 'needs_setup',
      dataKeyReady: true,
      connectionSource: ctx.connection.current()?.source ?? null,
      hasHistoricalData: false,
    };
  });

  app.get('/status', { schema: { querystring: StatusQuery } }, async (request, reply) => {
    // Postgres has no column cache: no cache state, nothing warming.
    const cacheState = store?.cacheStatus ? store.cacheStatus().state : null;
    // Plus's ?scope=database-maintenance answers only that section (its panel polls it).
    if ((request.query as z.infer<typeof StatusQuery>).scope === 'database-maintenance') return { databaseMaintenance: databaseMaintenance(cacheState) };
    const connection = ctx.connection.current();
    const collector = ctx.connection.collectorSettings();
    const events = await countEvents();
    const body = {
      service: 'cpamp',
      version: ctx.version,
      startedAt: ctx.startedAt,
      uptimeMs: ctx.now() - ctx.startedAt,
      dataDir: ctx.config.dataDir,
      dbPath: store?.kind === 'postgres' ? null : ctx.config.dbPath,
      configured: connection !== null,
      connectionSource: connection?.source ?? null,
      upstream: connection?.baseUrl ?? null,
      // SQLite: from the store's in-memory column cache (no count(*) per call); Postgres: a count kept a few seconds.
      events,
      eventCache: cacheState,
      storeEngine: store ? store.kind : null,
      // Plus's top-level copy of the collector's dead-letter count.
      deadLetters: ctx.collector.status()?.counters.deadLettered ?? 0,
      collector: collectorStatus(ctx.collector, connection?.baseUrl ?? '', collector.mode, collector.queue),
      // Every CPA with its collector's state, the default one first.
      upstreams: upstreamsStatus(ctx),
      proxy: { inFlight: ctx.proxy.inFlight(), maxConcurrency: ctx.config.proxy.maxConcurrency },
      jobs: await jobsStatus(app.jobs),
      // This process among instances sharing the database: its id and the leases (collector, scheduler) it holds.
      instance: app.hasDecorator('ha') ? app.ha.status() : null,
      // Start-up warnings that stay true until the operator acts (e.g. a short Plus admin key).
      securityWarnings: ctx.config.warnings.filter((w) => w.startsWith('SECURITY:')),
      // Two collectors on one CPA split its records: said plainly when Plus still runs beside cpamp.
      plusSideBySide: ctx.plusSideBySide ? await ctx.plusSideBySide() : null,
      dataMigration: dataMigration(events, ctx.now()),
      databaseMaintenance: databaseMaintenance(cacheState),
      ...(store?.kind === 'sqlite' ? { database: await databaseFiles(ctx.config.dbPath) } : {}),
      ...(store?.kind === 'postgres' ? { database: postgresStatus(ctx.config.dbUrl ?? null, store.schema) } : {}),
    };
    if (store?.kind === 'sqlite') markPartial(reply, ['database.checkpoint']);
    return body;
  });
}

/** Background jobs: those queued or running, and the last few finished (null without a store). */
async function jobsStatus(runner: JobRunner | null) {
  if (!runner) return null;
  const [running, recent] = await Promise.all([
    runner.list({ states: ['queued', 'running'], limit: 50 }),
    runner.list({ states: ['succeeded', 'failed', 'cancelled'], limit: 10 }),
  ]);
  return { running: running.map(jobView), recent: recent.map(jobView) };
}

const STATE_PLUS: Record<string, string> = { running: 'running', starting: 'starting', connecting: 'starting', backoff: 'error', 'auth-stopped': 'error', unsupported: 'error', stopping: 'stopped', stopped: 'stopped' };

/** Plus's collector block, plus our richer fields (state, counters, transport note). */
export function collectorStatus(collector: Pick<CollectorHost, 'status'>, upstream: string, mode: string, queue: string) {
  const s = collector.status();
  return {
    collector: s ? (STATE_PLUS[s.state] ?? 'error') : 'stopped',
    state: s?.state ?? 'stopped',
    upstream,
    mode: s?.mode ?? mode,
    transport: s?.transport ?? '',
    transportNote: s?.transportNote ?? null,
    queue,
    cpaVersion: s?.cpaVersion ?? null,
    retentionSeconds: s?.retentionSeconds ?? null,
    lastConsumedAt: s?.lastConsumedAt ?? 0,
    lastInsertedAt: s?.lastInsertedAt ?? 0,
    totalInserted: s?.counters.inserted ?? 0,
    totalSkipped: s?.counters.duplicates ?? 0,
    rejected: s?.counters.rejected ?? 0,
    deadLetters: s?.counters.deadLettered ?? 0,
    lastError: s?.lastError ? `${s.lastError.code}: ${s.lastError.message}` : '',
    lastErrorHint: s?.lastError?.hint ?? null,
    counters: s?.counters ?? null,
  };
}

/** One line per upstream: its name, URL and its collector's block (as `collector` gives the default's). */
function upstreamsStatus(ctx: SystemRoutesOptions) {
  const list = ctx.upstreams?.list() ?? [];
  return list.map((u) => {
    const connection = u.connection.current();
    const settings = u.connection.collectorSettings();
    const host = ctx.collectors?.get(u.name) ?? (u.isDefault ? ctx.collector : null);
    return {
      name: u.name,
      default: u.isDefault,
      configured: connection !== null,
      url: connection?.baseUrl ?? null,
      collector: collectorStatus(host ?? { status: () => null }, connection?.baseUrl ?? '', settings.mode, settings.queue),
    };
  });
}
