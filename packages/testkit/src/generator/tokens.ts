/**
 * Token counts of one attempt, in both forms CPA emits: the legacy flat `tokens` object with each
 * provider's own overlap semantics, and the canonical non-overlapping `token_breakdown` (v2).
 */
import type { Prng } from './prng';
import type { CpaLegacyTokens, CpaTokenBreakdown, ProviderFamily, TokenQuality } from './types';

/** Mutually exclusive buckets of one attempt. */
export interface TokenBuckets {
  uncached: number;
  cacheRead: number;
  cacheWrite: number;
  output: number; // non-reasoning output
  reasoning: number;
}

/** How the legacy `tokens` buckets overlap for a family (docs/design.md, "Usage record"). */
export type TokenSemantics = 'subset' | 'independent' | 'separate-reasoning';

export function semanticsOf(family: ProviderFamily): TokenSemantics {
  return family === 'claude' ? 'independent' : family === 'gemini' ? 'separate-reasoning' : 'subset';
}

const REASONING_MEDIAN: Record<string, number> = {
  minimal: 40,
  low: 180,
  medium: 600,
  high: 1800,
  xhigh: 4000,
};

const clampInt = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, Math.round(x)));

function inputTotal(rng: Prng): number {
  for (let i = 0; i < 4; i++) {
    const x = rng.logNormal(18_000, 1.1);
    if (x >= 1000 && x <= 200_000) return Math.round(x);
  }
  return clampInt(rng.logNormal(18_000, 1.1), 1000, 200_000);
}

/** Draws the buckets of a successful attempt. */
export function drawBuckets(
  rng: Prng,
  family: ProviderFamily,
  effort: string,
  thinks: boolean,
  generate: boolean,
): TokenBuckets {
  if (!generate) {
    // Prewarm / no-generation requests: prompt only.
    return {
      uncached: clampInt(rng.logNormal(4000, 0.6), 200, 40_000),
      cacheRead: 0,
      cacheWrite: 0,
      output: 0,
      reasoning: 0,
    };
  }
  const input = inputTotal(rng);
  let cacheRead = 0;
  let cacheWrite = 0;
  switch (family) {
    case 'codex':
      if (rng.chance(0.8)) cacheRead = Math.floor((input * rng.range(0.4, 0.97)) / 128) * 128;
      break;
    case 'claude':
      if (rng.chance(0.85)) cacheRead = Math.floor(input * rng.range(0.5, 0.98));
      if (rng.chance(0.7)) cacheWrite = Math.floor((input - cacheRead) * rng.range(0.5, 0.99));
      break;
    case 'gemini':
      if (rng.chance(0.45)) cacheRead = Math.floor(input * rng.range(0.3, 0.9));
      break;
    case 'openai-compatible':
      if (rng.chance(0.35)) cacheRead = Math.floor((input * rng.range(0.2, 0.9)) / 64) * 64;
      break;
  }
  const output = clampInt(rng.logNormal(450, 1.0), 1, 32_000);
  const median = thinks
    ? (REASONING_MEDIAN[effort] ?? (family === 'claude' || family === 'gemini' ? 500 : 0))
    : 0;
  const reasoning = median > 0 ? clampInt(rng.logNormal(median, 0.9), 1, 64_000) : 0;
  return { uncached: input - cacheRead - cacheWrite, cacheRead, cacheWrite, output, reasoning };
}

export const ZERO_BUCKETS: TokenBuckets = {
  uncached: 0,
  cacheRead: 0,
  cacheWrite: 0,
  output: 0,
  reasoning: 0,
};

/** Legacy `tokens` per provider semantics (all v7.2.74+ keys; the record builder trims for older versions). */
export function legacyTokens(b: TokenBuckets, semantics: TokenSemantics): CpaLegacyTokens {
  switch (semantics) {
    case 'subset': {
      // OpenAI-style: input includes cached, output includes reasoning.
      const input = b.uncached + b.cacheRead + b.cacheWrite;
      const output = b.output + b.reasoning;
      return {
        input_tokens: input,
        output_tokens: output,
        reasoning_tokens: b.reasoning,
        cached_tokens: b.cacheRead,
        cache_read_tokens: b.cacheRead,
        cache_read_tokens_present: true,
        cache_creation_tokens: b.cacheWrite,
        total_tokens: input + output,
      };
    }
    case 'independent': {
      // Anthropic: input excludes cache read and creation; output includes thinking.
      const output = b.output + b.reasoning;
      return {
        input_tokens: b.uncached,
        output_tokens: output,
        reasoning_tokens: b.reasoning,
        cached_tokens: b.cacheRead > 0 ? b.cacheRead : b.cacheWrite,
        cache_read_tokens: b.cacheRead,
        cache_read_tokens_present: true,
        cache_creation_tokens: b.cacheWrite,
        total_tokens: b.uncached + output + b.cacheRead + b.cacheWrite,
      };
    }
    case 'separate-reasoning': {
      // Gemini: promptTokenCount includes cached; candidates exclude thoughts.
      const input = b.uncached + b.cacheRead + b.cacheWrite;
      return {
        input_tokens: input,
        output_tokens: b.output,
        reasoning_tokens: b.reasoning,
        cached_tokens: b.cacheRead,
        cache_read_tokens: b.cacheRead,
        cache_read_tokens_present: true,
        cache_creation_tokens: b.cacheWrite,
        total_tokens: input + b.output + b.reasoning,
      };
    }
  }
}

