// Runs the usage collector for the current CPA connection: started once the app is ready, restarted when
// setup saves a new connection, stopped (and drained into the store) on close.
import { join } from 'node:path';
import { createCollector, type Collector, type CollectorEvents, type CollectorStatus, type DiagnoseOptions, type DiagnoseReport } from '@cpamp/collector';
import { upstreamDedupKey } from '@cpamp/store';
import type { ServerStore } from './server-store';
import type { FastifyBaseLogger } from 'fastify';
import type { CollectorSettings, ConnectionService, CpaConnection } from './connection';

export interface CollectorHost {
  /** False for the idle stand-in used when no collector runs (no store, or turned off). */
  readonly active: boolean;
  start(): Promise<void>;
  /** Stops and drains the collector but may start again (its lease went to another instance). */
  pause(): Promise<void>;
  stop(): Promise<void>;
  status(): CollectorStatus | null;
  /** Runs the running collector's doctor; null when no collector runs (not configured or disabled). */
  diagnose(opts?: DiagnoseOptions): Promise<DiagnoseReport | null>;
  /**
   * Listens to the collector's own events ('committed', 'state', 'gap', …). The subscription outlives the
   * collector instance: after setup or a connection change the new collector is wired to the same
   * listeners. Returns the unsubscribe function.
   */
  on<E extends keyof CollectorEvents>(event: E, listener: (...args: CollectorEvents[E]) => void): () => void;
}

const FORWARDED: readonly (keyof CollectorEvents)[] = ['state', 'committed', 'gap', 'refresh', 'dead-letter', 'transport', 'problem'];

/**
 * How long one management call of the collector (an HTTP pop) may take. A pop already on the wire is never
 * aborted by stop() — CPA may have removed the records from its queue — so stop() can take this long.
 */
export const COLLECTOR_CPA_TIMEOUT_MS = 10_000;
/** Time to commit (or spool) what the last pop returned, after it arrived. */
export const COLLECTOR_STOP_MARGIN_MS = 3_000;
/**
 * Default bound on stop(): an in-flight pop always finishes (or times out) and is committed before the
 * server closes the store. Keep it below main.ts's 15 s forced exit and Docker's stop_grace_period (20 s
 * in examples/docker/compose.yaml).
 */
export const COLLECTOR_STOP_TIMEOUT_MS = COLLECTOR_CPA_TIMEOUT_MS + COLLECTOR_STOP_MARGIN_MS;

/** The collector options a saved connection and its settings give (the server and `cpamp doctor` alike). */
export function collectorOptions(connection: CpaConnection, settings: CollectorSettings, dataDir: string) {
  return {
    baseUrl: connection.baseUrl,
    managementKey: connection.managementKey,
    mode: settings.mode,
    batchSize: settings.batchSize,
    pollIntervalMs: settings.pollIntervalMs,
    respQueue: settings.queue,
    respPopSide: settings.popSide,
    tlsSkipVerify: settings.tlsSkipVerify,
    dataDir: join(dataDir, 'collector'),
  };
}

/**
 * The store as one upstream's collector sees it: each event is tagged with the upstream, and for every
 * upstream but the default one its dedup key is mixed with the name (identical records from two CPAs stay
 * two events; the default upstream's keys are unchanged, so existing rows still deduplicate).
 */
export function upstreamSink(store: Pick<ServerStore, 'insertBatch'>, upstream: string | undefined): Pick<ServerStore, 'insertBatch'> {
  if (upstream === undefined) return store;
  return {
    insertBatch: (events) => store.insertBatch(events.map((e) => ({ ...e, upstream, dedupKey: upstreamDedupKey(upstream, e.dedupKey) }))),
  };
}

export function createCollectorHost(opts: {
  connection: ConnectionService;
  store: ServerStore;
  dataDir: string;
  logger: FastifyBaseLogger;
  now: () => number;
  stopTimeoutMs?: number;
  /** A named upstream (not the default one): events are tagged with it and its spool gets its own folder. */
  upstream?: string;
}): CollectorHost {
  let collector: Collector | null = null;
  let chain: Promise<void> = Promise.resolve();
  let closed = false;
  // Started and not paused: a connection change restarts the collector only then (see pause()).
  let wanted = false;
  const listeners = new Map<keyof CollectorEvents, Set<(...args: unknown[]) => void>>();
  const forward = (event: keyof CollectorEvents, args: unknown[]): void => {
    for (const l of listeners.get(event) ?? []) {
      try {
        l(...args);
      } catch (error) {
        opts.logger.warn({ err: error, event }, 'a collector event listener threw');
      }
    }
  };

  const stopCurrent = async (): Promise<void> => {
    const current = collector;
    collector = null;
    if (!current) return;
    // Bounded: a collector that does not stop must not hold the server's shutdown hostage.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => {
      timer = setTimeout(() => r('timeout'), opts.stopTimeoutMs ?? COLLECTOR_STOP_TIMEOUT_MS);
    });
    const outcome = await Promise.race([current.stop().then(() => 'stopped' as const), timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') opts.logger.error('collector did not stop in time; closing anyway (records not yet committed stay in CPA or the spool)');
  };
  const startCurrent = async (): Promise<void> => {
    const connection = opts.connection.current();
    const settings = opts.connection.collectorSettings();
    if (closed || !wanted || !connection || !settings.enabled) return;
    const options = collectorOptions(connection, settings, opts.dataDir);
    collector = createCollector({
      ...options,
      ...(opts.upstream !== undefined ? { dataDir: join(options.dataDir, 'upstreams', opts.upstream) } : {}),
      sink: upstreamSink(opts.store, opts.upstream),
      cpaTimeoutMs: COLLECTOR_CPA_TIMEOUT_MS,
      logger: opts.logger,
      now: opts.now,
    });
    for (const event of FORWARDED) collector.on(event, (...args: unknown[]) => forward(event, args));
    // Not awaited inside the chain: start() may take as long as connecting to CPA does, and stop() must
    // be able to interrupt it.
    const started = collector;
    started.start().catch((error: unknown) => opts.logger.error({ err: error }, 'collector failed to start'));
  };
  // Serialise start/stop so a burst of setup calls cannot leave two collectors on one queue.
  const enqueue = (step: () => Promise<void>): Promise<void> => {
    chain = chain.then(step).catch((error: unknown) => opts.logger.error({ err: error }, 'collector start/stop failed'));
    return chain;
  };
  opts.connection.onChange(() => {
    void enqueue(async () => {
      await stopCurrent();
      await startCurrent();
    });
  });
  return {
    active: true,
    start: () => {
      wanted = true;
      return enqueue(startCurrent);
    },
    pause: () => {
      wanted = false;
      return enqueue(stopCurrent);
    },
    stop: () => {
      closed = true;
      return enqueue(stopCurrent);
    },
    status: () => collector?.status() ?? null,
    diagnose: async (diagnoseOpts) => (collector ? collector.diagnose(diagnoseOpts) : null),
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const l = listener as (...args: unknown[]) => void;
      set.add(l);
      return () => {
        set.delete(l);
      };
    },
  };
}

/** Stands in when no collector runs (no store, or turned off): no status, no events. */
export function createIdleCollectorHost(): CollectorHost {
  return {
    active: false,
    start: () => Promise.resolve(),
    pause: () => Promise.resolve(),
    stop: () => Promise.resolve(),
    status: () => null,
    diagnose: () => Promise.resolve(null),
    on: () => () => undefined,
  };
}
