// createCollector: checks the options (fails fast, synchronously, with how to fix them) and hands valid
// ones to the engine (collector-engine.ts), which does the collecting.
import { mkdirSync } from 'node:fs';
import { CollectorEngine } from './collector-engine';
import type { Collector, CollectorOptions } from './collector-options';
import { CollectorError } from './errors';
import { COLLECTOR_MODES, type CollectorMode } from './status';

export type { Collector, CollectorEvents, CollectorOptions } from './collector-options';

export function createCollector(options: CollectorOptions): Collector {
  if (!options || typeof options.sink?.insertBatch !== 'function') {
    throw new CollectorError(
      'invalid_options',
      'createCollector needs a sink with insertBatch(events). Pass e.g. the store from @cpamp/store.',
    );
  }
  if (!options.cpa && !(options.baseUrl && options.managementKey)) {
    throw new CollectorError(
      'invalid_options',
      'createCollector needs either `cpa` (an @cpamp/sdk-cpa client) or `baseUrl` and `managementKey`.',
    );
  }
  const configured: CollectorMode = options.mode ?? 'auto';
  if (!(COLLECTOR_MODES as readonly string[]).includes(configured)) {
    throw new CollectorError(
      'invalid_options',
      `Unknown collector mode '${String(configured)}': use 'auto', 'subscribe', 'http' or 'resp-pop' ('resp' is Plus's name for 'resp-pop').`,
    );
  }
  const mode = configured === 'resp' ? 'resp-pop' : configured;
  const batchSize = options.batchSize ?? 500;
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  if (!(batchSize >= 1) || !(pollIntervalMs >= 0)) {
    throw new CollectorError('invalid_options', 'batchSize must be >= 1 and pollIntervalMs >= 0.');
  }
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  return new CollectorEngine(options, mode, batchSize, pollIntervalMs);
}
