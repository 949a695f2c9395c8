/**
 * Structurally identical to the collector's `UsageEvent`: the store's events repository satisfies the
 * collector's `UsageSink` without a package edge (docs/design.md, "Packages and dependency direction"), so
 * the store declares the shape itself. Token buckets are mutually exclusive.
 */
export interface UsageEventInput {
  dedupKey: string;
  requestId: string;
  timestampMs: number;
  provider: string;
  executorType: string;
  model: string;
  alias: string;
  endpoint: string;
  authType: string;
  authIndex: string;
  source: string;
  apiKeyHash: string;
  apiKeyLabel: string;
  clientIp: string;
  userAgent: string;
  failed: boolean;
  statusCode: number;
  failBody: string;
  latencyMs: number;
  ttftMs: number;
  reasoningEffort: string;
  serviceTier: string;
  responseServiceTier: string;
  generate: boolean;
  inputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  unclassifiedTokens: number;
  totalTokens: number;
  tokenQuality: 'complete' | 'inconsistent' | 'unclassified' | 'legacy';
  rateLimitHeaders?: Record<string, string>;
  /** The CPA the event came from (a configured upstream's name); absent: "default". */
  upstream?: string;
}

export type InsertResult = { inserted: number; duplicates: number };

/** A stored event: the input fields plus what the store computed at insert. */
export interface StoredEvent extends UsageEventInput {
  id: number;
  /** Cost in micro-dollars (1e-6 USD); null when the model has no price. */
  costMicros: number | null;
  priceVersion: number;
  priceMissing: boolean;
  costEstimated: boolean;
}

/** Injected by the caller (the server passes the collector's `normalizeRecord`). */
export type NormalizeFn = (
  raw: unknown,
) => { ok: true; event: UsageEventInput } | { ok: false; reason: string };

export interface StoreLogger {
  debug(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

export const silentLogger: StoreLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
