import type { UsageEventInput } from '../types';

/** The six mutually exclusive token buckets as stored columns (events and rollups alike). */
export const TOKEN_COLUMNS = [
  'input',
  'cache_read',
  'cache_creation',
  'output',
  'reasoning',
  'unclassified',
] as const;

export type TokenColumns = Record<(typeof TOKEN_COLUMNS)[number], number>;

/** The token buckets as counted in memory (rollup contributions, aggregate groups, cache rows). */
export interface TokenCounts {
  input: number;
  cacheRead: number;
  cacheCreation: number;
  output: number;
  reasoning: number;
  unclassified: number;
}

export const ZERO_TOKENS: Readonly<TokenCounts> = {
  input: 0,
  cacheRead: 0,
  cacheCreation: 0,
  output: 0,
  reasoning: 0,
  unclassified: 0,
};

/** An event's token buckets as counts. */
export const eventTokens = (e: UsageEventInput): TokenCounts => ({
  input: e.inputTokens,
  cacheRead: e.cacheReadTokens,
  cacheCreation: e.cacheCreationTokens,
  output: e.outputTokens,
  reasoning: e.reasoningTokens,
  unclassified: e.unclassifiedTokens,
});

/** A stored row's token buckets under the UsageEvent names. */
export const rowTokens = (r: TokenColumns) => ({
  inputTokens: r.input,
  cacheReadTokens: r.cache_read,
  cacheCreationTokens: r.cache_creation,
  outputTokens: r.output,
  reasoningTokens: r.reasoning,
  unclassifiedTokens: r.unclassified,
});
