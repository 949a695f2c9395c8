// Status shape returned by collector.status() (the server's /status and live stream show it).
import type { CollectorErrorCode } from './errors';
import type { TransportName } from './transports/transport';
import type { CoverageGap } from './usage-event';

/**
 * The configured collector mode: `auto` (subscribe → http → resp-pop), one transport by name, or `resp`,
 * CPA Manager Plus's name for `resp-pop`. The transport actually in use is a `TransportName`.
 */
export const COLLECTOR_MODES = ['auto', 'http', 'resp', 'subscribe', 'resp-pop'] as const;
export type CollectorMode = (typeof COLLECTOR_MODES)[number];

export type CollectorState =
  'stopped' | 'starting' | 'connecting' | 'running' | 'backoff' | 'auth-stopped' | 'unsupported' | 'stopping';

export interface CollectorCounters {
  /** Records taken from CPA (popped or received on the subscription), control messages excluded. */
  received: number;
  /** Records committed by the sink (inserted + duplicates). Counted only after the sink commits. */
  consumed: number;
  inserted: number;
  duplicates: number;
  /** Records that failed normalisation. */
  rejected: number;
  /** Rejected records stored in the dead-letter sink (or the dead-letter file). */
  deadLettered: number;
  /** Events currently in the on-disk spool. */
  spooled: number;
  /** Events spooled since start. */
  spooledTotal: number;
  /** Events currently held in memory waiting for the sink. */
  held: number;
  /** Events replayed from the spool into the sink. */
  replayed: number;
  controlMessages: number;
  reconnects: number;
  subscriberDrops: number;
  gaps: number;
}

export interface CollectorLastError {
  code: CollectorErrorCode;
  message: string;
  /** Plain-language explanation and fix. */
  hint: string;
  atMs: number;
}

export interface CollectorStatus {
  state: CollectorState;
  /** The configured mode, with Plus's `resp` reported as `resp-pop`. */
  mode: CollectorMode;
  transport: TransportName | null;
  /** Why auto mode is not on a better transport (the last fall-through reason). */
  transportNote: string | null;
  cpaVersion: string | null;
  retentionSeconds: number | null;
  /** Last time records arrived from CPA (epoch ms). Empty means nothing is being consumed. */
  lastConsumedAt: number | null;
  /** Last time the sink committed a batch (epoch ms). */
  lastInsertedAt: number | null;
  lastError: CollectorLastError | null;
  sinkFailing: boolean;
  counters: CollectorCounters;
  /** Current backoff delay in ms (0 when none). */
  backoffMs: number;
  nextRetryAt: number | null;
  startedAt: number | null;
  recentGaps: CoverageGap[];
}
