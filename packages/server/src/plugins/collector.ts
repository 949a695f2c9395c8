// Runs the usage collector for the current CPA connection: started once the app is ready, restarted when
// setup saves a new connection, stopped (and drained into the store) on close.
import { join } from 'node:path';
import { createCollector, type Collector, type CollectorMode, type CollectorStatus } from '@cpamp/collector';
import type { Store } from '@cpamp/store';
import type { FastifyBaseLogger } from 'fastify';
import type { CollectorMode as ConfigCollectorMode } from '../config';
import type { ConnectionService } from '../connection';

export interface CollectorHost {
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): CollectorStatus | null;
}

/** Plus's `resp` meant "RESP pop"; `http`, `subscribe`, `resp-pop` and `auto` map one to one. */
export function collectorModeOf(mode: ConfigCollectorMode): CollectorMode {
  return mode === 'resp' ? 'resp-pop' : mode;
}

export function createCollectorHost(opts: { connection: ConnectionService; store: Store; dataDir: string; logger: FastifyBaseLogger; now: () => number; stopTimeoutMs?: number }): CollectorHost {
  let collector: Collector | null = null;
  let chain: Promise<void> = Promise.resolve();
  let closed = false;

  const stopCurrent = async (): Promise<void> => {
    const current = collector;
    collector = null;
    if (!current) return;
    // Bounded: a collector that does not stop must not hold the server's shutdown hostage.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => {
      timer = setTimeout(() => r('timeout'), opts.stopTimeoutMs ?? 10_000);
    });
    const outcome = await Promise.race([current.stop().then(() => 'stopped' as const), timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') opts.logger.error('collector did not stop in time; closing anyway (records not yet committed stay in CPA or the spool)');
  };
  const startCurrent = async (): Promise<void> => {
    const connection = opts.connection.current();
    const settings = opts.connection.collectorSettings();
    if (closed || !connection || !settings.enabled) return;
    collector = createCollector({
      baseUrl: connection.baseUrl,
      managementKey: connection.managementKey,
      sink: opts.store,
      mode: collectorModeOf(settings.mode),
      batchSize: settings.batchSize,
      pollIntervalMs: settings.pollIntervalMs,
      respQueue: settings.queue,
      respPopSide: settings.popSide,
      tlsSkipVerify: settings.tlsSkipVerify,
      dataDir: join(opts.dataDir, 'collector'),
      logger: opts.logger,
      now: opts.now,
    });
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
    start: () => enqueue(startCurrent),
    stop: () => {
      closed = true;
      return enqueue(stopCurrent);
    },
    status: () => collector?.status() ?? null,
  };
}
