// Options, events and the public interface of a collector (createCollector lives in collector.ts, the
// engine behind it in collector-engine.ts).
import type { CollectorCpa } from './cpa-port';
import type { DiagnoseOptions, DiagnoseReport } from './doctor';
import type { NormalizeOptions } from './normalize';
import type { CollectorLastError, CollectorMode, CollectorStatus } from './status';
import type { TransportName } from './transports/transport';
import type {
  CollectorLogger,
  CoverageGap,
  CoverageSink,
  DeadLetter,
  DeadLetterSink,
  InsertResult,
  UsageEvent,
  UsageSink,
} from './usage-event';

export interface CollectorOptions {
  /** An @cpamp/sdk-cpa client (HTTP transport, config, doctor). Built from baseUrl/managementKey if absent. */
  cpa?: CollectorCpa;
  /** CPA base URL, e.g. http://127.0.0.1:8317 (RESP transports need it and the key). */
  baseUrl?: string;
  managementKey?: string;
  sink: UsageSink;
  deadLetters?: DeadLetterSink;
  coverage?: CoverageSink;
  mode?: CollectorMode;
  /** Records per pop / per delivered batch (default 500). */
  batchSize?: number;
  /** Wait between polls when the queue is empty (default 500 ms). */
  pollIntervalMs?: number;
  /** RESP queue key (default 'usage'). */
  respQueue?: string;
  /** LPOP ('left', default) or RPOP ('right'); CPA pops the oldest either way. */
  respPopSide?: 'left' | 'right';
  tlsSkipVerify?: boolean;
  /** Directory for the spool, heartbeat and dead-letter fallback. Without it nothing survives a crash. */
  dataDir?: string;
  logger?: CollectorLogger;
  now?: () => number;
  /** Events held in memory while the sink fails before they are spooled (default 5,000). */
  maxHeldEvents?: number;
  /** Auto mode: how often to re-probe a better transport (default 10 min). */
  reprobeIntervalMs?: number;
  /** After CPA rejects the key: pause before one retry (default 130 min, beyond CPA's 2 h strike memory). */
  authRetryPauseMs?: number;
  connectTimeoutMs?: number;
  /** Timeout for each management HTTP call when the collector builds its own sdk client (default 30 s). */
  cpaTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  backoff?: { initialMs?: number; maxMs?: number; random?: () => number };
  normalize?: NormalizeOptions;
  /** Used when CPA's config cannot be read (default 60, CPA's default). */
  retentionSecondsFallback?: number;
  subscribePingIntervalMs?: number;
}

export interface CollectorEvents {
  state: [CollectorStatus];
  committed: [readonly UsageEvent[], InsertResult];
  gap: [CoverageGap];
  refresh: [];
  'dead-letter': [readonly DeadLetter[]];
  transport: [TransportName | null];
  problem: [CollectorLastError];
}

export interface Collector {
  start(): Promise<void>;
  /** Stops popping, flushes to the sink (or spool), records a clean shutdown. Nothing popped is lost. */
  stop(): Promise<void>;
  status(): CollectorStatus;
  diagnose(opts?: DiagnoseOptions): Promise<DiagnoseReport>;
  on<E extends keyof CollectorEvents>(event: E, listener: (...args: CollectorEvents[E]) => void): () => void;
  /** New management key (and optionally URL/client): resumes at once if stopped on an auth error. */
  setCredentials(c: { managementKey?: string; baseUrl?: string; cpa?: CollectorCpa }): void;
}
