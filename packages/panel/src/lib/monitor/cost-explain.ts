import type { ModelPrice, UsageRow } from '../api/analytics-api';

export interface CostLine {
  bucket: 'input' | 'output' | 'reasoning' | 'cacheRead' | 'cacheCreation';
  tokens: number;
  /** USD per 1M tokens, after the tier multiplier. */
  rate: number | null;
  micros: number | null;
}

export interface CostExplanation {
  tier: string;
  multiplier: number;
  above200k: boolean;
  lines: CostLine[];
  feeMicros: number;
}

/**
 * Re-derives a request's cost from today's price for its model, bucket by bucket, so the details drawer can
 * show where the stored cost comes from (the stored figure stays the authority).
 */
export function explainCost(e: UsageRow, p: ModelPrice): CostExplanation {
  const tier = (e.responseServiceTier || e.serviceTier || '').toLowerCase();
  const multiplier = tier === 'priority' ? (p.priorityMultiplier ?? 1) : tier === 'flex' ? (p.flexMultiplier ?? 1) : 1;
  const prompt = e.inputTokens + e.cacheReadTokens + e.cacheCreationTokens;
  const above200k = prompt > 200_000 && p.inputAbove200k != null;
  const pick = (base: number | null | undefined, above: number | null | undefined) => (above200k && above != null ? above : (base ?? null));
  const raw: [CostLine['bucket'], number, number | null][] = [
    ['input', e.inputTokens, pick(p.input, p.inputAbove200k)],
    ['output', e.outputTokens, pick(p.output, p.outputAbove200k)],
    ['reasoning', e.reasoningTokens, p.reasoning ?? pick(p.output, p.outputAbove200k)],
    ['cacheRead', e.cacheReadTokens, p.cacheRead ?? null],
    ['cacheCreation', e.cacheCreationTokens, p.cacheCreation ?? null],
  ];
  const lines = raw.map(([bucket, tokens, rate]) => {
    const r = rate === null ? null : rate * multiplier;
    return { bucket, tokens, rate: r, micros: r === null ? null : Math.round(tokens * r) };
  });
  return { tier: tier || 'standard', multiplier, above200k, lines, feeMicros: Math.round((p.perRequestFee ?? 0) * 1e6) };
}
