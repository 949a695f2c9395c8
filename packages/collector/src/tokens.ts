// Token accounting: CPA's v2 token_breakdown when present, else per-provider normalisation of the
// legacy flat `tokens` into the same MUTUALLY EXCLUSIVE buckets (sum = total).
import type { RawTokenBreakdown, RawTokens } from './record.schema';
import type { TokenQuality, UsageEvent } from './usage-event';

/** The token fields of a UsageEvent (declared and documented there). */
export type TokenBuckets = Pick<
  UsageEvent,
  | 'inputTokens'
  | 'cacheReadTokens'
  | 'cacheCreationTokens'
  | 'outputTokens'
  | 'reasoningTokens'
  | 'unclassifiedTokens'
  | 'totalTokens'
  | 'tokenQuality'
>;

/** How a provider's flat counts overlap (docs/design.md, "Usage record"). */
export type TokenSemantics = 'independent' | 'subset' | 'separate-reasoning';

const SEPARATE_REASONING = new Set([
  'gemini',
  'gemini-cli',
  'gemini-interactions',
  'vertex',
  'aistudio',
  'antigravity',
]);

export function tokenSemantics(provider: string, executorType: string): TokenSemantics {
  const p = provider.toLowerCase();
  const e = executorType.toLowerCase();
  if (p === 'claude' || p === 'anthropic' || e.startsWith('claude')) return 'independent';
  if (SEPARATE_REASONING.has(p) || /^(gemini|vertex|aistudio|antigravity)/.test(e))
    return 'separate-reasoning';
  // codex, openai, xai, kimi and openai-compatible providers (any other name) report OpenAI-style subsets.
  return 'subset';
}

const n = (v: number | undefined): number => v ?? 0;
const first = (...vals: (number | undefined)[]): number | undefined => vals.find((v) => v !== undefined);

export function bucketsFromBreakdown(bd: RawTokenBreakdown): TokenBuckets {
  const input = bd.input ?? undefined;
  const output = bd.output ?? undefined;
  const b: TokenBuckets = {
    inputTokens: n(input?.uncached_tokens),
    cacheReadTokens: n(input?.cache_read_tokens),
    cacheCreationTokens: n(input?.cache_write_tokens),
    outputTokens: n(output?.non_reasoning_tokens),
    reasoningTokens: n(output?.reasoning_tokens),
    unclassifiedTokens: n(bd.unclassified_tokens),
    totalTokens: 0,
    tokenQuality: qualityOf(bd.quality),
  };
  // Input/output totals that exceed their parts, or a grand total above the sum, are tokens CPA could not
  // place: keep them as unclassified so totals stay honest and buckets stay exclusive.
  const inSum = b.inputTokens + b.cacheReadTokens + b.cacheCreationTokens;
  const outSum = b.outputTokens + b.reasoningTokens;
  let extra = Math.max(0, n(input?.total_tokens) - inSum) + Math.max(0, n(output?.total_tokens) - outSum);
  const partial = inSum + outSum + b.unclassifiedTokens + extra;
  extra += Math.max(0, n(bd.total_tokens) - partial);
  if (extra > 0) {
    b.unclassifiedTokens += extra;
    if (b.tokenQuality === 'complete') b.tokenQuality = 'inconsistent';
  }
  b.totalTokens = sum(b);
  return b;
}

function qualityOf(q: string | undefined): TokenQuality {
  if (q === 'complete' || q === 'inconsistent' || q === 'unclassified') return q;
  return 'unclassified';
}

export function bucketsFromFlat(t: Partial<RawTokens>, semantics: TokenSemantics): TokenBuckets {
  const input = n(first(t.input_tokens, t.prompt_tokens));
  const output = n(first(t.output_tokens, t.completion_tokens));
  const reasoning = n(t.reasoning_tokens);
  const cached = first(t.cached_tokens, t.cache_tokens);
  const readField = first(t.cache_read_tokens, t.cache_read_input_tokens);
  const creation = n(
    first(
      t.cache_creation_tokens,
      t.cache_creation_input_tokens,
      t.cache_write_tokens,
      t.cache_write_input_tokens,
    ),
  );
  // cache_read_tokens is authoritative from v7.0.3 on; before that only `cached_tokens` existed.
  const hasReadField = readField !== undefined || t.cache_read_tokens_present === true;
  let cacheRead = hasReadField ? n(readField) : n(cached);
  let cacheCreation = creation;
  if (!hasReadField && semantics === 'independent' && creation > 0 && cacheRead === creation) {
    // Claude's legacy cached_tokens falls back to cache_creation when there was no cache read.
    cacheRead = 0;
  }
  let uncached: number;
  let outputNonReasoning: number;
  if (semantics === 'independent') {
    uncached = input;
    outputNonReasoning = Math.max(0, output - reasoning);
  } else {
    // input includes cached (and any cache write); never let the subtraction go negative
    if (cacheRead + cacheCreation > input) {
      const over = cacheRead + cacheCreation - input;
      cacheCreation = Math.max(0, cacheCreation - over);
      cacheRead = Math.min(cacheRead, input);
    }
    uncached = input - cacheRead - cacheCreation;
    outputNonReasoning = semantics === 'subset' ? Math.max(0, output - reasoning) : output;
  }
  const reasoningBucket =
    semantics === 'subset' || semantics === 'independent' ? Math.min(reasoning, output) : reasoning;
  const b: TokenBuckets = {
    inputTokens: uncached,
    cacheReadTokens: cacheRead,
    cacheCreationTokens: cacheCreation,
    outputTokens: outputNonReasoning,
    reasoningTokens: reasoningBucket,
    unclassifiedTokens: 0,
    totalTokens: 0,
    tokenQuality: 'legacy',
  };
  // A reported total above our parts (tool-use prompt tokens, reasoning reported outside output, …) is kept
  // as unclassified rather than dropped.
  const reported = first(t.total_tokens, t.total);
  const partial = sum(b);
  if (reported !== undefined && reported > partial) b.unclassifiedTokens = reported - partial;
  b.totalTokens = sum(b);
  return b;
}

function sum(b: TokenBuckets): number {
  return (
    b.inputTokens +
    b.cacheReadTokens +
    b.cacheCreationTokens +
    b.outputTokens +
    b.reasoningTokens +
    b.unclassifiedTokens
  );
}

export const EMPTY_BUCKETS: Readonly<TokenBuckets> = {
  inputTokens: 0,
  cacheReadTokens: 0,
  cacheCreationTokens: 0,
  outputTokens: 0,
  reasoningTokens: 0,
  unclassifiedTokens: 0,
  totalTokens: 0,
  tokenQuality: 'legacy',
};
