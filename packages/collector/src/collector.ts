// createCollector: checks the options (fails fast, synchronously, with how to fix them) and hands valid
// ones to the engine (collector-engine.ts), which does the collecting.
import { mkdirSync } from 'node:fs';
import { Engine } from './collector-engine';
import type { Collector, CollectorOptions } from './collector-options';
import { CollectorError } from './errors';
import type { CollectorMode } from './status';

export type { Collector, CollectorEvents, CollectorOptions } from './collector-options';

const MODES: readonly CollectorMode[] = ['auto', 'subscribe', 'http', 'resp-pop'];

export function createCollector(options: CollectorOptions): Collector {
  if (!options || typeof options.sink?.insertBatch !== 'function') {
    throw new CollectorError(
      'invalid-options',
      'createCollector needs a sink with insertBatch(events). Pass e.g. the store from @cpamp/store.',
    );
  }
  if (!options.cpa && !(options.baseUrl && options.managementKey)) {
    throw new CollectorError(
      'invalid-options',
      'createCollector needs either `cpa` (an @cpamp/sdk-cpa client) or `baseUrl` and `managementKey`.',
    );
  }
  const mode: CollectorMode = options.mode ?? 'auto';
  if (!MODES.includes(mode)) {
    throw new CollectorError(
      'invalid-options',
      `Unknown collector mode '${String(mode)}': use 'auto', 'subscribe', 'http' or 'resp-pop'.`,
    );
  }
  const batchSize = options.batchSize ?? 500;
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  if (!(batchSize >= 1) || !(pollIntervalMs >= 0)) {
    throw new CollectorError('invalid-options', 'batchSize must be >= 1 and pollIntervalMs >= 0.');
  }
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  return new Engine(options, mode, batchSize, pollIntervalMs);
}
