// The collector's output type and the ports it writes to (store satisfies UsageSink structurally).

export type TokenQuality = 'complete' | 'inconsistent' | 'unclassified' | 'legacy';

export interface UsageEvent {
  /** hex sha256 over the attempt's identifying fields: an exact redelivery collides, a retry does not. */
  dedupKey: string;
  /** CPA's 8-hex request_id ('' if none). NOT unique: retries share it and it collides by chance. */
  requestId: string;
  /** Request start, UTC epoch ms. */
  timestampMs: number;
  provider: string;
  executorType: string;
  model: string;
  alias: string;
  endpoint: string;
  /** 'oauth' | 'apikey' | 'unknown' */
  authType: string;
  authIndex: string;
  /** Account email / project id; an upstream API key is replaced by a masked label. */
  source: string;
  /** sha256 hex of the client api_key ('' if none). */
  apiKeyHash: string;
  /** Masked client key: at most its last 4 characters, e.g. '…-123'. */
  apiKeyLabel: string;
  clientIp: string;
  userAgent: string;
  failed: boolean;
  statusCode: number;
  /** Redacted and capped (<= 2 KB). */
  failBody: string;
  latencyMs: number;
  ttftMs: number;
  reasoningEffort: string;
  serviceTier: string;
  responseServiceTier: string;
  generate: boolean;
  /** Uncached input only. */
  inputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
  /** Output excluding reasoning. */
  outputTokens: number;
  reasoningTokens: number;
  unclassifiedTokens: number;
  /** Sum of the six buckets above. */
  totalTokens: number;
  tokenQuality: TokenQuality;
  /** Selected quota / rate-limit response headers, kept as evidence. */
  rateLimitHeaders?: Record<string, string>;
}

export type InsertResult = { inserted: number; duplicates: number };

export interface UsageSink {
  insertBatch(events: readonly UsageEvent[]): InsertResult | Promise<InsertResult>;
}

/** A record the collector could not turn into a UsageEvent, already redacted and size-capped. */
export interface DeadLetter {
  receivedAtMs: number;
  reason: string;
  /** Redacted, capped text of the raw payload. */
  payload: string;
  transport: string;
}

export interface DeadLetterSink {
  insertDeadLetters(items: readonly DeadLetter[]): void | Promise<void>;
}

export type CoverageKind =
  'collector-down' | 'subscriber-dropped' | 'reconnect' | 'retention-expired' | 'auth-stopped';

/** A time interval in which usage may be missing, with the plain-language reason. */
export interface CoverageGap {
  kind: CoverageKind;
  startMs: number;
  endMs: number;
  /** True when the interval is longer than CPA's retention, so records were certainly lost. */
  lossLikely: boolean;
  retentionSeconds: number | null;
  detail: string;
}

export interface CoverageSink {
  recordGap(gap: CoverageGap): void | Promise<void>;
}

export interface CollectorLogger {
  debug(msg: string, meta?: Record<string, unknown>): void;
  info(msg: string, meta?: Record<string, unknown>): void;
  warn(msg: string, meta?: Record<string, unknown>): void;
  error(msg: string, meta?: Record<string, unknown>): void;
}