export function completeBreakdown(b: TokenBuckets): CpaTokenBreakdown {
  const inTotal = b.uncached + b.cacheRead + b.cacheWrite;
  const outTotal = b.output + b.reasoning;
  return {
    schema_version: 2,
    quality: 'complete',
    total_tokens: inTotal + outTotal,
    input: {
      total_tokens: inTotal,
      uncached_tokens: b.uncached,
      cache_read_tokens: b.cacheRead,
      cache_write_tokens: b.cacheWrite,
    },
    output: { total_tokens: outTotal, non_reasoning_tokens: b.output, reasoning_tokens: b.reasoning },
    unclassified_tokens: 0,
  };
}

function opaqueBreakdown(
  quality: TokenQuality,
  total: number,
  inputKnown: TokenBuckets | null,
): CpaTokenBreakdown {
  const input = inputKnown
    ? {
        total_tokens: inputKnown.uncached + inputKnown.cacheRead + inputKnown.cacheWrite,
        uncached_tokens: inputKnown.uncached,
        cache_read_tokens: inputKnown.cacheRead,
        cache_write_tokens: inputKnown.cacheWrite,
      }
    : { total_tokens: 0, uncached_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 };
  return {
    schema_version: 2,
    quality,
    total_tokens: total,
    input,
    output: { total_tokens: 0, non_reasoning_tokens: 0, reasoning_tokens: 0 },
    unclassified_tokens: total - input.total_tokens,
  };
}

export interface AttemptTokens {
  tokens: CpaLegacyTokens;
  breakdown: CpaTokenBreakdown;
  /** The attempt's true total (for the record builder's latency model). */
  total: number;
  outputAndReasoning: number;
}

/**
 * Tokens of a successful attempt. Mostly `complete`; a few `unclassified` (upstream reported only a total,
 * or only the prompt side) and, rarely, `inconsistent` (upstream numbers contradict: cached > prompt).
 */
export function successTokens(
  rng: Prng,
  family: ProviderFamily,
  effort: string,
  thinks: boolean,
  generate: boolean,
): AttemptTokens {
  const b = drawBuckets(rng, family, effort, thinks, generate);
  const semantics = semanticsOf(family);
  const outputAndReasoning = b.output + b.reasoning;
  const q = rng.next();
  const unclassifiedShare = family === 'openai-compatible' ? 0.04 : 0.004;
  if (q < unclassifiedShare) {
    const total = b.uncached + b.cacheRead + b.cacheWrite + outputAndReasoning;
    if (rng.chance(0.5)) {
      // Only total_tokens reported.
      const tokens: CpaLegacyTokens = {
        input_tokens: 0,
        output_tokens: 0,
        reasoning_tokens: 0,
        cached_tokens: 0,
        cache_read_tokens: 0,
        cache_read_tokens_present: true,
        cache_creation_tokens: 0,
        total_tokens: total,
      };
      return { tokens, breakdown: opaqueBreakdown('unclassified', total, null), total, outputAndReasoning };
    }
    // Prompt side reported, completion side missing (stream cut before the final usage chunk).
    const tokens = legacyTokens({ ...b, output: 0, reasoning: 0 }, semantics);
    tokens.total_tokens = total;
    return { tokens, breakdown: opaqueBreakdown('unclassified', total, b), total, outputAndReasoning };
  }
  if (q < unclassifiedShare + 0.001 && semantics !== 'independent' && b.cacheRead > 0) {
    // cached_tokens larger than the prompt it is part of: CPA cannot split it.
    const tokens = legacyTokens(b, semantics);
    tokens.cached_tokens = tokens.input_tokens + b.cacheRead;
    tokens.cache_read_tokens = tokens.cached_tokens;
    return {
      tokens,
      breakdown: opaqueBreakdown('inconsistent', tokens.total_tokens, null),
      total: tokens.total_tokens,
      outputAndReasoning,
    };
  }
  const tokens = legacyTokens(b, semantics);
  return { tokens, breakdown: completeBreakdown(b), total: tokens.total_tokens, outputAndReasoning };
}

/** Tokens of a failed attempt: all zero, breakdown `complete` with zeros (as CPA reports it). */
export function failedTokens(family: ProviderFamily): AttemptTokens {
  return {
    tokens: legacyTokens(ZERO_BUCKETS, semanticsOf(family)),
    breakdown: completeBreakdown(ZERO_BUCKETS),
    total: 0,
    outputAndReasoning: 0,
  };
}
