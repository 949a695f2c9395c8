/** Shapes of what the generator produces: CPA usage records (docs/design.md, "Usage record") and the account pool. */
import type { FakeAuthFile } from '../fake-cpa/types';

export type { FakeAuthFile };

/** Legacy flat token counts, provider-native semantics (buckets overlap differently per provider). */
export interface CpaLegacyTokens {
  input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  cached_tokens: number;
  cache_read_tokens?: number; // v7.0.3+
  cache_read_tokens_present?: boolean; // v7.2.74+
  cache_creation_tokens?: number; // v7.0.3+
  total_tokens: number;
}

export type TokenQuality = 'complete' | 'inconsistent' | 'unclassified';

/** Canonical non-overlapping accounting (accounting_version 2, v7.2.97+). */
export interface CpaTokenBreakdown {
  schema_version: 2;
  quality: TokenQuality;
  total_tokens: number;
  input: {
    total_tokens: number;
    uncached_tokens: number;
    cache_read_tokens: number;
    cache_write_tokens: number;
  };
  output: { total_tokens: number; non_reasoning_tokens: number; reasoning_tokens: number };
  unclassified_tokens: number;
}

/**
 * One usage record as CPA v7.2.140 publishes it. Fields that older versions lack are optional here; at
 * the default version every non-omitempty key is present.
 */
export interface CpaUsageRecord {
  timestamp: string;
  latency_ms: number;
  ttft_ms?: number;
  source: string;
  auth_index: string;
  access_token_sha256?: string;
  client_ip?: string;
  x_forwarded_for?: string;
  user_agent?: string;
  tokens: CpaLegacyTokens;
  failed: boolean;
  generate?: boolean;
  fail?: { status_code: number; body: string };
  response_headers?: Record<string, string[]>;
  accounting_version?: number;
  token_breakdown?: CpaTokenBreakdown;
  provider: string;
  executor_type?: string;
  model: string;
  alias?: string;
  endpoint: string;
  auth_type: string;
  api_key: string;
  request_id: string;
  reasoning_effort?: string;
  service_tier?: string;
  response_service_tier?: string;
}

/** Provider families of the data set (docs/design.md, "The benchmark data set"): shares of accounts and traffic. */
export type ProviderFamily = 'codex' | 'claude' | 'gemini' | 'openai-compatible';

/** One upstream credential of the pool: an OAuth auth file or an API-key entry of CPA's config. */
export interface GeneratedAccount {
  /** Position in the pool (0-based), stable for a given seed and pool size. */
  index: number;
  family: ProviderFamily;
  /** `provider` as records carry it (codex, claude, antigravity, gemini, or an openai-compatibility name). */
  provider: string;
  authType: 'oauth' | 'apikey';
  /** 16 hex: first 8 bytes of sha256 of `authIndexSeed`, as CPA derives it. */
  authIndex: string;
  authIndexSeed: string;
  /** What records put in `source`: the account email (OAuth) or the upstream API key in plaintext. */
  source: string;
  executorType: string;
  /** sha256 hex of the access token (OAuth only; '' for API-key credentials). */
  accessTokenSha256: string;
  /** ChatGPT plan for codex accounts ('' otherwise). */
  planType: string;
  /** The auth file for OAuth accounts; null for API-key credentials (those live in CPA's config). */
  file: FakeAuthFile | null;
  /** For API-key credentials: base URL of the upstream. */
  baseUrl: string;
}

export interface GenerateUsageOptions {
  /** Same seed ⇒ byte-identical records. */
  seed: number | string;
  /** Exact number of records to yield (retries included). */
  events: number;
  /** Length of the time window ending at `end`. */
  days: number;
  /** End of the window (exclusive). Default: 2026-08-22T16:00:00Z, fixed so the default output is reproducible. */
  end?: Date | number;
  /** Client API keys (Zipf-distributed traffic). Default 200. */
  keys?: number;
  /** Upstream credentials. Default 2000. */
  accounts?: number;
  /** Distinct model ids (at most 60). Default 60. */
  models?: number;
  /** Share of failed attempts. Default 0.03. */
  failureRate?: number;
  /**
   * Emulated CPA version: older versions drop the fields they did not have yet (docs/design.md,
   * "Version timeline").
   */
  cpaVersion?: string;
}

export interface GenerateAccountsOptions {
  seed: number | string;
  accounts: number;
}
